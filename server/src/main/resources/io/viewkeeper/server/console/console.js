// The Viewkeeper console: reads the admin commands of the node that served this page, every second.
// Everything shown is set as text (never as HTML), so names and data from the tree cannot run as script.
'use strict';

const WINDOW_SECONDS = 120;
const COLORS = ['#1a56b0', '#c0392b', '#16803c', '#8e44ad', '#b35c00', '#2c3e50', '#d4a017'];
const state = { token: sessionStorage.getItem('viewkeeper.token') || '', path: '/', data: null, view: 'text' };

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function svgEl(tag, attrs) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

async function command(name, params, options) {
  const query = params ? '?' + new URLSearchParams(params).toString() : '';
  const init = { method: (options && options.method) || 'GET', headers: {}, cache: 'no-store' };
  if (state.token && options && options.withToken) init.headers.Authorization = 'Bearer ' + state.token;
  const response = await fetch('/commands/' + name + query, init);
  let body;
  try {
    body = await response.json();
  } catch (e) {
    throw new Error(name + ': HTTP ' + response.status);
  }
  if (!response.ok) throw new Error(name + ': ' + (body.error || 'HTTP ' + response.status));
  return body;
}

function showError(message) {
  document.getElementById('error').textContent = message || '';
}

// ---- the group ------------------------------------------------------------------------------------------

function lastSecond(member) {
  const s = member.seconds || [];
  return s.length ? s[s.length - 1] : null;
}

function renderGroup(group) {
  const members = group.members;
  const reachable = members.filter(m => m.reachable);
  const maxOp = Math.max(0, ...reachable.map(m => m.op || 0));
  const primary = reachable.find(m => m.role === 'primary' || m.role === 'standalone');
  document.getElementById('summary').textContent = members.length + (members.length === 1 ? ' replica' : ' replicas')
    + ', ' + reachable.length + ' answering' + (primary ? ', primary ' + primary.id + ' in view ' + primary.view : ', no primary')
    + ' · page served by replica ' + group.answered_by;
  const body = document.querySelector('#group tbody');
  body.replaceChildren();
  for (const m of members) {
    const tr = el('tr');
    tr.dataset.memberId = m.id;
    if (!m.reachable) {
      tr.className = 'unreachable';
      tr.append(el('td', m.id), el('td', m.host), el('td', 'unreachable'));
      const reason = el('td', m.reason);
      reason.colSpan = 10;
      tr.append(reason);
      body.append(tr);
      continue;
    }
    if (m.role === 'primary') tr.classList.add('primary');
    const last = lastSecond(m);
    const client = (m.members || []).find(p => p.self) || {};
    tr.append(el('td', m.id), el('td', m.host + ':' + (client.client_port || '')),
      el('td', m.role + ' (' + m.server_state + ')'), el('td', m.status, 'status-' + m.status), el('td', m.view),
      el('td', m.op), el('td', m.commit), el('td', maxOp - m.op), el('td', m.sessions), el('td', m.connections),
      el('td', m.znodes), el('td', last ? last[1] : 0), el('td', last ? last[2] : 0));
    body.append(tr);
  }
  document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  renderCharts(members);
  renderEvents(members);
}

function renderCharts(members) {
  const now = Date.now();
  const from = now - WINDOW_SECONDS * 1000;
  drawChart(document.getElementById('chart-ops'), members, 1, from, now);
  drawChart(document.getElementById('chart-p99'), members, 2, from, now);
  const legend = document.getElementById('legend');
  legend.replaceChildren();
  members.forEach((m, i) => {
    const span = el('span', 'replica ' + m.id + (m.reachable ? '' : ' (unreachable)'));
    const swatch = el('i');
    swatch.style.background = COLORS[i % COLORS.length];
    span.prepend(swatch);
    legend.append(span);
  });
}

