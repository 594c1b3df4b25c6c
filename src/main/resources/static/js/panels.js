// The answers the page asks for on a click: a function's isolation, a port's what-if, a DMA; and how
// each is drawn on the tree (marks on rows, a badge at the IOMMU).
import { ACS_FLAGS, REQ_ACS, bdfsOf, pathUp } from './model.js';
import { h } from './tree.js';

/** replaceChildren without the nulls that optional parts leave (DOM would print them as "null"). */
function fill(el, ...kids) {
  el.replaceChildren(...kids.flat().filter((k) => k !== null && k !== undefined && k !== false));
}

/** Removes the marks of one kind ('iso', 'whatif', 'dma'), or all. */
export function clearMarks(tree, kind) {
  tree.querySelectorAll(kind ? '.mark[data-kind="' + kind + '"]' : '.mark').forEach((m) => m.remove());
  const classes = { iso: ['sel', 'peer', 'via'], whatif: ['split', 'merge'], dma: ['dma-src', 'dma-path', 'dma-peer', 'dma-fault'] };
  for (const [k, list] of Object.entries(classes)) {
    if (!kind || kind === k) {
      list.forEach((c) => tree.querySelectorAll('.row.' + c).forEach((r) => r.classList.remove(c)));
    }
  }
  tree.querySelectorAll('.iommu').forEach((b) => {
    if (!kind || kind === 'dma') {
      b.textContent = 'IOMMU';
      b.className = 'iommu';
    }
  });
}

function rowOf(tree, bdf) {
  return tree.querySelector('button.row[data-bdf="' + CSS.escape(bdf) + '"]');
}

function mark(tree, bdf, kind, cls, text) {
  const r = rowOf(tree, bdf);
  if (!r) {
    return;
  }
  if (cls) {
    r.classList.add(cls);
  }
  if (text) {
    r.querySelector('.marks').append(h('span', { class: 'mark ' + (cls || ''), 'data-kind': kind }, text));
  }
}

/** A device id or a bdf → the bdf the tree shows. */
function bdfOfRef(model, ref) {
  if (!ref) {
    return null;
  }
  const d = model.devices.get(ref);
  return d ? d.bdf : ref;
}

/** One line for an item of an answer whose exact shape the page does not depend on. */
export function describe(model, x) {
  if (x === null || x === undefined) {
    return '';
  }
  if (typeof x !== 'object') {
    return String(x);
  }
  if (Array.isArray(x)) {
    return x.map((y) => describe(model, y)).join(', ');
  }
  if (x.from && x.to) {
    return bdfOfRef(model, x.from) + ' → ' + bdfOfRef(model, x.to);
  }
  const parts = [];
  for (const k of ['bdf', 'bondId', 'deviceId', 'id', 'groupId', 'containerId', 'addressSpaceId', 'pasid', 'kind', 'reason', 'detail']) {
    if (x[k] !== undefined && x[k] !== null) {
      parts.push(k === 'bdf' || k === 'id' ? String(x[k]) : k + ' ' + x[k]);
    }
  }
  if (x.devices || x.members) {
    parts.push('[' + bdfsOf(x).join(', ') + ']');
  }
  return parts.length ? parts.join(' · ') : JSON.stringify(x);
}

function list(model, items, empty) {
  if (!items || !items.length) {
    return h('p', { class: 'hint' }, empty);
  }
  return h('ul', {}, items.map((x) => h('li', {}, describe(model, x))));
}

