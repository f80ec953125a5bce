// The keyboard in the virtualised machines table: the arrows and Tab reach rows that were not
// drawn yet, downwards and upwards, instead of leaving the table at the last row drawn.
import assert from 'node:assert/strict';

// The node and the kind of control that has the focus, if it is in a row of the table.
async function focused(page) {
  return page.evaluate(() => {
    const a = document.activeElement;
    const tr = a && a.closest('#machines tr[data-node-id]');
    return tr ? { id: tr.dataset.nodeId, tag: a.tagName } : null;
  });
}

// The first and last row index drawn (0: the first node shown).
async function drawn(page) {
  const idx = await page.$$eval('#machines tbody tr[data-node-id]',
    (trs) => trs.map((tr) => Number(tr.getAttribute('aria-rowindex')) - 2));
  return [Math.min(...idx), Math.max(...idx)];
}

// Focuses a control without scrolling, so that no scroll event draws more rows first: the key
// that follows meets the edge of what is drawn.
async function focusStill(page, selector) {
  await page.$eval(selector, (c) => c.focus({ preventScroll: true }));
}

// A few frames, so that a scroll event's redraw and whatever layout follows it have run.
async function settled(page) {
  await page.evaluate(async () => {
    for (let i = 0; i < 5; i += 1) await new Promise((ok) => { requestAnimationFrame(ok); });
  });
}

// The machines table is scrolled as far down as it goes (within a pixel: rows are 27.5 px).
async function atEnd(page) {
  return page.$eval('#machines-scroll', (s) => s.scrollHeight - s.clientHeight - s.scrollTop <= 1);
}

async function isDrawn(page, id) {
  return (await page.$(`#machines tr[data-node-id="${id}"]`)) !== null;
}

// `ids`: every node, shown unfiltered and sorted by id.
export async function checkKeyboard(page, ids) {
  const sorted = [...ids].sort();
  await page.$eval('#machines-scroll', (s) => { s.scrollTop = 0; });
  await page.waitForSelector(`#machines tr[data-node-id="${sorted[0]}"]`, { timeout: 5000 });

  // Down arrows from the first row's link to a row past the last one drawn.
  let [, last] = await drawn(page);
  const steps = last + 3;
  assert.ok(steps < sorted.length && !(await isDrawn(page, sorted[steps])));
  await page.focus(`#machines tr[data-node-id="${sorted[0]}"] a`);
  for (let i = 0; i < steps; i += 1) await page.keyboard.press('ArrowDown');
  assert.deepEqual(await focused(page), { id: sorted[steps], tag: 'A' }, 'the arrows reach an undrawn row');

  // Tab from the last control of the last row drawn: into the next row, drawn for it.
  [, last] = await drawn(page);
  assert.ok(!(await isDrawn(page, sorted[last + 1])));
  await focusStill(page, `#machines tr[data-node-id="${sorted[last]}"] a`);
  await page.keyboard.press('Tab');
  assert.deepEqual(await focused(page), { id: sorted[last + 1], tag: 'INPUT' }, 'Tab stays in the table');

  // Scrolled to the end with the focus still in that row: the table stays at its end once the
  // focused row is taken out (Chromium used to clamp the scroll a dozen rows short, a frame
  // later, so those rows could not be reached).
  assert.deepEqual(await focused(page), { id: sorted[last + 1], tag: 'INPUT' });
  await page.$eval('#machines-scroll', (s) => { s.scrollTop = s.scrollHeight; });
  await page.waitForSelector(`#machines tr[data-node-id="${sorted[sorted.length - 1]}"]`, { timeout: 5000 });
  await page.waitForFunction((id) => !document.querySelector(`#machines tr[data-node-id="${id}"]`),
    { timeout: 5000 }, sorted[last + 1]);
  await settled(page);
  assert.ok(await atEnd(page), 'scrolled to the end with a row focused, the table stays there');
  assert.ok(await isDrawn(page, sorted[sorted.length - 1]), 'the last row is still drawn');

  // Upwards from the end: Shift+Tab before the first row drawn, then the up arrows.
  // The last row: the down arrow stays on it.
  await focusStill(page, `#machines tr[data-node-id="${sorted[sorted.length - 1]}"] a`);
  await page.keyboard.press('ArrowDown');
  assert.deepEqual(await focused(page), { id: sorted[sorted.length - 1], tag: 'A' });
  const [first] = await drawn(page);
  assert.ok(first > 20 && !(await isDrawn(page, sorted[first - 1])));
  await focusStill(page, `#machines tr[data-node-id="${sorted[first]}"] input.pick`);
  await page.keyboard.down('Shift');
  await page.keyboard.press('Tab');
  await page.keyboard.up('Shift');
  assert.deepEqual(await focused(page), { id: sorted[first - 1], tag: 'A' }, 'Shift+Tab stays in the table');
  for (let i = 0; i < 20; i += 1) await page.keyboard.press('ArrowUp');
  assert.deepEqual(await focused(page), { id: sorted[first - 21], tag: 'A' }, 'the up arrows reach an undrawn row');

  await page.evaluate(() => document.activeElement.blur());
  await page.$eval('#machines-scroll', (s) => { s.scrollTop = 0; });
  await page.waitForSelector(`#machines tr[data-node-id="${sorted[0]}"]`, { timeout: 5000 });
}
