// One node: its facts, its lifecycle and its history, what its agent last observed per domain, its power
// record, and its actions, each behind a confirmation that names the node.
import { api, enc, getOrNull } from './api.js';
import { el, replace, mib, badge, dl, table, when, ago, unchangedFilter } from './dom.js';
import { act } from './actions.js';
import { stateCell } from './machine_rows.js';

const ACTIONS = [
  ['commission', 'Commission'], ['install', 'Install'], ['drain', 'Drain'], ['undrain', 'Undrain'],
  ['reprovision', 'Reprovision'], ['rescue', 'Rescue'], ['retire', 'Retire'],
];
const POWER = [['on', 'Power on'], ['off', 'Power off'], ['cycle', 'Power cycle'], ['soft', 'Soft shutdown']];

function str(v) {
  if (v === undefined || v === null) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function factsSection(n) {
  const f = n.facts || {};
  const cpu = f.cpu || {};
  const dmi = f.dmi || {};
  const disks = Array.isArray(f.disks) ? f.disks : [];
  const nics = Array.isArray(f.nics) ? f.nics : [];
  return el('section', { 'aria-labelledby': 'facts-h' },
    el('h2', { id: 'facts-h', text: 'Facts' }),
    dl([
      ['CPU', `${str(cpu.model)} — ${str(cpu.cores)} cores, ${str(cpu.threads)} threads`],
      ['Virtualization', str(cpu.virtualization)],
      ['Memory', mib(f.memory_bytes)],
      ['DMI vendor', str(dmi.vendor)],
      ['DMI product', str(dmi.product)],
      ['DMI serial', str(dmi.serial)],
      ['DMI UUID', str(dmi.uuid)],
    ]),
    table('Disks', ['Name', 'Size', 'Rotational', 'Model', 'Serial', 'WWN'],
      disks.map((d) => [str(d.name), mib(d.size_bytes), d.rotational ? 'yes' : 'no', str(d.model), str(d.serial), str(d.wwn)])),
    table('NICs', ['Name', 'MAC', 'Link', 'Speed', 'Driver', 'Addresses'],
      nics.map((x) => [str(x.name), str(x.mac), x.link_up ? 'up' : 'down',
        x.speed_mbps ? `${x.speed_mbps} Mb/s` : '', str(x.driver),
        Array.isArray(x.addresses) ? x.addresses.map(str).join(', ') : ''])));
}

function lifecycleSection(n) {
  return el('section', { 'aria-labelledby': 'life-h' },
    el('h2', { id: 'life-h', text: 'Lifecycle' }),
    dl([
      ['State', badge('state', n.state)],
      ['Drained by', str(n.drained_by)],
      ['In state since', n.state_since ? `${when(n.state_since)} (${ago(n.state_since)})` : ''],
      ['Deadline', when(n.deadline)],
      ['Last error', str(n.last_error)],
      ['Liveness', n.liveness ? badge('liveness', n.liveness) : ''],
      ['Last seen', n.last_seen ? `${when(n.last_seen)} (${ago(n.last_seen)})` : ''],
      ['Enrolled', when(n.created_at)],
      ['Matched rule', str(n.rule)],
      ['Pool', str(n.pool)], ['Class', str(n.class)], ['Profile', str(n.profile)],
      ['Address', str(n.address)], ['Disk layout', str(n.disk_layout)],
      ['Machine id', str(n.machine_id)],
      ['Labels', Object.entries(n.labels || {}).map(([k, v]) => `${k}=${v}`).join(', ')],
    ]));
}

// The agent's report, one part per domain: a summary of what an operator looks for first
// (system generation and outcome, unit health, VM states, BGP sessions), then the report as text.
function domainSummary(name, d) {
  if (!d || typeof d !== 'object') return null;
  if (name === 'system') {
    return dl([['Outcome', str(d.outcome)], ['System', str(d.system)], ['Generation', str(d.generation)],
      ['Deployment', str(d.deployment)], ['Reason', str(d.reason)],
      ['Reboot required', d.reboot_required === undefined ? '' : (d.reboot_required ? 'yes' : 'no')]]);
  }
  const list = (key) => (Array.isArray(d[key]) ? d[key] : []);
  if (name === 'units') {
    return table('Units', ['Name', 'State', 'Health'], list('units').map((u) => [str(u.name), str(u.state), str(u.health)]));
  }
  if (name === 'vms') {
    return table('VMs', ['Name', 'Status'], list('vms').map((v) => [str(v.name), str(v.status)]));
  }
  if (name === 'bgp') {
    return el('div', {},
      table('BGP sessions', ['Neighbor', 'State'], list('sessions').map((s) => [str(s.neighbor || s.name), str(s.state)])),
      el('p', { text: `Announced: ${list('announced').map(str).join(', ') || 'none'}` }));
  }
  return null;
}

function observedSection(n) {
  const obs = n.observed;
  const parts = [el('h2', { id: 'obs-h', text: 'Observed' })];
  if (!obs) {
    parts.push(el('p', { text: 'Its agent has not reported yet.' }));
  } else {
    parts.push(dl([['Reported', obs.reported_at ? `${when(obs.reported_at)} (${ago(obs.reported_at)})` : ''],
      ['Agent version', str(obs.agent_version)]]));
    const domains = obs.domains && typeof obs.domains === 'object' ? obs.domains : {};
    for (const [name, d] of Object.entries(domains)) {
      parts.push(el('h3', { text: name }), domainSummary(name, d),
        el('details', {}, el('summary', { text: `${name} report` }), el('pre', { text: JSON.stringify(d, null, 2) })));
    }
  }
  return el('section', { 'aria-labelledby': 'obs-h' }, parts);
}

// The node's last state changes (GET .../history), newest first: how it got where it is.
function historySection(history) {
  if (history && history.error) {
    return el('section', { 'aria-labelledby': 'history-h' },
      el('h2', { id: 'history-h', text: 'Lifecycle history' }),
      el('p', { id: 'history-error', class: 'error', text: `Cannot read the history: ${history.error}` }));
  }
  const entries = history && Array.isArray(history.history) ? [...history.history].reverse() : [];
  return el('section', { 'aria-labelledby': 'history-h' },
    el('h2', { id: 'history-h', text: 'Lifecycle history' }),
    entries.length
      ? table(`The last ${entries.length} state changes, newest first`, ['When', 'From', 'To', 'Cause', 'Error'],
        entries.map((t) => [t.at ? `${when(t.at)} (${ago(t.at)})` : '', t.from ? badge('state', t.from) : 'enrolled',
          badge('state', t.to), str(t.cause), str(t.error)]),
        { id: 'history', class: 'history' })
      : el('p', { text: 'No state change recorded yet.' }));
}

function powerSection(n, power) {
  if (!n.power) return null;
  const history = power && Array.isArray(power.history) ? power.history : [];
  return el('section', { 'aria-labelledby': 'power-h' },
    el('h2', { id: 'power-h', text: 'Power' }),
    dl([['State', badge('power', n.power.state)], ['Error', str(n.power.error)], ['Checked', when(n.power.checked_at)]]),
    el('div', { class: 'actions' }, POWER.map(([op, label]) => el('button', {
      type: 'button', text: label,
      onclick: () => act(label, `${label} node ${n.id} (${n.hostname || 'no hostname'}) through its BMC?`, label,
        'POST', `/api/v1/nodes/${enc(n.id)}/power`, { action: op }),
    }))),
    table('Power history', ['Operation', 'Reason', 'Result', 'Error', 'Took', 'Finished'],
      history.map((h) => [str(h.op), str(h.reason), str(h.result), str(h.error), h.took_ms ? `${h.took_ms} ms` : '', when(h.finished_at)])));
}

export function nodePage(main, id) {
  replace(main, el('h1', { text: `Node ${id}` }), el('p', { text: 'Loading…' }));
  const changed = unchangedFilter();
  return {
    async refresh() {
      const n = await getOrNull(`/api/v1/nodes/${enc(id)}`);
      if (!n) {
        replace(main, el('h1', { text: `Node ${id}` }), el('p', { text: 'No such node.' }));
        return;
      }
      let power = null;
      if (n.power) power = await api('GET', `/api/v1/nodes/${enc(id)}/power`).catch(() => null);
      // A history the coordinator cannot read (a corrupt stored record: 500) is said in its
      // section; the rest of the page keeps showing and refreshing.
      const history = await getOrNull(`/api/v1/nodes/${enc(id)}/history`).catch((e) => {
        if (e.status === 401) throw e;
        return { error: e.message };
      });
      // Unchanged: keep the page as it is (open details, focus, selection).
      if (!changed([n, power, history, Math.floor(Date.now() / 60000)])) return;
      const name = `${n.id} (${n.hostname || 'no hostname'})`;
      const actions = el('div', { class: 'actions', role: 'group', 'aria-label': 'Lifecycle actions' },
        ACTIONS.map(([action, label]) => el('button', {
          type: 'button', id: `action-${action}`, class: action === 'retire' || action === 'reprovision' ? 'danger' : '',
          text: label,
          onclick: () => act(`${label} node`, `${label} node ${name}? It is ${n.state} now.`, label,
            'POST', `/api/v1/nodes/${enc(n.id)}/actions/${action}`),
        })));
      const y = window.scrollY;
      replace(main,
        el('p', { class: 'crumbs' }, el('a', { href: '#/machines', text: '← Machines' })),
        el('h1', {}, `Node ${n.id} `, el('span', { class: 'sub', text: n.hostname || '' }), ' ',
          el('span', { id: 'node-state' }, stateCell({ state: n.state, drainedBy: str(n.drained_by) }))),
        actions,
        el('div', { class: 'columns' }, lifecycleSection(n), factsSection(n)),
        historySection(history),
        observedSection(n),
        powerSection(n, power));
      window.scrollTo(0, y);
    },
  };
}
