// A machine as one row of the machines table: the fields it is filtered, searched and sorted
// by, its cells, and a signature that changes only when what the row shows changes.
import { el, mib, badge, agoCoarse } from './dom.js';

export const COLUMNS = [
  ['id', 'Node'], ['hostname', 'Hostname'], ['state', 'State'], ['liveness', 'Liveness'],
  ['power', 'Power'], ['pool', 'Pool'], ['class', 'Class'], ['address', 'Address'],
  ['cpu', 'CPU'], ['memory', 'Memory'], ['disks', 'Disks'], ['labels', 'Labels'],
  ['generation', 'Generation'], ['reboot', 'Reboot'], ['since', 'In state'],
];

export function rowOf(n) {
  const f = n.facts || {};
  const cpu = f.cpu || {};
  const disks = Array.isArray(f.disks) ? f.disks : [];
  const diskBytes = disks.reduce((sum, d) => sum + (typeof d.size_bytes === 'number' ? d.size_bytes : 0), 0);
  const labels = n.labels && typeof n.labels === 'object' ? n.labels : {};
  const labelText = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  const dmi = f.dmi || {};
  const sys = n.observed_system && typeof n.observed_system === 'object' ? n.observed_system : null;
  const macs = Array.isArray(f.nics) ? f.nics.map((nic) => nic.mac || '') : [];
  const r = {
    id: n.id,
    hostname: n.hostname || '',
    state: n.state || '',
    // Whose drain holds it: "operator" or "deployment d-N" (empty unless draining or drained).
    drainedBy: typeof n.drained_by === 'string' ? n.drained_by : '',
    liveness: n.liveness || '',
    power: n.power && n.power.state ? n.power.state : '',
    pool: n.pool || '',
    class: n.class || '',
    address: n.address || '',
    cores: typeof cpu.cores === 'number' ? cpu.cores : 0,
    cpu: `${cpu.cores ?? '?'} × ${cpu.model || 'unknown'}`,
    memoryBytes: typeof f.memory_bytes === 'number' ? f.memory_bytes : 0,
    diskCount: disks.length,
    diskBytes,
    labels,
    labelText: labelText.join(', '),
    since: n.state_since || 0,
    // What its agent last reported of its NixOS system (?with=system).
    generation: sys && typeof sys.generation === 'number' ? sys.generation : -1,
    outcome: sys && sys.outcome ? String(sys.outcome) : '',
    reboot: sys && sys.reboot_required ? 'required' : '',
  };
  r.search = [n.id, n.machine_id, r.hostname, r.address, r.state, r.pool, r.class, labelText.join(' '),
    dmi.vendor, dmi.product, dmi.serial, cpu.model, macs.join(' ')].join(' ').toLowerCase();
  return r;
}

export function sortValue(r, key) {
  switch (key) {
    case 'cpu': return r.cores;
    case 'memory': return r.memoryBytes;
    case 'disks': return r.diskBytes;
    case 'labels': return r.labelText;
    default: return r[key];
  }
}

// "rack=r1 tier=gold" or "rack" (has the key): every term must match.
export function labelTerms(text) {
  return text.split(/[\s,]+/).filter(Boolean).map((t) => {
    const eq = t.indexOf('=');
    return eq < 0 ? [t, null] : [t.slice(0, eq), t.slice(eq + 1)];
  });
}

export function matches(r, f, terms, q) {
  if (f.state && r.state !== f.state) return false;
  if (f.pool && r.pool !== f.pool) return false;
  if (f.cls && r.class !== f.cls) return false;
  if (f.liveness && r.liveness !== f.liveness) return false;
  for (const [k, v] of terms) {
    if (!Object.hasOwn(r.labels, k)) return false;
    if (v !== null && r.labels[k] !== v) return false;
  }
  return !q || r.search.includes(q);
}

// The state, and for a drain whose it is (an operator's stays until undrained, a deployment's
// ends with its step).
export function stateCell(r) {
  if (!r.drainedBy) return badge('state', r.state);
  return el('span', {}, badge('state', r.state), ' ',
    el('span', { class: 'drained-by', text: `drained by ${r.drainedBy}` }));
}

export function cells(r) {
  return [
    el('a', { href: `#/nodes/${encodeURIComponent(r.id)}`, text: r.id }),
    r.hostname,
    stateCell(r),
    r.liveness ? badge('liveness', r.liveness) : '',
    r.power ? badge('power', r.power) : '',
    r.pool, r.class, r.address, r.cpu,
    mib(r.memoryBytes),
    r.diskCount ? `${r.diskCount} · ${mib(r.diskBytes)}` : '',
    el('span', { class: 'labels', title: r.labelText, text: r.labelText }),
    r.generation >= 0 ? `${r.generation}${r.outcome ? ` · ${r.outcome}` : ''}` : '',
    r.reboot ? badge('reboot', r.reboot) : '',
    el('time', { datetime: r.since ? new Date(r.since * 1000).toISOString() : '', text: agoCoarse(r.since) }),
  ];
}

export function signature(r) {
  return [r.hostname, r.state, r.drainedBy, r.liveness, r.power, r.pool, r.class, r.address, r.cpu,
    r.memoryBytes, r.diskCount, r.diskBytes, r.labelText, r.generation, r.outcome, r.reboot, agoCoarse(r.since)].join('\u0001');
}
