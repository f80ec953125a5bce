// Keyboard movement through a virtualised table (virtual_rows.js), where the next row may not be
// in the page yet: Tab past a row's last control and Shift+Tab before its first go to the next
// and previous row, and the up and down arrows to the same control of the row above or below,
// drawing that row first. Without this the focus would leave the table at the last row drawn,
// though hundreds more follow.

// The controls of a row, in tab order (none of the rows' controls sets a tabindex).
const FOCUSABLE = 'a[href], button, input, select, textarea';

function controls(tr) {
  return [...tr.querySelectorAll(FOCUSABLE)].filter((c) => !c.disabled);
}

// Where a key moves the focus from control `pos` of `count` in row `index`:
// [row, control] (-1: the row's last), or null to leave the key to the browser.
function target(key, shift, index, pos, count) {
  if (key === 'ArrowDown') return [index + 1, pos];
  if (key === 'ArrowUp') return [index - 1, pos];
  if (key === 'Tab' && !shift && pos === count - 1) return [index + 1, 0];
  if (key === 'Tab' && shift && pos === 0) return [index - 1, -1];
  return null;
}

export function rowKeys(virtual) {
  virtual.tbody.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const tr = e.target.closest('tr');
    if (!tr || tr.parentElement !== virtual.tbody || !tr.hasAttribute('aria-rowindex')) return;
    const here = controls(tr);
    const pos = here.indexOf(e.target);
    if (pos < 0) return;
    const index = Number(tr.getAttribute('aria-rowindex')) - 2; // the header is row 1
    const to = target(e.key, e.shiftKey, index, pos, here.length);
    if (!to) return;
    const next = virtual.rowAt(to[0]);
    // Past the first or the last row: the arrows stay, Tab leaves the table as usual.
    if (!next) {
      if (e.key !== 'Tab') e.preventDefault();
      return;
    }
    const there = controls(next);
    if (!there.length) return;
    e.preventDefault();
    there[to[1] < 0 ? there.length - 1 : Math.min(to[1], there.length - 1)].focus();
  });
}
