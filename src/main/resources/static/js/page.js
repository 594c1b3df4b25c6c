// The topology page: pick a node, see it, click through isolation, what-if and DMA, follow its events.
import * as api from './api.js';
import { buildModel, isBridge } from './model.js';
import { clearMarks, showAcsEditor, showDma, showIsolation, showWhatIf } from './panels.js';
import { h, keyboard, renderTree } from './tree.js';

const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;
const PEER_SCAN_LIMIT = 32;

let node = null;
let model = null;
let stopFollowing = null;
let loadTimer = null;
let loading = null;
let selected = null; // {kind: 'iso'|'acs', bdf}
let firstRender = true;

function status(text, bad) {
  $('status').textContent = text;
  $('status').className = bad ? 'bad' : '';
}

async function loadNodes() {
  const nodes = await api.all('/api/v1/nodes');
  const select = $('node');
  const wanted = new URLSearchParams(location.hash.slice(1)).get('node') || node || 'local';
  select.replaceChildren(...nodes.map((n) => h('option', { value: n.name, selected: n.name === wanted }, n.name)));
  if (!nodes.some((n) => n.name === wanted) && nodes.length) {
    select.value = nodes[0].name;
  }
  return select.value;
}

async function topologyOf(name) {
  try {
    return await api.get('/api/v1/nodes/' + enc(name) + '/topology');
  } catch (e) {
    // 404: the node has no imported topology (or this service has no topology endpoint): declared groups
    if (e instanceof api.ApiError && e.status === 404 && e.problem && e.problem.code !== 'UNAUTHENTICATED') {
      return null;
    }
    throw e;
  }
}

async function load() {
  const name = node;
  const q = '?node=' + enc(name);
  if (firstRender) {
    performance.mark('sva-fetch');
  }
  const [topology, devices, groups, containers, bonds, addressSpaces] = await Promise.all([
    topologyOf(name), api.all('/api/v1/devices' + q), api.all('/api/v1/groups' + q), api.all('/api/v1/containers' + q),
    api.all('/api/v1/bonds' + q), api.all('/api/v1/address-spaces' + q)]);
  if (name !== node) {
    return; // the user picked another node meanwhile
  }
  if (firstRender) {
    performance.mark('sva-data');
  }
  model = buildModel({ node: name, topology, devices, groups, containers, bonds, addressSpaces });
  render();
}

function render() {
  const tree = renderTree(model);
  $('tree').replaceChildren(tree);
  const n = model.functions.length;
  status('Node ' + model.node + ': ' + n + (n === 1 ? ' function' : ' functions') + ', ' + model.groups.size + ' groups'
    + (model.hasTopology ? ' (from its imported topology)' : ' (declared; no topology imported)'));
  renderSide();
  document.body.dataset.state = 'ready';
  document.body.dataset.node = model.node;
  if (firstRender) {
    firstRender = false;
    performance.mark('sva-rendered');
  }
  document.body.dataset.renders = String(Number(document.body.dataset.renders || 0) + 1);
  if (selected && selected.kind === 'iso') {
    const f = model.byBdf.get(selected.bdf);
    if (f) {
      isolation(f);
    }
  }
  scanPeers();
}

function renderSide() {
  const hazards = [];
  for (const g of model.groups.values()) {
    if (g.multiDevice) {
      hazards.push(h('li', { class: 'hazard', 'data-group': g.id }, 'Multi-device group ' + g.id + ': '
        + g.endpoints.map((f) => f.bdf).join(', ') + ' share one IOMMU domain'));
    }
  }
  for (const d of model.divergences) {
    if (d.kind === 'HOST_FINER') {
      hazards.push(h('li', { class: 'hazard' }, 'The host reports ' + (d.hostGroup || []).join(', ')
        + ' as a group of its own, finer than the hardware isolates (' + (d.derivedGroup || []).join(', ') + '): ACS override?'));
    } else {
      hazards.push(h('li', {}, 'The host groups ' + (d.hostGroup || []).join(', ') + ' more coarsely than derived'));
    }
  }
  for (const w of model.warnings) {
    hazards.push(h('li', { class: 'warn' }, w.kind + (w.bdf ? ' at ' + w.bdf : '') + ': ' + (w.detail || '')));
  }
  hazards.push(h('li', { id: 'peer-hazards', class: 'pending' }, 'Peer-to-peer paths: checking…'));
  $('hazards').replaceChildren(...hazards);

  $('containers').replaceChildren(...(model.containers.size ? [...model.containers.values()].map((c) => h('li', { 'data-container': c.id },
    h('strong', {}, c.id), c.name ? ' (' + c.name + ')' : '', ': ',
    c.groups.length ? c.groups.map((g) => h('span', { class: 'badge grp', style: '--gc:' + (model.groups.get(g) || {}).colour }, g)) : 'no groups',
    ' · ' + c.mappingCount + (c.mappingCount === 1 ? ' mapping' : ' mappings'))) : [h('li', { class: 'hint' }, 'none')]));

  const tbody = $('bonds').querySelector('tbody');
  tbody.replaceChildren(...model.bonds.map((b) => {
    const d = model.devices.get(b.deviceId);
    const as = model.addressSpaces.get(b.addressSpaceId);
    return h('tr', { 'data-bond': b.id }, h('td', {}, b.id), h('td', {}, d ? d.bdf + ' (' + b.deviceId + ')' : b.deviceId),
      h('td', {}, String(b.pasid)), h('td', {}, b.addressSpaceId + (as ? ' · pid ' + as.pid + (as.name ? ' ' + as.name : '') : '')),
      h('td', {}, b.containerId || '—'));
  }));

  const dmaDevice = $('dma-device');
  const keep = dmaDevice.value;
  dmaDevice.replaceChildren(...[...model.devices.values()].sort((a, b) => (a.bdf < b.bdf ? -1 : 1))
    .map((d) => h('option', { value: d.id, selected: d.id === keep }, d.bdf + ' · ' + d.id)));
  pasidChoices();
}