export function showIsolation(model, tree, detail, f, iso) {
  clearMarks(tree, 'iso');
  mark(tree, f.bdf, 'iso', 'sel', 'selected');
  const group = model.groups.get(iso.groupId);
  const peers = iso.reachablePeers || [];
  for (const p of peers) {
    mark(tree, p.bdf || bdfOfRef(model, p.deviceId), 'iso', 'peer', 'peer BAR ' + p.bar + ' reachable from ' + f.bdf);
    for (const v of p.via || []) {
      mark(tree, bdfOfRef(model, v), 'iso', 'via', null);
    }
  }
  const pp = iso.pasidPath || {};
  fill(detail, 
    h('h3', { id: 'iso-title' }, 'Isolation of ' + f.bdf + (f.device ? ' (' + f.device.id + ')' : '')),
    h('p', {}, 'Group ', h('span', { class: 'badge grp', style: group ? '--gc:' + group.colour : '' }, iso.groupId || 'none'),
      ' · members: ', (iso.members || []).map((m) => bdfOfRef(model, typeof m === 'string' ? m : (m.bdf || m.id))).join(', ')),
    h('h4', {}, 'Why it shares its group'),
    (iso.reasons || []).length
      ? h('ul', { class: 'reasons' }, iso.reasons.map((r) => h('li', {}, h('strong', {}, r.kind), r.bdf ? ' at ' + r.bdf : '',
        r.missing && r.missing.length ? ' · missing ACS ' + r.missing.join(' ') : '', r.detail ? ' · ' + r.detail : '')))
      : h('p', {}, 'Nothing: it is isolated.'),
    h('h4', {}, 'PASID path'),
    h('p', { class: pp.isolated ? 'ok' : 'bad' }, pp.isolated ? 'isolated: pci_enable_pasid() can succeed'
      : 'not isolated' + (pp.bridge ? ' at ' + pp.bridge : '') + (pp.missing && pp.missing.length ? ' (missing ' + pp.missing.join(' ') + ')' : '')
        + ': a bind is refused as SVA-unsupported'),
    h('h4', {}, 'Peers a DMA reaches without the IOMMU'),
    peers.length ? h('ul', { class: 'peers' }, peers.map((p) => h('li', {}, (p.bdf || bdfOfRef(model, p.deviceId)) + ' BAR ' + p.bar
      + ((p.via || []).length ? ' via ' + p.via.map((v) => bdfOfRef(model, v)).join(' → ') : ''))))
      : h('p', {}, 'None.'));
}

/** The ACS editor of a port; onChange(ctl) runs the what-if. */
export function showAcsEditor(model, detail, f, onChange) {
  const cap = new Set((f.acs && f.acs.cap) || []);
  const ctl = new Set((f.acs && f.acs.ctl) || []);
  const boxes = ACS_FLAGS.map((flag) => h('label', { class: 'flag' + (REQ_ACS.includes(flag) ? ' req' : '') },
    h('input', { type: 'checkbox', name: 'acs', value: flag, checked: ctl.has(flag), disabled: !cap.has(flag),
      'aria-describedby': cap.has(flag) ? null : 'acs-nocap' }), ' ', flag));
  const result = h('div', { id: 'whatif', 'aria-live': 'polite' }, h('p', { class: 'hint' }, 'Toggle a flag to see what would change.'));
  const fieldset = h('fieldset', {}, h('legend', {}, 'ACS control of ' + f.bdf), boxes);
  const run = () => onChange([...fieldset.querySelectorAll('input:checked')].map((i) => i.value), result);
  fieldset.addEventListener('change', run);
  const enable = h('button', { type: 'button', onclick: () => {
    fieldset.querySelectorAll('input').forEach((i) => {
      if (REQ_ACS.includes(i.value) && !i.disabled) {
        i.checked = true;
      }
    });
    run();
  } }, 'Enable SV RR CR UF');
  fill(detail, 
    h('h3', {}, 'What if ' + f.bdf + ' changed its ACS control?'),
    f.acs ? null : h('p', { class: 'bad' }, 'This port has no ACS capability: no setting can isolate below it.'),
    h('p', { id: 'acs-nocap', class: 'hint' }, 'Flags its ACSCap lacks cannot be set. Nothing changes on the node: this only asks.'),
    fieldset, enable, result);
}

export function showWhatIf(model, tree, out, answer) {
  clearMarks(tree, 'whatif');
  for (const g of answer.split || []) {
    bdfsOf(g).forEach((b) => mark(tree, b, 'whatif', 'split', 'would split'));
  }
  for (const g of answer.merged || []) {
    bdfsOf(g).forEach((b) => mark(tree, b, 'whatif', 'merge', 'would merge'));
  }
  const count = (x) => (x || []).length;
  fill(out, 
    h('p', { class: 'summary' }, count(answer.groupsBefore) + ' groups now, ' + count(answer.groupsAfter) + ' after; '
      + count(answer.split) + ' split, ' + count(answer.merged) + ' merged. Nothing has changed.'),
    h('h4', {}, 'Groups that split'), (answer.split || []).length
      ? h('ul', {}, answer.split.map((g) => h('li', {}, '[' + bdfsOf(g).join(', ') + '] → '
        + intoGroups(bdfsOf(g), answer.groupsAfter).map((a) => '[' + a.join(', ') + ']').join(' + '))))
      : h('p', { class: 'hint' }, 'none'),
    h('h4', {}, 'Groups that merge'), list(model, answer.merged, 'none'),
    h('h4', {}, 'Binds that become legal'), list(model, answer.bindsBecomingLegal, 'none'),
    h('h4', {}, 'Bonds that would be revoked'), list(model, answer.bondsRevoked, 'none'),
    h('h4', {}, 'Peer paths closed'), list(model, answer.peerPathsClosed, 'none'),
    h('h4', {}, 'Peer paths opened'), list(model, answer.peerPathsOpened, 'none'));
}

