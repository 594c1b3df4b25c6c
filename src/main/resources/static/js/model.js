// What the page knows about one node, put together from the API's answers. No drawing here.

// Darker colours keep at least 4.5:1 against white, so a group's label stays readable in its colour.
const PALETTE = ['#0b5394', '#b45f06', '#38761d', '#741b47', '#990000', '#134f5c', '#7f6000', '#351c75',
  '#5b0f00', '#274e13', '#0c5a6e', '#6d1a4a'];

// pci_acs_enabled() asks ports for REQ_ACS_FLAGS = SV | RR | CR | UF (drivers/iommu/iommu.c)
export const REQ_ACS = ['SV', 'RR', 'CR', 'UF'];
export const ACS_FLAGS = ['SV', 'TB', 'RR', 'CR', 'UF', 'EC', 'DT'];

const PORT_TYPES = new Set(['ROOT_PORT', 'UPSTREAM_PORT', 'DOWNSTREAM_PORT', 'PCIE_TO_PCI_BRIDGE', 'PCI_TO_PCIE_BRIDGE', 'PCI_BRIDGE']);

export function isBridge(f) {
  return PORT_TYPES.has(f.type);
}

/** "DDDD:BB:DD.F" or "BB:DD.F" → its parts; null when it is neither. */
export function parseBdf(bdf) {
  const m = /^(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-1][0-9a-fA-F])\.([0-7])$/.exec(bdf || '');
  if (!m) {
    return null;
  }
  return { domain: parseInt(m[1] || '0', 16), bus: parseInt(m[2], 16), slot: parseInt(m[3], 16), fn: parseInt(m[4], 16) };
}

export function hex4(v) {
  if (v === null || v === undefined || v === '') {
    return null;
  }
  if (typeof v === 'number') {
    return v.toString(16).padStart(4, '0');
  }
  return String(v).replace(/^0x/i, '').toLowerCase().padStart(4, '0');
}

const hex2 = (n) => n.toString(16).padStart(2, '0');
const hex4n = (n) => n.toString(16).padStart(4, '0');

/** Every object with a bdf in a topology answer, whether it came as a flat list or as a nested tree. */
function collectFunctions(topology) {
  const out = [];
  const seen = new Set();
  const visit = (x) => {
    if (Array.isArray(x)) {
      x.forEach(visit);
    } else if (x && typeof x === 'object') {
      if (typeof x.bdf === 'string' && (x.type || x.vendorId !== undefined || x.acs !== undefined || x.children)) {
        if (!seen.has(x.bdf)) {
          seen.add(x.bdf);
          out.push(x);
        }
      }
      for (const k of ['functions', 'children', 'roots', 'tree', 'buses', 'ports', 'endpoints', 'domains']) {
        if (x[k]) {
          visit(x[k]);
        }
      }
    }
  };
  visit(topology);
  return out;
}

/** A bdf list out of whatever shape an answer uses for a set of functions: [bdf], {devices:[{bdf}]}, {members:[…]}. */
export function bdfsOf(x) {
  if (!x) {
    return [];
  }
  if (typeof x === 'string') {
    return [x];
  }
  if (Array.isArray(x)) {
    return x.flatMap(bdfsOf);
  }
  if (typeof x.bdf === 'string') {
    return [x.bdf];
  }
  for (const k of ['devices', 'members', 'functions', 'bdfs']) {
    if (x[k]) {
      return bdfsOf(x[k]);
    }
  }
  return [];
}

/**
 * The node's picture: raw answers in, one structure out.
 * raw: {node, topology (null when the node has none), devices, groups, containers, bonds, addressSpaces}
 */
