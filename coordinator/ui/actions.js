// Notices and confirmed actions: every write the console makes goes through act(), which first
// asks in a modal dialog that names what it acts on.
import { api } from './api.js';

// What to do after a write (app.js: re-read the page at once); a live binding, so that the bulk
// actions call the one registered.
export let afterWrite = () => {};
export function onWrite(callback) {
  afterWrite = callback;
}

export function notify(text, kind = 'error') {
  const box = document.getElementById('notice');
  box.className = `notice ${kind}`;
  box.textContent = text;
  clearTimeout(notify.timer);
  notify.timer = setTimeout(() => { box.textContent = ''; box.className = 'notice'; }, 8000);
}

// Asks before an action; `text` names what it acts on, `items` (if any) lists every thing it
// acts on. Resolves true only on Confirm.
export function confirmAction(title, text, okLabel, items = []) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = okLabel;
  const list = document.getElementById('confirm-list');
  list.replaceChildren(...items.map((item) => {
    const li = document.createElement('li');
    li.textContent = item;
    return li;
  }));
  list.hidden = items.length === 0;
  dialog.returnValue = '';
  dialog.showModal();
  document.getElementById('confirm-cancel').focus();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}

// Runs an API write after confirmation; the error, if any, as a notice. Returns the answer.
export async function act(title, text, okLabel, method, path, body) {
  if (!(await confirmAction(title, text, okLabel))) return null;
  try {
    const out = await api(method, path, body);
    notify(`${okLabel}: done`, 'ok');
    afterWrite();
    return out;
  } catch (e) {
    const allowed = e.body && Array.isArray(e.body.allowed) ? ` — allowed: ${e.body.allowed.join(', ')}` : '';
    notify(`${okLabel} refused: ${e.message}${allowed}`);
    return null;
  }
}

