// Machines: the whole fleet in one table, filtered (state, pool, class, liveness, labels, free
// text), counted per state, sorted by any column, and kept live by the watch. Rows are reused
// while what they show is unchanged, so a live update of 5,000 nodes rebuilds only the rows
// that changed.
import { api } from './api.js';
import { el, replace, mib, badge, agoCoarse } from './dom.js';

const COLUMNS = [
  ['id', 'Node'], ['hostname', 'Hostname'], ['state', 'State'], ['liveness', 'Liveness'],
  ['power', 'Power'], ['pool', 'Pool'], ['class', 'Class'], ['address', 'Address'],
  ['cpu', 'CPU'], ['memory', 'Memory'], ['disks', 'Disks'], ['labels', 'Labels'],
  ['generation', 'Generation'], ['reboot', 'Reboot'], ['since', 'In state'],
];

// Remembered while the tab lives, so that coming back from a node keeps the filters.
const view = {
  filters: { q: '', state: '', pool: '', cls: '', liveness: '', label: '' },
  sort: { key: 'id', dir: 1 },
};

function rowOf(n) {
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

function sortValue(r, key) {
  switch (key) {
    case 'cpu': return r.cores;
    case 'memory': return r.memoryBytes;
    case 'disks': return r.diskBytes;
    case 'labels': return r.labelText;
    default: return r[key];
  }
}

// "rack=r1 tier=gold" or "rack" (has the key): every term must match.
function labelTerms(text) {
  return text.split(/[\s,]+/).filter(Boolean).map((t) => {
    const eq = t.indexOf('=');
    return eq < 0 ? [t, null] : [t.slice(0, eq), t.slice(eq + 1)];
  });
}

function matches(r, f, terms, q) {
  if (f.state && r.state !== f.state) return false;
  if (f.pool && r.pool !== f.pool) return false;
  if (f.cls && r.class !== f.cls) return false;
  if (f.liveness && r.liveness !== f.liveness) return false;
  for (const [k, v] of terms) {
    if (!(k in r.labels)) return false;
    if (v !== null && r.labels[k] !== v) return false;
  }
  return !q || r.search.includes(q);
}

function cells(r) {
  return [
    el('a', { href: `#/nodes/${encodeURIComponent(r.id)}`, text: r.id }),
    r.hostname,
    badge('state', r.state),
    r.liveness ? badge('liveness', r.liveness) : '',
    r.power ? badge('power', r.power) : '',
    r.pool, r.class, r.address, r.cpu,
    mib(r.memoryBytes),
    r.diskCount ? `${r.diskCount} · ${mib(r.diskBytes)}` : '',
    r.labelText,
    r.generation >= 0 ? `${r.generation}${r.outcome ? ` · ${r.outcome}` : ''}` : '',
    r.reboot ? badge('reboot', r.reboot) : '',
    el('time', { datetime: r.since ? new Date(r.since * 1000).toISOString() : '', text: agoCoarse(r.since) }),
  ];
}

function signature(r) {
  return [r.hostname, r.state, r.liveness, r.power, r.pool, r.class, r.address, r.cpu,
    r.memoryBytes, r.diskCount, r.diskBytes, r.labelText, r.generation, r.outcome, r.reboot, agoCoarse(r.since)].join('\u0001');
}

function select(id, label, value, options, onChange) {
  const s = el('select', { id, name: id },
    el('option', { value: '', text: 'any' }),
    options.map((o) => el('option', { value: o, text: o, selected: o === value })));
  s.addEventListener('change', () => onChange(s.value));
  return el('div', { class: 'field' }, el('label', { for: id, text: label }), s);
}

export function machinesPage(main) {
  let rows = [];
  let lastChoices = null;
  const trs = new Map(); // id -> { tr, sig }
  const tbody = el('tbody');
  const headRow = el('tr');
  const counts = el('div', { class: 'counts', role: 'group', 'aria-label': 'Nodes per state' });
  const shown = el('p', { id: 'shown-count', class: 'shown', role: 'status' });
  const filterBar = el('form', { class: 'filters', role: 'search', 'aria-label': 'Filter machines' });
  filterBar.addEventListener('submit', (e) => e.preventDefault());
  const tableEl = el('table', { id: 'machines', class: 'machines' },
    el('caption', { class: 'visually-hidden', text: 'Machines' }), el('thead', {}, headRow), tbody);
  replace(main, el('h1', { text: 'Machines' }), counts, filterBar, shown,
    el('div', { class: 'scroll' }, tableEl));

  const f = view.filters;
  let typing = null;
  function setFilter(key, value) {
    f[key] = value;
    render();
  }
  // Typed filters re-filter once the typing pauses, not on every key over thousands of rows.
  function typedFilter(key, value) {
    f[key] = value;
    clearTimeout(typing);
    typing = setTimeout(render, 120);
  }

  function renderFilters() {
    const uniq = (key) => [...new Set(rows.map((r) => r[key]).filter(Boolean))].sort();
    const search = el('input', { id: 'search', type: 'search', value: f.q, placeholder: 'id, hostname, address, MAC, serial…' });
    search.addEventListener('input', () => typedFilter('q', search.value));
    const label = el('input', { id: 'filter-label', type: 'text', value: f.label, placeholder: 'rack=r1 tier=gold' });
    label.addEventListener('input', () => typedFilter('label', label.value));
    const focused = document.activeElement && document.activeElement.id;
    replace(filterBar,
      el('div', { class: 'field wide' }, el('label', { for: 'search', text: 'Search' }), search),
      select('filter-state', 'State', f.state, uniq('state'), (v) => setFilter('state', v)),
      select('filter-pool', 'Pool', f.pool, uniq('pool'), (v) => setFilter('pool', v)),
      select('filter-class', 'Class', f.cls, uniq('class'), (v) => setFilter('cls', v)),
      select('filter-liveness', 'Liveness', f.liveness, uniq('liveness'), (v) => setFilter('liveness', v)),
      el('div', { class: 'field' }, el('label', { for: 'filter-label', text: 'Labels (key=value)' }), label));
    if (focused) {
      const again = document.getElementById(focused);
      if (again && filterBar.contains(again)) again.focus();
    }
  }

  function renderHead() {
    replace(headRow, COLUMNS.map(([key, title]) => {
      const active = view.sort.key === key;
      const button = el('button', { type: 'button', class: 'sort', text: title,
        onclick: () => {
          view.sort = { key, dir: active ? -view.sort.dir : 1 };
          renderHead();
          render();
          headRow.querySelector(`[data-key="${key}"] button`).focus();
        } });
      return el('th', { scope: 'col', 'data-key': key,
        'aria-sort': active ? (view.sort.dir > 0 ? 'ascending' : 'descending') : 'none' }, button);
    }));
  }

  function renderCounts() {
    const per = new Map();
    for (const r of rows) per.set(r.state, (per.get(r.state) || 0) + 1);
    replace(counts, [...per.entries()].sort().map(([state, n]) => el('button', {
      type: 'button', class: `count state-${state}`, 'aria-pressed': f.state === state ? 'true' : 'false',
      'data-state': state, text: `${state} ${n}`,
      onclick: () => {
        f.state = f.state === state ? '' : state;
        renderFilters();
        render();
      },
    })));
  }

  function render() {
    const terms = labelTerms(f.label);
    const q = f.q.trim().toLowerCase();
    const { key, dir } = view.sort;
    const visible = rows.filter((r) => matches(r, f, terms, q));
    visible.sort((a, b) => {
      const x = sortValue(a, key);
      const y = sortValue(b, key);
      if (x < y) return -dir;
      if (x > y) return dir;
      return a.id < b.id ? -1 : 1;
    });
    const out = visible.map((r) => {
      const sig = signature(r);
      let entry = trs.get(r.id);
      if (!entry || entry.sig !== sig) {
        entry = { tr: el('tr', { 'data-node-id': r.id }, cells(r).map((c) => el('td', {}, c))), sig };
        trs.set(r.id, entry);
      }
      return entry.tr;
    });
    tbody.replaceChildren(...out);
    shown.textContent = `Showing ${visible.length} of ${rows.length} nodes`;
    renderCounts();
  }

  renderHead();
  renderFilters();
  return {
    async refresh() {
      const data = await api('GET', '/api/v1/nodes?with=system');
      const fresh = (data.nodes || []).map(rowOf);
      const ids = new Set(fresh.map((r) => r.id));
      for (const id of trs.keys()) if (!ids.has(id)) trs.delete(id);
      rows = fresh;
      // The choices of the selects follow the fleet (a first node in "draining"), but the
      // filter bar is rebuilt only when they change, not under the operator's hands.
      const choices = ['state', 'pool', 'class', 'liveness']
        .map((k) => [...new Set(rows.map((r) => r[k]))].sort().join(',')).join(';');
      if (choices !== lastChoices) {
        lastChoices = choices;
        renderFilters();
      }
      render();
      tableEl.dataset.loaded = String(rows.length);
    },
  };
}
