// End-to-end test of the web console: Playwright (playwright-core) drives Debian's chromium, headless,
// against a real herald on loopback. Two browser contexts are two users: they chat, one goes offline
// and comes back to what it missed with the right unread badge, and the status view shows the
// connections. Screenshots go to $HERALD_ARTIFACTS. Every wait is for a condition, with a deadline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const HERALD = process.env.HERALD_BIN;
const PLUGINS = process.env.HERALD_PLUGIN_DIR;
const ARTIFACTS = process.env.HERALD_ARTIFACTS || path.join(tmpdir(), 'herald-web-artifacts');
const TIMEOUT = 20_000;

let dir, herald, browser, adminUrl, adminToken;

function startHerald() {
  dir = mkdtempSync(path.join(tmpdir(), 'herald-web-'));
  writeFileSync(path.join(dir, 'herald.yaml'), `
service: {data_dir: ${dir}/var, loops: 2, plugin_paths: ["${PLUGINS}"]}
metrics: {listen: 127.0.0.1:0}
admin: {enabled: true, listen: 127.0.0.1:0, token_file: ${dir}/admin.token}
plugins:
  - name: gateway
    config:
      listeners:
        - {name: mqtt-ws, protocol: mqtt, transport: websocket, bind: "127.0.0.1:0"}
      auth: {jwt: {secrets: ["web-console-test-secret-0123456789abcdef"]}}
      acl: {default: deny}
      mqtt: {pipeline: inbound}
pipelines:
  inbound:
    - stage: im.store
    - stage: im.route
`);
  herald = spawn(HERALD, ['serve', '-c', path.join(dir, 'herald.yaml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`herald did not start:\n${log}`)), TIMEOUT);
    herald.stderr.on('data', (chunk) => {
      log += chunk;
      const started = log.match(/herald .* started: .*admin http:\/\/([0-9.]+:\d+)/);
      if (started) {
        clearTimeout(timer);
        adminUrl = `http://${started[1]}`;
        adminToken = readFileSync(path.join(dir, 'admin.token'), 'utf8').trim();
        resolve();
      }
    });
    herald.on('exit', (code) => reject(new Error(`herald exited ${code}:\n${log}`)));
  });
}

async function openConsole(name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${adminUrl}/console/`);
  await page.fill('#admin-token', adminToken);
  await page.click('#admin-login button');
  await page.getByTestId('admin-state').filter({ hasText: 'signed in' }).waitFor();
  page.shot = (label) => page.screenshot({ path: path.join(ARTIFACTS, `${name}-${label}.png`), fullPage: true });
  page.errors = errors;
  return page;
}

async function login(page, user, device) {
  await page.click('button[data-view="playground"]');
  await page.fill('#user', user);
  await page.fill('#device', device);
  await page.click('#connect');
  await page.getByTestId('conn-state').filter({ hasText: `online as ${user}/${device}` }).waitFor();
}

async function send(page, peer, text) {
  await page.fill('#peer', peer);
  await page.fill('#text', text);
  await page.click('#send-button');
  // The ack turns the pending line into a message with its seq.
  await page.getByTestId('message').filter({ hasText: text }).waitFor();
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await startHerald();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  if (herald && herald.exitCode === null) {
    const exited = new Promise((resolve) => herald.on('exit', resolve));
    herald.kill('SIGTERM');
    assert.equal(await exited, 0, 'herald exit code');
  }
  rmSync(dir, { recursive: true, force: true });
});

test('the console refuses a wrong admin token', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${adminUrl}/console/`);
  await page.fill('#admin-token', 'not-the-token');
  await page.click('#admin-login button');
  await page.getByTestId('admin-state').filter({ hasText: 'BAD_CREDENTIALS' }).waitFor({ timeout: TIMEOUT });
  await context.close();
});

test('two users chat; one goes offline and comes back to what it missed, with the unread badge', async () => {
  const alice = await openConsole('alice');
  const bob = await openConsole('bob');
  await login(alice, 'web-alice', 'web-alice-tab');
  await login(bob, 'web-bob', 'web-bob-tab');

  await send(alice, 'web-bob', 'hello bob');
  const first = bob.getByTestId('message').filter({ hasText: 'web-alice: hello bob' });
  await first.waitFor();
  assert.equal(await first.getAttribute('data-seq'), '1');
  await bob.getByTestId('unread-total').filter({ hasText: /^1$/ }).waitFor();
  await bob.shot('received');

  // Bob reads it (badge 0), goes offline, and alice sends two more.
  await bob.click('#convs li');
  await bob.click('#mark-read');
  await bob.getByTestId('unread-total').filter({ hasText: /^0$/ }).waitFor();
  await bob.click('#disconnect');
  await bob.getByTestId('conn-state').filter({ hasText: 'offline' }).waitFor();
  await send(alice, 'web-bob', 'are you there?');
  await send(alice, 'web-bob', 'call me back');
  const aliceSeqs = await alice.getByTestId('message').evaluateAll((els) => els.map((e) => e.dataset.seq));
  assert.deepEqual(aliceSeqs, ['1', '2', '3']);
  await alice.shot('sent');

  // Back online: the sync brings exactly the two missed messages, in order, and the badge says 2.
  await bob.click('#connect');
  await bob.getByTestId('conn-state').filter({ hasText: 'online' }).waitFor();
  await bob.getByTestId('message').filter({ hasText: 'call me back' }).waitFor();
  await bob.getByTestId('unread-total').filter({ hasText: /^2$/ }).waitFor();
  const bobLines = await bob.getByTestId('message').evaluateAll((els) => els.map((e) => `${e.dataset.seq} ${e.firstChild.textContent}`));
  assert.deepEqual(bobLines, ['1 web-alice: hello bob', '2 web-alice: are you there?', '3 web-alice: call me back']);
  await bob.shot('synced');

  // The status view counts both browsers' WebSocket connections and lists the plugins.
  await alice.click('button[data-view="status"]');
  await alice.getByTestId('connections-total').filter({ hasText: /^2$/ }).waitFor();
  await alice.getByTestId('plugins').filter({ hasText: 'gateway' }).waitFor();
  await alice.shot('status');
  assert.deepEqual([...alice.errors, ...bob.errors], [], 'no script errors in the pages');
});
