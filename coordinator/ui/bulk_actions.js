// Bulk actions on the machines selected in the table: drain or undrain them all after one
// confirmation that says how many and names every one. Each node is its own API call (a few at
// a time); the notice says how many were done and why each refused one was refused.
import { api, enc } from './api.js';
import { el } from './dom.js';
import { confirmAction, notify, afterWrite } from './actions.js';

const ACTIONS = [['drain', 'Drain'], ['undrain', 'Undrain']];
const PARALLEL = 4;

// Runs `action` on every node, PARALLEL at a time: { refused (by node), done, expired }. The
// first 401 stops every worker (the token is gone: each further call would be refused too, and
// nothing more may be sent on the operator's behalf); `expired` says so.
async function runAll(action, nodes, progress) {
  const refused = [];
  let next = 0;
  let answered = 0;
  let expired = false;
  async function worker() {
    while (!expired && next < nodes.length) {
      const r = nodes[next];
      next += 1;
      try {
        await api('POST', `/api/v1/nodes/${enc(r.id)}/actions/${action}`);
      } catch (e) {
        if (e.status === 401) {
          expired = true;
          return;
        }
        refused.push(`${r.id}: ${e.message}`);
      }
      answered += 1;
      progress(answered);
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, nodes.length) }, worker));
  return { refused, done: answered - refused.length, expired };
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
      let expired = false;
      try {
        const result = await runAll(action, nodes, (n) => notify(`${label}: ${n} of ${nodes.length}…`, 'ok'));
        expired = result.expired;
        const { refused, done } = result;
        const also = refused.length ? `, ${refused.length} refused — ${refused.join('; ')}` : '';
        if (expired) {
          // The sign-in page is shown by now (api.js); the notice stays over it.
          notify(`${label} stopped: the session expired. ${done} of ${nodes.length} done${also}. Sign in again to finish.`);
        } else {
          notify(`${label}: ${done} done${also}`, refused.length ? 'error' : 'ok');
        }
      } finally {
        running = false;
        update();
        // Signed out, there is no page to re-read.
        if (!expired) afterWrite();
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
