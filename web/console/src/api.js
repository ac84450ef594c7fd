// The admin API as the console uses it: the token lives in sessionStorage (this tab only), every call
// sends it as a bearer token, and errors surface as the API's {error: {name, message}}.
const KEY = 'herald.adminToken';

export function adminToken() {
  return sessionStorage.getItem(KEY) || '';
}

export function setAdminToken(token) {
  sessionStorage.setItem(KEY, token.trim());
}

export async function call(method, path, body) {
  const init = { method, headers: { Authorization: `Bearer ${adminToken()}` } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  if (!res.ok) {
    let message = `${res.status}`;
    try {
      const e = JSON.parse(text).error;
      message = `${e.name}: ${e.message}`;
    } catch { /* not JSON */ }
    throw new Error(message);
  }
  const type = res.headers.get('Content-Type') || '';
  return type.startsWith('application/json') ? JSON.parse(text) : text;
}

// Prometheus text format into [{name, labels, value}] (the console reads /v1/metrics).
export function parseMetrics(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)/);
    if (!m) continue;
    const labels = {};
    for (const pair of (m[3] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}