function drawChart(svg, members, column, from, to) {
  const width = 600, height = 180, left = 44, bottom = 18, top = 8;
  svg.replaceChildren();
  let max = 0;
  for (const m of members) for (const s of (m.seconds || [])) if (s[0] >= from) max = Math.max(max, s[column]);
  max = max <= 0 ? 1 : niceCeiling(max);
  const x = t => left + (t - from) / (to - from) * (width - left - 4);
  const y = v => top + (1 - v / max) * (height - top - bottom);
  for (let i = 0; i <= 4; i++) {
    const v = max * i / 4;
    svg.append(svgEl('line', { x1: left, x2: width, y1: y(v), y2: y(v), stroke: '#e3e7ec' }));
    const label = svgEl('text', { x: left - 4, y: y(v) + 3, 'text-anchor': 'end' });
    label.textContent = v >= 100 ? Math.round(v) : +v.toFixed(2);
    svg.append(label);
  }
  const axis = svgEl('text', { x: width - 4, y: height - 4, 'text-anchor': 'end' });
  axis.textContent = 'now';
  const start = svgEl('text', { x: left, y: height - 4 });
  start.textContent = '-' + WINDOW_SECONDS + ' s';
  svg.append(axis, start);
  members.forEach((m, i) => {
    const points = (m.seconds || []).filter(s => s[0] >= from).map(s => x(s[0] + 500).toFixed(1) + ',' + y(s[column]).toFixed(1));
    if (points.length === 0) return;
    const line = svgEl('polyline', { points: points.join(' '), fill: 'none', stroke: COLORS[i % COLORS.length], 'stroke-width': 1.6 });
    line.dataset.memberId = m.id;
    svg.append(line);
  });
}

function niceCeiling(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const f of [1, 2, 2.5, 5, 10]) if (f * p >= v) return f * p;
  return 10 * p;
}

function renderEvents(members) {
  const all = [];
  for (const m of members) for (const e of (m.events || [])) all.push({ ...e, id: m.id });
  all.sort((a, b) => b.at_ms - a.at_ms);
  const body = document.querySelector('#events tbody');
  body.replaceChildren();
  for (const e of all.slice(0, 40)) {
    const tr = el('tr');
    tr.append(el('td', new Date(e.at_ms).toLocaleTimeString()), el('td', e.id), el('td', e.kind), el('td', e.detail));
    body.append(tr);
  }
}

// ---- sessions ---------------------------------------------------------------------------------------------

async function refreshSessions() {
  const answer = await command('sessions', { limit: 200, ephemerals: 'true' });
  document.getElementById('sessions-total').textContent = answer.total + ' in the group'
    + (answer.total > answer.sessions.length ? ', first ' + answer.sessions.length + ' shown' : '');
  const body = document.querySelector('#sessions tbody');
  body.replaceChildren();
  for (const s of answer.sessions) {
    const tr = el('tr');
    tr.dataset.sessionId = s.session_id;
    const paths = el('td');
    if (s.ephemerals === 0) {
      paths.textContent = '0';
    } else {
      paths.append(el('span', s.ephemerals + ': '));
      (s.ephemeral_paths || []).forEach((p, i) => {
        const a = el('a', p);
        a.href = '#';
        a.addEventListener('click', ev => { ev.preventDefault(); openZnode(p); });
        if (i > 0) paths.append(', ');
        paths.append(a);
      });
    }
    tr.append(el('td', s.session_id), el('td', s.timeout_ms), el('td', s.expires_in_ms === null ? '' : s.expires_in_ms),
      el('td', s.connected_here ? (s.remote_address || 'yes') : 'no'), paths);
    body.append(tr);
  }
}

// ---- znodes -----------------------------------------------------------------------------------------------

function parentOf(path) {
  if (path === '/') return '/';
  const i = path.lastIndexOf('/');
  return i === 0 ? '/' : path.substring(0, i);
}

async function openZnode(path) {
  state.path = path;
  document.getElementById('path').value = path;
  try {
    const z = await command('znode', { path }, { withToken: true });
    renderZnode(z);
    showError('');
  } catch (e) {
    showError(e.message);
  }
}

function renderZnode(z) {
  const list = document.getElementById('children');
  list.replaceChildren();
  for (const name of (z.children || [])) {
    const li = el('li');
    const a = el('a', name);
    a.href = '#';
    const child = (z.path === '/' ? '' : z.path) + '/' + name;
    a.dataset.path = child;
    a.addEventListener('click', ev => { ev.preventDefault(); openZnode(child); });
    li.append(a);
    list.append(li);
  }
  document.getElementById('children-total').textContent = z.withheld ? 'withheld'
    : z.children_total + (z.children_total > z.children.length ? ' (first ' + z.children.length + ')' : '');
  const stat = document.querySelector('#stat tbody');
  stat.replaceChildren();
  for (const [k, v] of Object.entries(z.stat || {})) {
    const tr = el('tr');
    tr.append(el('th', k), el('td', v));
    stat.append(tr);
  }
  if (z.kind) {
    const kind = el('tr');
    kind.append(el('th', 'kind'), el('td', z.kind + (z.ttl_ms !== undefined ? ' (ttl ' + z.ttl_ms + ' ms)' : '')));
    stat.append(kind);
  }
  const acl = document.getElementById('acl');
  acl.replaceChildren();
  if (z.acl === null) {
    acl.append(el('li', '(withheld: the ACL lets world:anyone neither read nor administer this znode)'));
  } else {
    for (const a of z.acl) acl.append(el('li', a.scheme + ':' + a.id + ' : ' + a.perms));
  }
  state.data = z;
  renderData();
  if (state.token) setTokenState(z.token_accepted ? 'token accepted' : 'wrong token');
}

