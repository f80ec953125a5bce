// Services: what placement made of each, with the reason for every slot it could not place.
import { api, enc } from './api.js';
import { el, replace, badge, table, when, unchangedFilter } from './dom.js';

function count(s, key) {
  return s && typeof s[key] === 'number' ? s[key] : (Array.isArray(s && s[key]) ? s[key].length : '');
}

export function servicesPage(main) {
  const changed = unchangedFilter();
  replace(main, el('h1', { text: 'Services' }), el('p', { text: 'Loading…' }));
  return {
    async refresh() {
      const data = await api('GET', '/api/v1/services');
      if (!changed(data)) return;
      const list = data.services || [];
      replace(main, el('h1', { text: 'Services' }),
        list.length === 0 ? el('p', { text: 'No services declared.' }) :
          table('Services', ['Name', 'Core', 'Replicas', 'Placed', 'Healthy', 'Lost', 'Unplaced'],
            list.map((s) => [el('a', { href: `#/services/${enc(s.name)}`, text: s.name }), s.core ? 'core' : '',
              s.global ? 'global' : String(s.replicas ?? ''), String(count(s.status, 'placed')),
              String(count(s.status, 'healthy')), String(count(s.status, 'lost')),
              String(count(s.status, 'unplaced'))]), { id: 'services' }));
    },
  };
}

export function servicePage(main, name) {
  const changed = unchangedFilter();
  replace(main, el('h1', { text: `Service ${name}` }), el('p', { text: 'Loading…' }));
  return {
    async refresh() {
      const a = await api('GET', `/api/v1/services/${enc(name)}/allocations`);
      if (!changed(a)) return;
      const allocations = a.allocations || [];
      const unplaced = a.unplaced || [];
      replace(main,
        el('p', { class: 'crumbs' }, el('a', { href: '#/services', text: '← Services' })),
        el('h1', { text: `Service ${name}` }),
        table('Allocations', ['Instance', 'Slot', 'Node', 'Hostname', 'State', 'Health', 'Healthy since', 'Replaces', 'Error'],
          allocations.map((x) => [x.name || '', String(x.slot ?? ''),
            x.node ? el('a', { href: `#/nodes/${enc(x.node)}`, text: x.node }) : '', x.hostname || '',
            badge('alloc', x.state), badge('health', x.health), when(x.healthy_since), x.replaces || '', x.error || '']),
          { id: 'allocations' }),
        unplaced.length === 0 ? el('p', { text: 'Every slot is placed.' }) :
          table('Unplaced slots', ['Slot', 'Reason'], unplaced.map((u) => [String(u.slot ?? ''), u.reason || '']),
            { id: 'unplaced' }));
    },
  };
}
