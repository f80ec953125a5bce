// The console's shell: sign-in, the section routes (#/machines, #/nodes/ID, #/deployments,
// #/deployments/ID, #/services, #/services/NAME, #/vms), the confirmation dialog, notices, and
// the one watch that keeps the page showing live.
import { api, session, SIGNED_OUT, ApiError } from './api.js';
import { el, replace } from './dom.js';
import { Watch } from './watch.js';
import { onWrite, notify } from './actions.js';
import { machinesPage } from './machines.js';
import { nodePage } from './node.js';
import { deploymentsPage, deploymentPage } from './deployments.js';
import { servicesPage, servicePage } from './services.js';
import { vmsPage } from './vms.js';

const main = document.getElementById('main');
const header = document.querySelector('header.top');
let current = null; // { refresh(), leave() } of the page shown
const watch = new Watch(async () => {
  if (current && current.refresh) await current.refresh();
});
// A write the console made shows at once, without waiting for the watch.
onWrite(() => watch.fire());

function signInPage(message) {
  header.hidden = true;
  watch.stop();
  const input = el('input', {
    id: 'token', type: 'password', name: 'token', autocomplete: 'current-password',
    required: true, 'aria-describedby': 'token-help',
  });
  const error = el('p', { id: 'sign-in-error', class: 'error', role: 'alert', text: message || '' });
  const form = el('form', { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
    el('h1', { id: 'sign-in-title', text: 'Sign in to Photon' }),
    el('label', { for: 'token', text: 'Admin token' }),
    input,
    el('p', { id: 'token-help', class: 'help',
      text: 'The token of --admin-token-file. It is kept in this tab only (session storage) and sent as a bearer header.' }),
    error,
    el('button', { type: 'submit', id: 'sign-in', text: 'Sign in' }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    session.signIn(input.value.trim());
    try {
      await api('GET', '/api/v1/watch');
      if (!location.hash || location.hash === '#/sign-in') location.hash = '#/machines';
      route();
    } catch (e) {
      session.signOut();
      error.textContent = e instanceof ApiError && e.status === 401
        ? 'The coordinator refused this token.' : `Cannot sign in: ${e.message}`;
      input.focus();
    }
  });
  replace(main, form);
  input.focus();
}

const routes = [
  [/^#\/machines$/, (m, box) => machinesPage(box)],
  [/^#\/nodes\/([^/]+)$/, (m, box) => nodePage(box, decodeURIComponent(m[1]))],
  [/^#\/deployments$/, (m, box) => deploymentsPage(box)],
  [/^#\/deployments\/([^/]+)$/, (m, box) => deploymentPage(box, decodeURIComponent(m[1]))],
  [/^#\/services$/, (m, box) => servicesPage(box)],
  [/^#\/services\/([^/]+)$/, (m, box) => servicePage(box, decodeURIComponent(m[1]))],
  [/^#\/vms$/, (m, box) => vmsPage(box)],
];

async function route() {
  if (current && current.leave) current.leave();
  current = null;
  if (!session.token()) {
    signInPage();
    return;
  }
  header.hidden = false;
  const hash = location.hash || '#/machines';
  for (const link of document.querySelectorAll('nav a')) {
    const section = link.getAttribute('href');
    const here = hash === section || hash.startsWith(section.replace('machines', 'nodes') + '/') ||
      hash.startsWith(section + '/');
    if (here) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const match = routes.find(([re]) => re.test(hash));
  if (!match) {
    location.hash = '#/machines';
    return;
  }
  // Each page draws into a container of its own: a page left while it was still reading draws
  // into a detached one, never over the page shown now.
  const container = el('div', { class: 'page' });
  replace(main, container);
  const page = match[1](hash.match(match[0]), container);
  current = page;
  watch.start();
  // Read now, not after a refresh of the page left (its answer goes to a detached container).
  page.refresh().catch((e) => {
    if (e.status !== 401) notify(`Cannot read: ${e.message}`);
  });
}

window.addEventListener('hashchange', route);
window.addEventListener(SIGNED_OUT, () => {
  // (During sign-in the form itself says why.)
  if (!header.hidden) signInPage('Session expired: the coordinator no longer takes this token. Sign in again.');
});
document.getElementById('sign-out').addEventListener('click', () => {
  session.signOut();
  signInPage('Signed out.');
});
route();