function decodeBase64(text) {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

function renderData() {
  const z = state.data;
  const pre = document.getElementById('data');
  if (!z) return;
  if (z.withheld) {
    pre.textContent = '(' + z.withheld + ')';
    document.getElementById('data-length').textContent = '';
    return;
  }
  if (z.data_base64 === null) {
    pre.textContent = '(null)';
    document.getElementById('data-length').textContent = '';
    return;
  }
  const bytes = decodeBase64(z.data_base64);
  document.getElementById('data-length').textContent = bytes.length + ' bytes';
  if (state.view === 'hex') {
    const lines = [];
    for (let i = 0; i < bytes.length; i += 16) {
      const row = Array.from(bytes.slice(i, i + 16), b => b.toString(16).padStart(2, '0')).join(' ');
      lines.push(i.toString(16).padStart(6, '0') + '  ' + row);
    }
    pre.textContent = lines.join('\n');
  } else {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    if (state.view === 'json') {
      try {
        pre.textContent = JSON.stringify(JSON.parse(text), null, 2);
      } catch (e) {
        pre.textContent = '(not JSON: ' + e.message + ')\n' + text;
      }
    } else {
      pre.textContent = text;
    }
  }
}

// ---- the token and the actions that need it -------------------------------------------------------------------

function setTokenState(text) {
  document.getElementById('token-state').textContent = text;
  document.body.classList.toggle('token', !!state.token);
}

async function act(name) {
  const out = document.getElementById('action-result');
  try {
    const answer = await command(name, null, { method: 'POST', withToken: true });
    delete answer.command;
    delete answer.error;
    out.textContent = name + ': ' + JSON.stringify(answer);
  } catch (e) {
    out.textContent = e.message;
  }
}

// ---- start ----------------------------------------------------------------------------------------------------

let groupBusy = false;
async function tick() {
  if (groupBusy) return;
  groupBusy = true;
  try {
    renderGroup(await command('group', { seconds: WINDOW_SECONDS }));
    showError('');
  } catch (e) {
    showError('cannot read the group: ' + e.message);
  } finally {
    groupBusy = false;
  }
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('token').value = state.token;
  setTokenState(state.token ? 'token given' : 'read-only');
  document.getElementById('token-form').addEventListener('submit', ev => {
    ev.preventDefault();
    state.token = document.getElementById('token').value.trim();
    if (state.token) sessionStorage.setItem('viewkeeper.token', state.token); else sessionStorage.removeItem('viewkeeper.token');
    setTokenState(state.token ? 'token given' : 'read-only');
    openZnode(state.path);
  });
  document.getElementById('token-forget').addEventListener('click', () => {
    state.token = '';
    sessionStorage.removeItem('viewkeeper.token');
    document.getElementById('token').value = '';
    setTokenState('read-only');
    openZnode(state.path);
  });
  document.getElementById('path-form').addEventListener('submit', ev => {
    ev.preventDefault();
    openZnode(document.getElementById('path').value.trim() || '/');
  });
  document.getElementById('path-up').addEventListener('click', () => openZnode(parentOf(state.path)));
  document.querySelectorAll('input[name=view]').forEach(r => r.addEventListener('change', () => {
    state.view = r.value;
    renderData();
  }));
  document.getElementById('view-change').addEventListener('click', () => act('view-change'));
  document.getElementById('checkpoint').addEventListener('click', () => act('checkpoint'));
  tick();
  refreshSessions().catch(e => showError(e.message));
  openZnode('/');
  setInterval(tick, 1000);
  setInterval(() => refreshSessions().catch(e => showError(e.message)), 5000);
});
