// Deployments: the newest first, and one deployment with its progress and per-node statuses (the
// statuses photonctl shows), followed live until it ends; a running one can be cancelled.
import { api, enc, getOrNull } from './api.js';
import { el, replace, badge, dl, when, unchangedFilter } from './dom.js';
import { act } from './actions.js';

function progressText(p) {
  if (!p) return '';
  return `${p.done ?? 0}/${p.total ?? 0}`;
}

function byStatus(p) {
  const by = p && p.by_status && typeof p.by_status === 'object' ? p.by_status : {};
  return Object.entries(by).map(([k, v]) => `${k} ${v}`).join(', ');
}

export function deploymentsPage(main) {
  const changed = unchangedFilter();
  replace(main, el('h1', { text: 'Deployments' }), el('p', { text: 'Loading…' }));
  return {
    async refresh() {
      const data = await api('GET', '/api/v1/deployments?limit=200');
      if (!changed(data)) return;
      const list = data.deployments || [];
      const rows = list.map((d) => el('tr', { 'data-deployment-id': d.id },
        el('td', {}, el('a', { href: `#/deployments/${enc(d.id)}`, text: d.id })),
        el('td', {}, badge('deploy', d.state)),
        el('td', { class: 'mono', text: d.system || '' }),
        el('td', {}, el('progress', { max: d.progress ? d.progress.total || 1 : 1, value: d.progress ? d.progress.done || 0 : 0,
          'aria-label': `${d.id} progress` }), ' ', progressText(d.progress)),
        el('td', { text: byStatus(d.progress) }),
        el('td', { text: when(d.created_at) }),
        el('td', { text: `${d.elapsed_s ?? ''} s` }),
        el('td', { text: d.reason || '' })));
      replace(main, el('h1', { text: 'Deployments' }),
        list.length === 0 ? el('p', { text: 'No deployments yet (photonctl deploy starts one).' }) :
          el('div', { class: 'scroll' }, el('table', { id: 'deployments' },
            el('caption', { class: 'visually-hidden', text: 'Deployments, newest first' }),
            el('thead', {}, el('tr', {}, ['Id', 'State', 'System', 'Progress', 'By status', 'Created', 'Elapsed', 'Reason']
              .map((h) => el('th', { scope: 'col', text: h })))),
            el('tbody', {}, rows))));
    },
  };
}

export function deploymentPage(main, id) {
  const changed = unchangedFilter();
  replace(main, el('h1', { text: `Deployment ${id}` }), el('p', { text: 'Loading…' }));
  return {
    async refresh() {
      const d = await getOrNull(`/api/v1/deployments/${enc(id)}`);
      if (!d) {
        replace(main, el('h1', { text: `Deployment ${id}` }), el('p', { text: 'No such deployment.' }));
        return;
      }
      if (!changed(d)) return;
      const p = d.progress || {};
      const running = d.state === 'running' || d.state === 'reverting';
      const nodes = Array.isArray(d.nodes) ? d.nodes : [];
      replace(main,
        el('p', { class: 'crumbs' }, el('a', { href: '#/deployments', text: '← Deployments' })),
        el('h1', {}, `Deployment ${d.id} `, el('span', { id: 'deployment-state' }, badge('deploy', d.state))),
        running ? el('div', { class: 'actions' }, el('button', {
          type: 'button', id: 'cancel-deployment', class: 'danger', text: 'Cancel deployment',
          onclick: () => act('Cancel deployment', `Cancel deployment ${d.id} of ${d.spec ? d.spec.system : ''}? Nodes not yet started will not be.`,
            'Cancel deployment', 'POST', `/api/v1/deployments/${enc(d.id)}/cancel`),
        })) : null,
        el('p', {}, el('progress', { id: 'deployment-progress', max: p.total || 1, value: p.done || 0, 'aria-label': 'Progress' }),
          ` ${progressText(p)} nodes done — ${byStatus(p)}`),
        dl([['System', d.spec ? d.spec.system : ''], ['Reason', d.reason || ''], ['Max parallel', d.max_parallel],
          ['Auto revert', d.auto_revert ? 'yes' : 'no'], ['Selector', JSON.stringify(d.selector || {})],
          ['Created', when(d.created_at)], ['Finished', when(d.finished_at)], ['Elapsed', `${d.elapsed_s ?? ''} s`]]),
        el('div', { class: 'scroll' }, el('table', { id: 'deployment-nodes' },
          el('caption', { text: 'Nodes' }),
          el('thead', {}, el('tr', {}, ['Node', 'Status', 'Reason', 'Revert', 'Took', 'Started', 'Finished']
            .map((h) => el('th', { scope: 'col', text: h })))),
          el('tbody', {}, nodes.map((n) => el('tr', { 'data-node-id': n.id },
            el('td', {}, el('a', { href: `#/nodes/${enc(n.id)}`, text: n.id })),
            el('td', {}, badge('status', n.status)),
            el('td', { text: n.reason || '' }),
            el('td', { text: n.revert || '' }),
            el('td', { text: n.timings && n.timings.total_ms ? `${n.timings.total_ms} ms` : '' }),
            el('td', { text: when(n.started_at) }),
            el('td', { text: when(n.finished_at) })))))));
    },
  };
}