function pasidChoices() {
  const bonds = model ? model.bondsByDevice.get($('dma-device').value) || [] : [];
  $('dma-pasids').replaceChildren(...bonds.map((b) => h('option', { value: String(b.pasid) }, 'bond ' + b.id + ' → ' + b.addressSpaceId)));
}

/** Peer-to-peer paths only exist inside multi-device groups: ask their devices' isolation, a bounded number. */
async function scanPeers() {
  const m = model;
  const candidates = [...m.groups.values()].filter((g) => g.multiDevice).flatMap((g) => g.endpoints).filter((f) => f.device);
  const asked = candidates.slice(0, PEER_SCAN_LIMIT);
  const lines = [];
  let failed = null;
  await Promise.all(asked.map(async (f) => {
    try {
      const iso = await api.get('/api/v1/devices/' + enc(f.device.id) + '/isolation');
      for (const p of iso.reachablePeers || []) {
        const peer = m.devices.get(p.deviceId);
        lines.push(f.bdf + ' → ' + (p.bdf || (peer ? peer.bdf : p.deviceId)) + ' BAR ' + p.bar + ' without the IOMMU');
      }
    } catch (e) {
      failed = e;
    }
  }));
  if (m !== model) {
    return;
  }
  const li = $('peer-hazards');
  if (!li) {
    return;
  }
  li.classList.remove('pending');
  if (failed) {
    li.textContent = 'Peer-to-peer paths: could not ask (' + failed.message + ')';
  } else if (!lines.length) {
    li.textContent = 'Peer-to-peer paths: none' + (asked.length ? '' : ' (no multi-device group)');
  } else {
    li.className = 'hazard';
    li.replaceChildren('Peer-to-peer paths' + (candidates.length > asked.length ? ' (first ' + asked.length + ' devices asked)' : '') + ':',
      h('ul', {}, lines.sort().map((l) => h('li', {}, l))));
  }
}

async function isolation(f) {
  selected = { kind: 'iso', bdf: f.bdf };
  if (!f.device) {
    $('detail').replaceChildren(h('p', {}, f.bdf + ' is not a device of this node (no group on the host), so it has no isolation answer.'));
    return;
  }
  try {
    const iso = await api.get('/api/v1/devices/' + enc(f.device.id) + '/isolation');
    showIsolation(model, $('tree').firstElementChild, $('detail'), f, iso);
  } catch (e) {
    $('detail').replaceChildren(h('p', { class: 'bad' }, 'Isolation of ' + f.bdf + ': ' + e.message));
  }
}

function acs(f) {
  selected = { kind: 'acs', bdf: f.bdf };
  const tree = () => $('tree').firstElementChild;
  showAcsEditor(model, $('detail'), f, async (ctl, out) => {
    try {
      const answer = await api.post('/api/v1/nodes/' + enc(model.node) + '/topology/what-if', { acs: [{ bdf: f.bdf, ctl }] });
      showWhatIf(model, tree(), out, answer);
    } catch (e) {
      out.replaceChildren(h('p', { class: 'bad' }, e.message));
    }
  });
}