/** The groups of {@code after} that hold the given functions (how a group splits). */
function intoGroups(bdfs, after) {
  const out = [];
  for (const g of after || []) {
    const members = bdfsOf(g);
    if (members.some((b) => bdfs.includes(b))) {
      out.push(members);
    }
  }
  return out;
}

/** Draws a DMA's outcome: up the tree to the IOMMU, across to a peer, or stopped with its fault codes. */
export function showDma(model, tree, out, deviceId, result) {
  clearMarks(tree, 'dma');
  const src = model.devices.get(deviceId);
  const srcBdf = src ? src.bdf : null;
  const path = srcBdf ? pathUp(model, srcBdf) : [];
  const rootBus = path.length && model.tree ? rootBusOf(model, path[path.length - 1]) : 'declared';
  const iommu = tree.querySelector('.iommu[data-iommu="' + CSS.escape(rootBus || 'declared') + '"]');
  if (srcBdf) {
    mark(tree, srcBdf, 'dma', 'dma-src', 'DMA from here');
  }
  let text;
  if (result.outcome === 'TRANSLATED') {
    path.slice(1).forEach((b) => mark(tree, b, 'dma', 'dma-path', '↑ upstream'));
    text = 'translated to ' + result.physicalAddress + (result.iotlbHit ? ' (IOTLB hit)' : ' (page walk)');
    if (iommu) {
      iommu.textContent = 'IOMMU: ' + text;
      iommu.className = 'iommu ok';
    }
  } else if (result.outcome === 'PEER_TO_PEER') {
    const peerBdf = bdfOfRef(model, result.peer.deviceId);
    const peerPath = pathUp(model, peerBdf);
    const common = path.find((b) => peerPath.includes(b) && b !== srcBdf && b !== peerBdf);
    path.slice(1, common ? path.indexOf(common) + 1 : path.length).forEach((b) => mark(tree, b, 'dma', 'dma-path', '↑ upstream'));
    peerPath.slice(1, common ? peerPath.indexOf(common) : peerPath.length).forEach((b) => mark(tree, b, 'dma', 'dma-path', '↓ downstream'));
    mark(tree, peerBdf, 'dma', 'dma-peer', 'DMA lands in BAR ' + result.peer.bar + ' at offset ' + result.peer.offset);
    text = 'peer-to-peer: BAR ' + result.peer.bar + ' of ' + peerBdf + ' (' + result.peer.deviceId + '), offset ' + result.peer.offset
      + (common ? ', turned around at ' + common : '') + '; the IOMMU never saw it';
    if (iommu) {
      iommu.textContent = 'IOMMU: bypassed';
      iommu.className = 'iommu bad';
    }
  } else {
    const f = result.fault || {};
    text = 'fault ' + f.reason + ': SMMUv3 ' + f.smmuEvent + ' (' + f.smmuCode + ')' + (f.vtdReason ? ', VT-d fault reason ' + f.vtdReason : ', no VT-d fault reason')
      + ' at ' + f.address + (f.pasid !== null && f.pasid !== undefined ? ' PASID ' + f.pasid : '');
    if (srcBdf) {
      mark(tree, srcBdf, 'dma', 'dma-fault', f.reason);
    }
    path.slice(1).forEach((b) => mark(tree, b, 'dma', 'dma-path', '↑ upstream'));
    if (iommu) {
      iommu.textContent = 'IOMMU: ' + f.smmuEvent + ' ' + f.smmuCode + (f.vtdReason ? ' / VT-d ' + f.vtdReason : '');
      iommu.className = 'iommu bad';
    }
  }
  fill(out, h('p', { class: 'outcome ' + result.outcome.toLowerCase(), 'data-outcome': result.outcome },
    h('strong', {}, result.outcome), ' — ', text));
  if (result.pageRequest) {
    out.append(h('p', {}, 'page request answered ' + result.pageRequest.response));
  }
}

function rootBusOf(model, bdf) {
  const n = model.tree.nodes.get(bdf);
  return n && n.root ? n.root.bus : null;
}
