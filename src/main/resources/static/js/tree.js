// Draws a node as nested lists: root complex → ports → endpoints, IOMMU groups as coloured enclosures.
// Every row is a button (keyboard and screen readers get it for free); colour is never the only cue:
// each enclosure and row also says its group, and hazards are spelled out.
import { acsMissing, isBridge, TYPE_LABELS } from './model.js';

/** document.createElement with attributes and children (strings become text, never HTML). */
export function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) {
      continue;
    }
    if (k === 'class') {
      e.className = v;
    } else if (k === 'style') {
      e.style.cssText = v;
    } else if (k.startsWith('on')) {
      e.addEventListener(k.slice(2), v);
    } else {
      e.setAttribute(k, v === true ? '' : v);
    }
  }
  for (const c of children.flat(Infinity)) {
    if (c !== null && c !== undefined && c !== false) {
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
  }
  return e;
}

function caps(f) {
  const parts = [];
  parts.push(f.pasidBits > 0 ? 'PASID ' + f.pasidBits + ' bits' : 'no PASID');
  if (f.pri) {
    parts.push('PRI');
  }
  if (f.ats) {
    parts.push('ATS');
  }
  return parts.join(' · ');
}

function acsBadge(f) {
  if (!isBridge(f) || f.type === 'PCIE_TO_PCI_BRIDGE' || f.type === 'PCI_TO_PCIE_BRIDGE' || f.type === 'PCI_BRIDGE') {
    return null;
  }
  if (f.acsUnknown) {
    return h('span', { class: 'badge acs unknown' }, 'ACS unknown (lspci without root)');
  }
  const missing = acsMissing(f);
  if (missing === null) {
    return h('span', { class: 'badge acs bad' }, 'no ACS');
  }
  if (missing.length) {
    return h('span', { class: 'badge acs bad' }, 'ACS off: ' + missing.join(' '));
  }
  return h('span', { class: 'badge acs ok' }, 'ACS on');
}

function bondBadges(model, f) {
  if (!f.device) {
    return [];
  }
  return (model.bondsByDevice.get(f.device.id) || []).map((b) => {
    const as = model.addressSpaces.get(b.addressSpaceId);
    return h('span', { class: 'badge bond' }, 'bond PASID ' + b.pasid + ' → ' + b.addressSpaceId + (as ? ' (pid ' + as.pid + ')' : ''));
  });
}

function row(model, f) {
  const group = f.groupId ? model.groups.get(f.groupId) : null;
  const kind = f.type ? TYPE_LABELS[f.type] || f.type : 'device';
  const ids = f.vendorId ? f.vendorId + ':' + (f.pciDeviceId || '????') : null;
  const port = isBridge(f) && f.type !== 'PCI_BRIDGE';
  const label = f.bdf + ', ' + kind + (group ? ', group ' + group.id : ', no group')
      + (port ? ': press to change its ACS control' : ': press for its isolation');
  return h('button', {
    type: 'button', class: 'row' + (port ? ' port' : ''), 'data-bdf': f.bdf, 'data-device': f.device ? f.device.id : null,
    'aria-label': label,
  },
  h('span', { class: 'bdf' }, f.bdf),
  h('span', { class: 'kind' }, kind),
  ids ? h('span', { class: 'ids', title: 'vendor:device' }, ids) : null,
  f.className ? h('span', { class: 'cls' }, f.className) : null,
  h('span', { class: 'driver' }, f.driver ? 'driver ' + f.driver : 'no driver'),
  port ? null : h('span', { class: 'caps' }, caps(f)),
  acsBadge(f),
  f.device ? h('span', { class: 'devid' }, f.device.id) : h('span', { class: 'badge warn' }, 'not a device of the node'),
  group ? h('span', { class: 'badge grp', style: '--gc:' + group.colour }, group.id) : h('span', { class: 'badge warn' }, 'no group'),
  model.hostFiner.has(f.bdf) ? h('span', { class: 'badge hazard' }, 'host group finer than the hardware') : null,
  bondBadges(model, f),
  h('span', { class: 'marks', 'aria-live': 'off' }));
}

