// The chat playground: one user on one device, over MQTT 5 on WebSocket (mqtt.js, bundled from npm),
// speaking Herald's IM topics (docs/protocol.md Part II). It gets its client token from the admin API,
// shows acks with msg_id and seq, keeps unread badges from $im/unread, and after a reconnect pages
// $im/sync from the last version it saw, so missed messages arrive exactly once.
import mqttModule from './mqtt.esm.js';
import { call } from './api.js';

const mqtt = mqttModule.default ?? mqttModule;
const $ = (id) => document.getElementById(id);

const state = {
  client: null,
  user: '',
  device: '',
  version: 0,          // newest timeline version seen: where the next sync starts
  messages: new Map(), // msg_id -> entry (dedup: pushes are at-least-once)
  convs: new Map(),    // conv -> {last_seq, unread}
  selected: '',
  pending: new Map(),  // cmid -> <li> waiting for its ack
};

function log(direction, topic, payload) {
  const li = document.createElement('li');
  li.textContent = `${direction} ${topic} ${payload}`;
  $('log').prepend(li);
  while ($('log').children.length > 200) $('log').lastChild.remove();
}

function publish(topic, obj) {
  const text = JSON.stringify(obj);
  log('→', topic, text);
  state.client.publish(topic, text, { qos: 1 });
}

function requestUnread() {
  publish('$im/unread', { req_id: `unread-${Date.now()}` });
}

function peerOf(conv) {
  const [, a, b] = conv.split(':');
  return a === state.user ? b : a;
}

function renderConvs() {
  $('convs').replaceChildren(...[...state.convs].map(([conv, c]) => {
    const li = document.createElement('li');
    li.dataset.conv = conv;
    li.textContent = conv.startsWith('c2c:') ? peerOf(conv) : conv;
    if (c.unread > 0) {
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.dataset.testid = 'conv-unread';
      badge.textContent = String(c.unread);
      li.append(' ', badge);
    }
    if (conv === state.selected) li.className = 'selected';
    li.onclick = () => {
      state.selected = conv;
      if (conv.startsWith('c2c:')) $('peer').value = peerOf(conv);
      render();
    };
    return li;
  }));
}

function renderMessages() {
  const list = [...state.messages.values()].filter((m) => !state.selected || m.conv === state.selected)
    .sort((a, b) => (a.conv === b.conv ? a.seq - b.seq : a.ts - b.ts));
  const items = list.map((m) => {
    const li = document.createElement('li');
    li.className = m.from === state.user ? 'mine' : 'theirs';
    li.dataset.testid = 'message';
    li.dataset.seq = String(m.seq);
    li.textContent = `${m.from}: ${typeof m.body === 'string' ? m.body : JSON.stringify(m.body)}`;
    const meta = document.createElement('small');
    meta.textContent = ` seq ${m.seq} · ${m.msg_id}`;
    li.append(meta);
    return li;
  });
  $('messages').replaceChildren(...items, ...state.pending.values());
}

function render() {
  renderConvs();
  renderMessages();
  const total = [...state.convs.values()].reduce((a, c) => a + c.unread, 0);
  $('unread-total').textContent = String(total);
  $('mark-read').disabled = !state.client || !state.selected;
}

function remember(entry) {
  if (entry.version) state.version = Math.max(state.version, entry.version);
  if (entry.kind !== 'msg' || state.messages.has(entry.msg_id)) return;
  state.messages.set(entry.msg_id, entry);
  const c = state.convs.get(entry.conv) || { last_seq: 0, unread: 0 };
  c.last_seq = Math.max(c.last_seq, entry.seq);
  state.convs.set(entry.conv, c);
  if (!state.selected) state.selected = entry.conv;
}

