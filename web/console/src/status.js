// The status view: polls /v1/status and /v1/metrics every 2 s and renders node facts, connections,
// message rates (from counter deltas between polls), stages, plugins, listeners, reloads, breakers.
import { call, parseMetrics } from './api.js';

const $ = (id) => document.getElementById(id);
let previous = null;  // {at, totals} of the last poll, for rates

function rows(table, data) {
  table.replaceChildren(...data.map((cells) => {
    const tr = document.createElement('tr');
    for (const c of cells) {
      const td = document.createElement('td');
      td.textContent = c;
      tr.append(td);
    }
    return tr;
  }));
}

function sum(metrics, name, match = () => true) {
  return metrics.filter((m) => m.name === name && match(m.labels)).reduce((a, m) => a + m.value, 0);
}

function formatUptime(ms) {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m ${s % 60}s`;
}

export async function refreshStatus() {
  let status, metrics;
  try {
    [status, metrics] = await Promise.all([call('GET', '/v1/status'), call('GET', '/v1/metrics').then(parseMetrics)]);
    $('status-error').textContent = '';
  } catch (e) {
    $('status-error').textContent = `Cannot read the status: ${e.message}`;
    return;
  }
  const facts = [['node', status.node], ['version', status.version], ['uptime', formatUptime(status.uptime_ms)],
                 ['event loops', status.loops], ['draining', status.draining ? 'yes' : 'no']];
  $('node-facts').replaceChildren(...facts.flatMap(([k, v]) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    return [dt, dd];
  }));

  const conns = metrics.filter((m) => m.name === 'herald_gateway_connections');
  $('connections-total').textContent = String(conns.reduce((a, m) => a + m.value, 0));
  rows($('connections'), [
    ...conns.filter((m) => m.value > 0).map((m) => [`${m.labels.listener} (${m.labels.transport})`, m.value]),
    ...metrics.filter((m) => m.name === 'herald_gateway_online_devices').map((m) => [`devices ${m.labels.protocol}`, m.value]),
    ['users online', sum(metrics, 'herald_gateway_online_users')],
  ]);

  const totals = {
    'MQTT publishes in': sum(metrics, 'herald_mqtt_messages_published_total'),
    'IM messages stored': sum(metrics, 'herald_messages_stored_total'),
    'deliveries to devices': sum(metrics, 'herald_gateway_im_push_entries_total') +
                             sum(metrics, 'herald_mqtt_messages_delivered_total'),
  };
  const now = Date.now();
  rows($('rates'), Object.entries(totals).map(([k, v]) => {
    const rate = previous ? (v - previous.totals[k]) / ((now - previous.at) / 1000) : 0;
    return [k, `${rate.toFixed(1)} (total ${v})`];
  }));
  previous = { at: now, totals };

  const stages = new Map();
  for (const m of metrics) {
    if (m.name !== 'herald_stage_calls_total' && m.name !== 'herald_stage_rejects_total') continue;
    const key = `${m.labels.pipeline} ▸ ${m.labels.stage}`;
    const s = stages.get(key) || { calls: 0, rejects: 0 };
    if (m.name === 'herald_stage_calls_total') s.calls += m.value;
    else s.rejects += m.value;
    stages.set(key, s);
  }
  rows($('stages'), [['stage', 'calls', 'rejects'], ...[...stages].map(([k, s]) => [k, s.calls, s.rejects])]);
  rows($('plugins'), status.plugins.map((p) => [p.name, p.version]));
  $('listeners').replaceChildren(...status.listeners.map((l) => Object.assign(document.createElement('li'), { textContent: l })));
  $('reloads').replaceChildren(...(status.reloads.length ? status.reloads.slice().reverse() : [null]).map((r) => {
    const li = document.createElement('li');
    li.textContent = r ? `${new Date(r.at).toLocaleTimeString()} ${r.ok ? 'ok' : 'rejected'}: ${r.message}` : 'none since start';
    if (r && !r.ok) li.className = 'bad';
    return li;
  }));
  const states = ['closed', 'open', 'half-open'];
  const breakers = metrics.filter((m) => m.name === 'herald_circuit_state');
  rows($('breakers'), breakers.length ? breakers.map((m) => [m.labels.target, states[m.value] || m.value]) : [['none configured', '']]);
}