function enclosureLabel(model, group) {
  const container = group.containerId ? model.containers.get(group.containerId) : null;
  return h('span', { class: 'enclosure-label' },
    'IOMMU group ' + group.id,
    ' · ' + group.members.length + (group.members.length === 1 ? ' function' : ' functions'),
    group.multiDevice ? h('span', { class: 'badge hazard' }, 'multi-device group: ' + group.endpoints.length + ' devices share one domain') : null,
    group.viable === false ? h('span', { class: 'badge warn' }, 'not viable (host driver)') : null,
    container ? h('span', { class: 'badge ctr' }, 'attached to ' + container.id + (container.name ? ' (' + container.name + ')' : '')) : null);
}

/** Children in runs of one group; a run whose group differs from the parent's gets its enclosure. */
function childList(model, children, parentGroup, depth) {
  const ul = h('ul', { class: 'level' });
  let i = 0;
  while (i < children.length) {
    const g = children[i].fn.groupId;
    let j = i;
    while (j < children.length && children[j].fn.groupId === g) {
      j++;
    }
    const items = children.slice(i, j).map((n) => item(model, n, depth));
    const group = g ? model.groups.get(g) : null;
    if (group && g !== parentGroup) {
      ul.append(h('li', { class: 'enclosure' + (group.multiDevice ? ' hazard' : ''), style: '--gc:' + group.colour, 'data-group': g },
        enclosureLabel(model, group), h('ul', { class: 'level', 'aria-label': 'IOMMU group ' + g }, items)));
    } else {
      ul.append(...items);
    }
    i = j;
  }
  return ul;
}

function item(model, n, depth) {
  const li = h('li', { class: 'fn', 'data-bdf': n.fn.bdf }, row(model, n.fn));
  if (n.children.length) {
    li.append(childList(model, n.children, n.fn.groupId, depth + 1));
  }
  return li;
}

/** The whole picture of a node with a topology, or of its declared groups when it has none. */
export function renderTree(model) {
  if (model.tree) {
    const out = h('ul', { class: 'tree', 'aria-label': 'PCI fabric of node ' + model.node });
    for (const root of model.tree.roots) {
      out.append(h('li', { class: 'rc', 'data-bus': root.bus },
        h('div', { class: 'rc-label' }, 'Root complex · bus ', root.bus, h('span', { class: 'iommu', 'data-iommu': root.bus }, 'IOMMU')),
        childList(model, root.children, null, 1)));
    }
    return out;
  }
  // declared groups: each group an enclosure of its devices, in group order
  const out = h('ul', { class: 'tree declared', 'aria-label': 'Declared groups of node ' + model.node });
  const rc = h('li', { class: 'rc' }, h('div', { class: 'rc-label' }, 'Node ' + model.node + ' · declared groups (no topology imported)',
    h('span', { class: 'iommu', 'data-iommu': 'declared' }, 'IOMMU')));
  const ul = h('ul', { class: 'level' });
  for (const g of model.groups.values()) {
    const items = g.members.map((f) => h('li', { class: 'fn', 'data-bdf': f.bdf }, row(model, f)));
    ul.append(h('li', { class: 'enclosure' + (g.multiDevice ? ' hazard' : ''), style: '--gc:' + g.colour, 'data-group': g.id },
      enclosureLabel(model, g), items.length ? h('ul', { class: 'level', 'aria-label': 'IOMMU group ' + g.id }, items)
        : h('p', { class: 'empty' }, 'empty group')));
  }
  rc.append(ul);
  out.append(rc);
  return out;
}

/** Up/Down/Home/End move between rows, so 500 functions are not 500 tab stops apart. */
export function keyboard(treeRoot) {
  treeRoot.addEventListener('keydown', (e) => {
    if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key) || !e.target.classList.contains('row')) {
      return;
    }
    const rows = [...treeRoot.querySelectorAll('button.row')];
    const at = rows.indexOf(e.target);
    let next = at;
    if (e.key === 'ArrowDown') {
      next = Math.min(rows.length - 1, at + 1);
    } else if (e.key === 'ArrowUp') {
      next = Math.max(0, at - 1);
    } else if (e.key === 'Home') {
      next = 0;
    } else {
      next = rows.length - 1;
    }
    rows[next].focus();
    e.preventDefault();
  });
}
