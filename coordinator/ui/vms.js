// VMs: where each runs and in which state, with start, stop and reset behind a confirmation.
import { api, enc } from './api.js';
import { el, replace, badge, unchangedFilter } from './dom.js';
import { act } from './actions.js';

const ACTIONS = [['start', 'Start'], ['stop', 'Stop'], ['reset', 'Reset']];

export function vmsPage(main) {
  const changed = unchangedFilter();
  replace(main, el('h1', { text: 'VMs' }), el('p', { text: 'Loading…' }));
  return {
    async refresh() {
      const data = await api('GET', '/api/v1/vms');
      if (!changed(data)) return;
      const list = data.vms || [];
      const rows = list.map((v) => {
        const spec = v.spec || {};
        return el('tr', { 'data-vm': v.name },
          el('td', { text: v.name }),
          el('td', {}, v.node ? el('a', { href: `#/nodes/${enc(v.node)}`, text: v.node }) : ''),
          el('td', { text: v.pinned ? 'pinned' : '' }),
          el('td', {}, badge('vm', v.status)),
          el('td', { text: spec.state || 'running' }),
          el('td', { text: spec.memory_mib ? `${spec.memory_mib} MiB` : '' }),
          el('td', {}, el('div', { class: 'actions' }, ACTIONS.map(([action, label]) => el('button', {
            type: 'button', text: label, 'aria-label': `${label} ${v.name}`,
            onclick: () => act(`${label} VM`, `${label} VM ${v.name} on node ${v.node || 'none'}?`, label,
              'POST', `/api/v1/vms/${enc(v.name)}/actions/${action}`),
          })))));
      });
      replace(main, el('h1', { text: 'VMs' }),
        list.length === 0 ? el('p', { text: 'No VMs.' }) :
          el('div', { class: 'scroll' }, el('table', { id: 'vms' },
            el('caption', { class: 'visually-hidden', text: 'VMs' }),
            el('thead', {}, el('tr', {}, ['Name', 'Node', 'Pinned', 'Status', 'Wanted', 'Memory', 'Actions']
              .map((h) => el('th', { scope: 'col', text: h })))),
            el('tbody', {}, rows))));
    },
  };
}
