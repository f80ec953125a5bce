// Bulk actions on the machines selected in the table: drain or undrain them all after one
// confirmation that says how many and names every one. Each node is its own API call (a few at
// a time); the notice says how many were done and why each refused one was refused.
import { api, enc } from './api.js';
import { el } from './dom.js';
import { confirmAction, notify, afterWrites } from './actions.js';

const ACTIONS = [['drain', 'Drain'], ['undrain', 'Undrain']];
const PARALLEL = 4;

// Runs `action` on every node, PARALLEL at a time; the refusals, by node.
async function runAll(action, nodes, progress) {
  const refused = [];
  let next = 0;
  let done = 0;
  async function worker() {
    while (next < nodes.length) {
      const r = nodes[next];
      next += 1;
      try {
        await api('POST', `/api/v1/nodes/${enc(r.id)}/actions/${action}`);
      } catch (e) {
        if (e.status === 401) throw e;
        refused.push(`${r.id}: ${e.message}`);
      }
      done += 1;
      progress(done);
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, nodes.length) }, worker));
  return refused;
}

export function bulkBar(selectedRows, { onClear }) {
  const count = el('span', { id: 'selected-count', class: 'selected', role: 'status', text: '' });
  let running = false;
  const buttons = ACTIONS.map(([action, label]) => el('button', {
    type: 'button', id: `bulk-${action}`, text: `${label} selected`,
    onclick: async () => {
      const nodes = selectedRows();
      if (!nodes.length || running) return;
      const noun = nodes.length === 1 ? 'node' : 'nodes';
      const ok = await confirmAction(`${label} ${nodes.length} ${noun}`,
        `${label} these ${nodes.length} ${noun}?`, `${label} ${nodes.length} ${noun}`,
        nodes.map((r) => `${r.id} (${r.hostname || 'no hostname'}, ${r.state})`));
      if (!ok) return;
      running = true;
      update();
      try {
        const refused = await runAll(action, nodes, (n) => notify(`${label}: ${n} of ${nodes.length}…`, 'ok'));
        const done = nodes.length - refused.length;
        if (refused.length) {
          notify(`${label}: ${done} done, ${refused.length} refused — ${refused.join('; ')}`);
        } else {
          notify(`${label}: ${done} done`, 'ok');
        }
      } finally {
        running = false;
        update();
        afterWrites();
      }
    },
  }));
  const clear = el('button', { type: 'button', id: 'bulk-clear', text: 'Clear selection', onclick: () => onClear() });
  const element = el('div', { class: 'bulk', role: 'group', 'aria-label': 'Actions on the selected machines' },
    count, buttons, clear);

  function update() {
    const n = selectedRows().length;
    count.textContent = n ? `${n} selected` : 'None selected';
    for (const b of [...buttons, clear]) b.disabled = n === 0 || running;
  }
  update();
  return { element, update };
}
