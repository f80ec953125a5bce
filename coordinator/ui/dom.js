// Building the page. Every piece of data goes in as text (textContent, attributes set one by
// one): nothing a machine reports is ever parsed as HTML, so a hostname or DMI vendor such as
// `<img src=x onerror=…>` shows as those characters and runs nothing.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else if (child instanceof Node) node.appendChild(child);
    else node.appendChild(document.createTextNode(String(child)));
  }
}

export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export function mib(bytes) {
  if (typeof bytes !== 'number' || bytes <= 0) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let v = bytes;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v >= 10 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export function when(seconds) {
  if (!seconds) return '';
  return new Date(seconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function ago(seconds) {
  if (!seconds) return '';
  const d = Math.max(0, Math.round(Date.now() / 1000 - seconds));
  if (d < 90) return `${d} s ago`;
  if (d < 5400) return `${Math.round(d / 60)} min ago`;
  if (d < 172800) return `${Math.round(d / 3600)} h ago`;
  return `${Math.round(d / 86400)} d ago`;
}

// Minutes at best: the machines table shows it, and a row is rebuilt only when its text changes.
export function agoCoarse(seconds) {
  if (!seconds) return '';
  const d = Math.max(0, Math.round(Date.now() / 1000 - seconds));
  if (d < 60) return 'under a minute';
  return ago(seconds - (d % 60));
}

// A pill whose class names its value ("state-active"), for colour; the text says it too.
export function badge(kind, value) {
  const safe = String(value || 'none').replace(/[^a-z0-9-]/gi, '');
  return el('span', { class: `badge ${kind}-${safe}`, text: value || '—' });
}

export function dl(pairs) {
  return el('dl', { class: 'facts' },
    pairs.filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => [el('dt', { text: k }), el('dd', {}, v instanceof Node ? v : String(v))]));
}

// A table from column titles and rows of cells (text or nodes).
export function table(caption, headers, rows, attrs = {}) {
  return el('table', attrs,
    el('caption', { text: caption }),
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((c) => el('td', {}, c))))));
}

export function heading(text, level = 1) {
  return el(`h${level}`, { text });
}

// A page re-draws only when what it read changed (a revision alone does not count), so that a
// live refresh keeps focus, open details and the row under the pointer.
export function unchangedFilter() {
  let last = '';
  return (data) => {
    const key = JSON.stringify(data).replace(/"revision":\d+/g, '');
    if (key === last) return false;
    last = key;
    return true;
  };
}
