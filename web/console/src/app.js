// The console's shell: the admin token form, the two views, and the status poll while it is shown.
import { adminToken, setAdminToken, call } from './api.js';
import { refreshStatus } from './status.js';
import { initPlayground } from './playground.js';

const $ = (id) => document.getElementById(id);
let timer = null;

function show(view) {
  for (const section of document.querySelectorAll('.view')) section.classList.toggle('hidden', section.id !== view);
  for (const tab of document.querySelectorAll('.tab')) tab.classList.toggle('active', tab.dataset.view === view);
  clearInterval(timer);
  timer = null;
  if (view === 'status' && adminToken()) {
    refreshStatus();
    timer = setInterval(refreshStatus, 2000);
  }
}

async function signIn(event) {
  event?.preventDefault();
  const input = $('admin-token');
  if (input.value) setAdminToken(input.value);
  input.value = '';
  try {
    const status = await call('GET', '/v1/status');
    $('admin-state').textContent = `signed in to ${status.node}`;
    show(document.querySelector('.tab.active').dataset.view);
  } catch (e) {
    $('admin-state').textContent = `refused: ${e.message}`;
  }
}

for (const tab of document.querySelectorAll('.tab')) tab.addEventListener('click', () => show(tab.dataset.view));
$('admin-login').addEventListener('submit', signIn);
initPlayground();
if (adminToken()) signIn();