function onInbox(entry) {
  switch (entry.kind) {
    case 'msg':
    case 'signal':
      remember(entry);
      if (entry.kind === 'msg' && entry.from !== state.user) requestUnread();
      break;
    case 'ack': {
      if (entry.version) state.version = Math.max(state.version, entry.version);
      const li = state.pending.get(entry.cmid);
      state.pending.delete(entry.cmid);
      if (li) {
        remember({ ...li.entry, kind: 'msg', msg_id: entry.msg_id, seq: entry.seq, ts: entry.ts, version: entry.version });
      }
      break;
    }
    case 'sync_end':
      state.version = Math.max(state.version, entry.version);
      if (entry.more) publish('$im/sync', { since: state.version, limit: 100 });
      else requestUnread();
      break;
    case 'result':
      if (entry.unread) {
        for (const c of state.convs.values()) c.unread = 0;
        for (const u of entry.unread.convs) {
          const c = state.convs.get(u.conv) || { last_seq: u.last_seq, unread: 0 };
          c.unread = u.count;
          state.convs.set(u.conv, c);
        }
      }
      break;
    case 'error':
      log('!', entry.topic || '', `${entry.code} ${entry.reason}`);
      break;
    default:
      break;
  }
  render();
}

function mqttUrl(status) {
  // The gateway's MQTT-over-WebSocket listener, from the status' listener list: "name[mqtt+websocket] addr:port".
  const ws = status.listeners.find((l) => l.includes('[mqtt+websocket]'));
  if (!ws) throw new Error('no MQTT-over-WebSocket listener is configured');
  const port = ws.match(/:(\d+)\s/)[1];
  return `ws://${location.hostname}:${port}/mqtt`;
}

async function connect(event) {
  event.preventDefault();
  const user = $('user').value.trim();
  const device = $('device').value.trim();
  if (state.user && state.user !== user) {  // another user: start from nothing
    state.version = 0;
    state.messages.clear();
    state.convs.clear();
    state.selected = '';
  }
  state.user = user;
  state.device = device;
  $('conn-state').textContent = 'connecting…';
  try {
    const [{ token }, status] = await Promise.all([
      call('POST', '/v1/tokens', { user, device, ttl: '1h' }),
      call('GET', '/v1/status'),
    ]);
    const client = mqtt.connect(mqttUrl(status), {
      protocolVersion: 5, clientId: device, username: user, password: token, clean: true, reconnectPeriod: 0,
    });
    state.client = client;
    client.on('connect', () => {
      $('conn-state').textContent = `online as ${user}/${device}`;
      $('connect').disabled = true;
      $('disconnect').disabled = false;
      $('send-button').disabled = false;
      publish('$im/sync', { since: state.version, limit: 100 });  // what happened while away
      render();
    });
    client.on('message', (topic, payload) => {
      log('←', topic, payload.toString());
      try {
        onInbox(JSON.parse(payload.toString()));
      } catch (e) {
        log('!', topic, e.message);
      }
    });
    client.on('error', (e) => { $('conn-state').textContent = `error: ${e.message}`; });
    client.on('close', () => {
      if (state.client !== client) return;
      state.client = null;
      $('conn-state').textContent = 'offline';
      $('connect').disabled = false;
      $('disconnect').disabled = true;
      $('send-button').disabled = true;
      render();
    });
  } catch (e) {
    $('conn-state').textContent = `cannot connect: ${e.message}`;
  }
}

function disconnect() {
  if (state.client) state.client.end();
}

function send(event) {
  event.preventDefault();
  const peer = $('peer').value.trim();
  const text = $('text').value;
  const cmid = `web-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const [a, b] = [state.user, peer].sort();
  const li = document.createElement('li');
  li.className = 'mine pending';
  li.textContent = `${state.user}: ${text} (sending…)`;
  li.entry = { conv: `c2c:${a}:${b}`, from: state.user, body: text, cmid };
  state.pending.set(cmid, li);
  state.selected = li.entry.conv;
  publish(`$im/send/c2c/${peer}`, { cmid, type: 'text', body: text });
  $('text').value = '';
  render();
}

function markRead() {
  const c = state.convs.get(state.selected);
  if (!c) return;
  publish('$im/read', { conv: state.selected, seq: c.last_seq, req_id: `read-${Date.now()}` });
  requestUnread();
}

export function initPlayground() {
  $('login').addEventListener('submit', connect);
  $('disconnect').addEventListener('click', disconnect);
  $('send').addEventListener('submit', send);
  $('mark-read').addEventListener('click', markRead);
}
