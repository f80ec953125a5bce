// Machines: the whole fleet in one table, filtered (state, pool, class, liveness, labels, free
// text), counted per state, sorted by any column, selected for bulk actions, and kept live by
// the watch. Only the rows in view are in the page (machine_rows.js), and a live update reads
// and applies only the nodes that changed (?changed_since=), so neither the memory nor the
// update's cost grows with the fleet.
import { api } from './api.js';
import { el, replace } from './dom.js';
import { COLUMNS, rowOf, sortValue, labelTerms, matches, cells, signature } from './machine_rows.js';
import { VirtualRows } from './virtual_rows.js';
import { rowKeys } from './row_keys.js';
import { bulkBar } from './bulk_actions.js';

// Remembered while the tab lives, so that coming back from a node keeps the filters, the order
// and the selection.
const view = {
  filters: { q: '', state: '', pool: '', cls: '', liveness: '', label: '' },
  sort: { key: 'id', dir: 1 },
  selected: new Set(),
};

// A full read now and then catches what no write announces (liveness, a node gone).
const FULL_READ_MS = 55000;

function select(id, label, value, options, onChange) {
  const s = el('select', { id, name: id },
    el('option', { value: '', text: 'any' }),
    options.map((o) => el('option', { value: o, text: o, selected: o === value })));
  s.addEventListener('change', () => onChange(s.value));
  return el('div', { class: 'field' }, el('label', { for: id, text: label }), s);
}

export function machinesPage(main) {
  const rows = new Map(); // id -> row (machine_rows.js)
  let shownRows = [];     // the rows that pass the filters, in order
  let lastChoices = null;
  let since = 0;          // the revision the table holds everything up to
  let lastFull = 0;
  const f = view.filters;
  const selected = view.selected;

  const counts = el('div', { class: 'counts', role: 'group', 'aria-label': 'Nodes per state' });
  const shown = el('p', { id: 'shown-count', class: 'shown', role: 'status' });
  const filterBar = el('form', { class: 'filters', role: 'search', 'aria-label': 'Filter machines' });
  filterBar.addEventListener('submit', (e) => e.preventDefault());
  const headRow = el('tr');
  const tbody = el('tbody');
  const tableEl = el('table', { id: 'machines', class: 'machines' },
    el('caption', { class: 'visually-hidden', text: 'Machines' }), el('thead', {}, headRow), tbody);
  const scroller = el('div', { class: 'scroll', id: 'machines-scroll' }, tableEl);

  const bulk = bulkBar(() => [...selected].map((id) => rows.get(id)).filter(Boolean), {
    onClear: () => {
      selected.clear();
      afterSelection();
    },
  });
  const virtual = new VirtualRows(scroller, tbody, COLUMNS.length + 1, (r) => buildRow(r),
    (r, tr) => {
      const box = tr.firstChild.firstChild;
      box.checked = selected.has(r.id);
    });
  rowKeys(virtual);

  replace(main, el('h1', { text: 'Machines' }), counts, filterBar,
    el('div', { class: 'table-bar' }, shown, bulk.element), scroller);

  function buildRow(r) {
    const box = el('input', { type: 'checkbox', class: 'pick', 'aria-label': `Select ${r.id}` });
    box.addEventListener('change', () => {
      if (box.checked) selected.add(r.id);
      else selected.delete(r.id);
      afterSelection();
    });
    return el('tr', { 'data-node-id': r.id },
      el('td', { class: 'pick' }, box), cells(r).map((c) => el('td', {}, c)));
  }

  function afterSelection() {
    bulk.update();
    virtual.paint();
    renderHeadBox();
  }

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
    const all = [...rows.values()];
    const uniq = (key) => [...new Set(all.map((r) => r[key]).filter(Boolean))].sort();
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

  // The header's box selects every node the filters show, or clears them.
  const headBox = el('input', { type: 'checkbox', id: 'pick-shown', 'aria-label': 'Select every node shown' });
  headBox.addEventListener('change', () => {
    for (const r of shownRows) {
      if (headBox.checked) selected.add(r.id);
      else selected.delete(r.id);
    }
    afterSelection();
  });
  function renderHeadBox() {
    const picked = shownRows.filter((r) => selected.has(r.id)).length;
    headBox.checked = picked > 0 && picked === shownRows.length;
    headBox.indeterminate = picked > 0 && picked < shownRows.length;
  }

  function renderHead() {
    replace(headRow, el('th', { scope: 'col', class: 'pick' }, headBox), COLUMNS.map(([key, title]) => {
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
    for (const r of rows.values()) per.set(r.state, (per.get(r.state) || 0) + 1);
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

  // Filters and sorts the rows held (a few ms for thousands), then draws the rows in view.
  function render() {
    const terms = labelTerms(f.label);
    const q = f.q.trim().toLowerCase();
    const { key, dir } = view.sort;
    shownRows = [...rows.values()].filter((r) => matches(r, f, terms, q));
    shownRows.sort((a, b) => {
      const x = sortValue(a, key);
      const y = sortValue(b, key);
      if (x < y) return -dir;
      if (x > y) return dir;
      return a.id < b.id ? -1 : 1;
    });
    virtual.setRows(shownRows, signature);
    shown.textContent = `Showing ${shownRows.length} of ${rows.size} nodes`;
    tableEl.dataset.shown = String(shownRows.length);
    tableEl.setAttribute('aria-rowcount', String(shownRows.length + 1));
    renderCounts();
    renderHeadBox();
    bulk.update();
  }

  renderHead();
  renderFilters();
  return {
    async refresh() {
      const full = since === 0 || Date.now() - lastFull > FULL_READ_MS;
      // view=table: each node with only the fields a row reads (about half the full form's bytes).
      const path = full ? '/api/v1/nodes?view=table&with=system'
        : `/api/v1/nodes?view=table&with=system&changed_since=${since}`;
      const data = await api('GET', path);
      const nodes = data.nodes || [];
      if (full) {
        rows.clear();
        lastFull = Date.now();
      }
      for (const n of nodes) rows.set(n.id, rowOf(n));
      since = data.revision || 0;
      if (full) for (const id of [...selected]) if (!rows.has(id)) selected.delete(id);
      tableEl.dataset.applied = String(nodes.length);
      tableEl.dataset.revision = String(since);
      // The choices of the selects follow the fleet (a first node in "draining"), but the
      // filter bar is rebuilt only when they change, not under the operator's hands.
      const all = [...rows.values()];
      const choices = ['state', 'pool', 'class', 'liveness']
        .map((k) => [...new Set(all.map((r) => r[k]))].sort().join(',')).join(';');
      if (choices !== lastChoices) {
        lastChoices = choices;
        renderFilters();
      }
      render();
      tableEl.dataset.loaded = String(rows.size);
    },
    leave() {
      virtual.detach();
    },
  };
}