function onTreeClick(e) {
  const row = e.target.closest('button.row');
  if (!row || !model) {
    return;
  }
  const f = model.byBdf.get(row.dataset.bdf);
  clearMarks($('tree').firstElementChild, 'whatif');
  if (model.hasTopology && isBridge(f) && f.type !== 'PCI_BRIDGE') {
    acs(f);
  } else {
    isolation(f);
  }
}

async function sendDma(e) {
  e.preventDefault();
  const form = new FormData($('dma-form'));
  const pasid = String(form.get('pasid') || '').trim();
  const size = String(form.get('size') || '').trim();
  const body = { deviceId: form.get('deviceId'), pasid: pasid === '' ? null : Number(pasid), address: String(form.get('address')).trim(),
    size: size === '' ? 1 : (/^0x/i.test(size) ? size : Number(size)), access: form.get('access') };
  try {
    const result = await api.post('/api/v1/dma', body);
    showDma(model, $('tree').firstElementChild, $('dma-result'), body.deviceId, result);
  } catch (err) {
    $('dma-result').replaceChildren(h('p', { class: 'bad', role: 'alert', 'data-outcome': 'ERROR', 'data-code': err.code || '' }, err.message));
  }
}

function scheduleLoad() {
  clearTimeout(loadTimer);
  loadTimer = setTimeout(() => {
    // one load at a time; a change during a load loads again after it
    const run = () => load().catch((e) => status(e.message, true));
    loading = (loading || Promise.resolve()).then(run);
  }, 100);
}

function onEvent(ev) {
  document.body.dataset.seq = String(ev.seq);
  const subject = ev.subject ? ev.subject.kind + ' ' + ev.subject.id : '';
  const log = $('events');
  log.prepend(h('li', { 'data-seq': ev.seq }, '#' + ev.seq + ' ' + ev.type + ' ' + subject));
  while (log.children.length > 50) {
    log.lastElementChild.remove();
  }
  scheduleLoad();
}

function selectNode(name) {
  if (stopFollowing) {
    stopFollowing();
  }
  node = name;
  model = null;
  selected = null;
  history.replaceState(null, '', '#node=' + enc(name));
  $('detail').replaceChildren(h('p', { class: 'hint' }, 'Nothing selected.'));
  $('dma-result').replaceChildren();
  $('events').replaceChildren();
  status('Loading node ' + name + '…');
  let loaded = false;
  // The stream opens first and the picture loads once it is open, so no change falls between them.
  stopFollowing = api.follow(name, {
    onOpen: (last) => {
      if (last === null || !loaded) {
        loaded = true;
        scheduleLoad();
      }
    },
    onEvent,
    onResync: () => {
      loaded = false;
    },
    onState: (state, info) => {
      $('live').dataset.state = state;
      if (state === 'live') {
        $('live').textContent = 'live: following events of ' + name + (info !== null && info !== undefined ? ' (resumed after #' + info + ')' : '');
      } else if (state === 'reconnecting') {
        $('live').textContent = 'reconnecting' + (info !== null && info !== undefined ? ' to resume after #' + info : '') + '…';
      } else {
        $('live').textContent = 'events: ' + info.message;
        if (!loaded) {
          loaded = true;
          scheduleLoad();
        }
      }
    },
  });
}

async function start() {
  try {
    delete document.body.dataset.auth;
    selectNode(await loadNodes());
  } catch (e) {
    if (e instanceof api.ApiError && e.status === 401) {
      // no token, or one the service refuses: say so, and put the cursor where the token goes
      document.body.dataset.auth = 'needed';
      status(api.token()
        ? 'The token was refused (expired, or not one of this service): ' + (e.problem.detail || e.code)
          + '. Paste another bearer token above and press “Use token”.'
        : 'A bearer token is needed to see this service. Paste one into “Bearer token” above and press “Use token”'
          + ' (the embedded default keeps the admin token in data/admin.token; an admin mints others with POST /api/v1/tokens).', true);
      $('tree').replaceChildren(h('p', { class: 'hint' }, 'The fabric appears here once the service accepts your token.'));
      $('token').focus();
    } else {
      status(e.message, true);
    }
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('token').value = api.token();
  $('node-form').addEventListener('submit', (e) => {
    e.preventDefault();
    api.setToken($('token').value.trim());
    start();
  });
  $('node').addEventListener('change', () => selectNode($('node').value));
  window.addEventListener('hashchange', () => {
    const wanted = new URLSearchParams(location.hash.slice(1)).get('node');
    if (wanted && wanted !== node) {
      start();
    }
  });
  $('tree').addEventListener('click', onTreeClick);
  keyboard($('tree'));
  $('dma-form').addEventListener('submit', sendDma);
  $('dma-device').addEventListener('change', pasidChoices);
  start();
});