export function buildModel(raw) {
  const devices = new Map(raw.devices.map((d) => [d.id, d]));
  const deviceByBdf = new Map(raw.devices.map((d) => [d.bdf, d]));
  const groups = new Map();
  raw.groups.forEach((g, i) => {
    groups.set(g.id, Object.assign({}, g, { colour: PALETTE[i % PALETTE.length], index: i, reasons: [] }));
  });
  const containers = new Map(raw.containers.map((c) => [c.id, c]));
  const addressSpaces = new Map(raw.addressSpaces.map((a) => [a.id, a]));
  const bondsByDevice = new Map();
  for (const b of raw.bonds) {
    if (!bondsByDevice.has(b.deviceId)) {
      bondsByDevice.set(b.deviceId, []);
    }
    bondsByDevice.get(b.deviceId).push(b);
  }
  const topology = raw.topology;
  let functions = [];
  if (topology) {
    functions = collectFunctions(topology).map((f) => {
      const a = parseBdf(f.bdf);
      const canonical = a ? hex4n(a.domain) + ':' + hex2(a.bus) + ':' + hex2(a.slot) + '.' + a.fn : f.bdf;
      const dev = deviceByBdf.get(canonical) || deviceByBdf.get(f.bdf) || null;
      return {
        bdf: canonical,
        domain: a ? a.domain : 0,
        bus: a ? a.bus : 0,
        type: f.type || 'ENDPOINT',
        vendorId: hex4(f.vendorId),
        pciDeviceId: hex4(f.pciDeviceId !== undefined ? f.pciDeviceId : (typeof f.deviceId === 'number' || /^(0x)?[0-9a-f]{4}$/i.test(f.deviceId || '') ? f.deviceId : null)),
        className: f.className || null,
        secondaryBus: f.secondaryBus,
        subordinateBus: f.subordinateBus,
        acs: f.acs || null,
        acsUnknown: !!f.acsUnknown,
        driver: dev ? dev.driver : (f.driver || null),
        pasidBits: dev ? dev.pasidBits : (f.pasidBits || 0),
        pri: dev ? dev.pri : !!f.pri,
        ats: dev ? dev.ats : !!f.ats,
        virtualFunction: !!f.virtualFunction,
        device: dev,
        groupId: dev ? dev.groupId : (f.groupId || null),
      };
    });
    for (const g of topology.groups || []) {
      if (g.id && groups.has(g.id)) {
        groups.get(g.id).reasons = g.reasons || [];
      }
    }
  } else {
    functions = raw.devices.map((d) => {
      const a = parseBdf(d.bdf);
      return {
        bdf: d.bdf, domain: a ? a.domain : 0, bus: a ? a.bus : 0, type: null, vendorId: null, pciDeviceId: null,
        className: null, acs: null, acsUnknown: false, driver: d.driver, pasidBits: d.pasidBits, pri: d.pri, ats: d.ats,
        virtualFunction: false, device: d, groupId: d.groupId,
      };
    });
  }
  functions.sort((x, y) => (x.domain - y.domain) || (x.bdf < y.bdf ? -1 : x.bdf > y.bdf ? 1 : 0));
  const byBdf = new Map(functions.map((f) => [f.bdf, f]));

  // members that count for the hazard: ports manage their own DMA (driver_managed_dma), so a GPU
  // sharing a group with its root port alone is not a multi-device group
  for (const g of groups.values()) {
    const members = functions.filter((f) => f.groupId === g.id);
    g.members = members;
    g.endpoints = topology ? members.filter((f) => !isBridge(f)) : members;
    g.multiDevice = g.endpoints.length > 1;
  }

  const divergences = topology ? (topology.divergences || []) : [];
  const hostFiner = new Set();
  for (const d of divergences) {
    if (d.kind === 'HOST_FINER') {
      bdfsOf(d.derivedGroup).forEach((b) => hostFiner.add(b));
    }
  }

  return {
    node: raw.node,
    hasTopology: !!topology,
    functions, byBdf, devices, deviceByBdf, groups, containers, addressSpaces, bondsByDevice,
    bonds: raw.bonds,
    divergences, hostFiner,
    warnings: topology ? (topology.warnings || []) : [],
    tree: topology ? buildTree(functions) : null,
  };
}

/**
 * Root complex → ports → endpoints: a function hangs below the bridge whose secondary bus is its bus
 * (Fabric.bridgeAbove), otherwise on a root bus of its domain (also SR-IOV virtual buses, which have
 * no bridge: virtfn_add_bus()).
 */
function buildTree(functions) {
  const bridgeOf = new Map();
  for (const f of functions) {
    if (isBridge(f) && f.secondaryBus !== undefined && f.secondaryBus !== null) {
      bridgeOf.set(f.domain + ':' + f.secondaryBus, f);
    }
  }
  const nodes = new Map(functions.map((f) => [f.bdf, { fn: f, parent: null, children: [] }]));
  const roots = new Map();
  for (const f of functions) {
    const n = nodes.get(f.bdf);
    const above = bridgeOf.get(f.domain + ':' + f.bus);
    if (above && above !== f) {
      n.parent = nodes.get(above.bdf);
      n.parent.children.push(n);
    } else {
      const key = hex4n(f.domain) + ':' + hex2(f.bus);
      if (!roots.has(key)) {
        roots.set(key, { bus: key, children: [] });
      }
      n.root = roots.get(key);
      roots.get(key).children.push(n);
    }
  }
  return { roots: [...roots.values()], nodes };
}

/** The tree path of a function up to its root bus, nearest first (for drawing a DMA). */
export function pathUp(model, bdf) {
  const out = [];
  let n = model.tree ? model.tree.nodes.get(bdf) : null;
  while (n) {
    out.push(n.fn.bdf);
    n = n.parent;
  }
  return out;
}

/** Which of a port's required ACS flags are not enabled: [] when isolated, null when it has no ACS capability. */
export function acsMissing(f) {
  if (!f.acs) {
    return null;
  }
  const cap = new Set(f.acs.cap || []);
  const ctl = new Set(f.acs.ctl || []);
  // pci_acs_flags_enabled(): a flag the capability lacks counts as hard-wired on
  return REQ_ACS.filter((x) => cap.has(x) && !ctl.has(x));
}

export const TYPE_LABELS = {
  ROOT_PORT: 'Root Port', UPSTREAM_PORT: 'Upstream Port', DOWNSTREAM_PORT: 'Downstream Port', ENDPOINT: 'Endpoint',
  LEGACY_ENDPOINT: 'Legacy Endpoint', RC_INTEGRATED_ENDPOINT: 'RC Integrated Endpoint', RC_EVENT_COLLECTOR: 'RC Event Collector',
  PCIE_TO_PCI_BRIDGE: 'PCIe-to-PCI Bridge', PCI_TO_PCIE_BRIDGE: 'PCI-to-PCIe Bridge', PCI_BRIDGE: 'PCI Bridge', PCI: 'PCI',
};
