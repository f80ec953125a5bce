// The console in a real browser against a real coordinator holding 500 simulated nodes:
// headers and path traversal, a wrong token refused, sign-in, only the rows in view drawn,
// filters by state and label, a bulk drain and undrain behind one confirmation naming the
// nodes, a node whose DMI vendor is HTML shown as text with no dialog, its lifecycle history,
// a drain seen without a reload and whose it is, the keyboard through undrawn rows, a change elsewhere applied as that node alone, a deployment
// followed to its end, services with unplaced reasons, VMs. Screenshots of each page go to
// OUT_DIR.
//   node tests/console/console_test.mjs BUILD_DIR OUT_DIR
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Coordinator, ADMIN_TOKEN, HOSTILE, simulateAgents, storePath, sleep } from './fleet.mjs';
import { openBrowser, watchedPage } from './browser.mjs';
import { checkKeyboard } from './keyboard.mjs';

const [buildDir, outDir] = process.argv.slice(2);
if (!buildDir || !outDir) {
  console.error('usage: console_test.mjs BUILD_DIR OUT_DIR');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const FLEET = Number(process.env.PHOTON_CONSOLE_FLEET || 500);
const HOSTILE_N = 123;

function step(text) {
  console.log(`[console] ${new Date().toISOString().slice(11, 19)} ${text}`);
}

// Column numbers of the machines table (1: the selection box).
const COL = { state: 4, labels: 13, generation: 14 };

// How many nodes the filters let through (the table draws only those in view).
async function rowCount(page) {
  return page.$eval('#machines', (t) => Number(t.dataset.shown));
}

// The rows in the page's DOM (not counting the two spacers).
async function drawnRows(page) {
  return page.$$eval('#machines tbody tr:not(.spacer)', (rows) => rows.length);
}

// Typed filters apply once typing pauses: wait for the table to show `n` rows.
async function waitRows(page, n) {
  await page.waitForFunction((want) => Number(document.querySelector('#machines').dataset.shown) === want,
    { timeout: 10000, polling: 50 }, n);
  assert.equal(await rowCount(page), n);
}

async function states(c, ids) {
  return Promise.all(ids.map(async (id) => (await c.must('GET', `/api/v1/nodes/${id}`)).state));
}

async function waitStates(c, ids, pattern) {
  for (let i = 0; i < 100; i += 1) {
    if ((await states(c, ids)).every((s) => pattern.test(s))) return;
    await sleep(100);
  }
  assert.fail(`${ids.join(', ')} not ${pattern}: ${(await states(c, ids)).join(', ')}`);
}

// The machines table holds only the rows in view: a few dozen of 500, and scrolling to the end
// draws the last node (by id) in place of the first.
async function checkVirtualRows(page, ids) {
  const drawn = await drawnRows(page);
  assert.ok(drawn > 10 && drawn < 120, `${drawn} rows drawn of ${ids.length}`);
  const sorted = [...ids].sort();
  assert.ok(await page.$(`#machines tr[data-node-id="${sorted[0]}"]`), 'the first row is drawn');
  await page.$eval('#machines-scroll', (s) => { s.scrollTop = s.scrollHeight; });
  await page.waitForSelector(`#machines tr[data-node-id="${sorted[sorted.length - 1]}"]`, { timeout: 5000 });
  assert.equal(await page.$(`#machines tr[data-node-id="${sorted[0]}"]`), null, 'the first row is gone');
  assert.ok(await drawnRows(page) < 120);
  const index = await page.$eval(`#machines tr[data-node-id="${sorted[sorted.length - 1]}"]`,
    (tr) => tr.getAttribute('aria-rowindex'));
  assert.equal(index, String(ids.length + 1));
  await page.$eval('#machines-scroll', (s) => { s.scrollTop = 0; });
  await page.waitForSelector(`#machines tr[data-node-id="${sorted[0]}"]`, { timeout: 5000 });
}

// Selects three of the rows shown, drains them in one confirmed step (a cancel first changes
// nothing), then undrains them the same way.
// `spare`: a node to leave alone (later steps read its history).
async function checkBulkActions(page, c, outDir, spare) {
  const picked = await page.$$eval('#machines tbody tr[data-node-id]',
    (rows, skip) => rows.map((tr) => tr.dataset.nodeId).filter((id) => id !== skip).slice(0, 3), spare);
  assert.equal(picked.length, 3);
  const shownBefore = await rowCount(page);
  for (const id of picked) await clickIn(page, `#machines tr[data-node-id="${id}"] input.pick`);
  await waitText(page, '#selected-count', /^3 selected$/);

  await clickIn(page, '#bulk-drain');
  await page.waitForSelector('#confirm[open]');
  assert.equal(await page.$eval('#confirm-title', (h) => h.textContent), 'Drain 3 nodes');
  const listed = await page.$$eval('#confirm-list li', (lis) => lis.map((li) => li.textContent));
  assert.equal(listed.length, 3);
  picked.forEach((id, i) => assert.ok(listed[i].startsWith(`${id} (`), `the confirmation names ${id}`));
  await page.screenshot({ path: join(outDir, 'confirm-bulk-drain.png') });
  await page.click('#confirm-cancel');
  await sleep(300);
  assert.deepEqual(await states(c, picked), ['active', 'active', 'active'], 'a cancel changes nothing');

  await clickIn(page, '#bulk-drain');
  await page.waitForSelector('#confirm[open]');
  await page.click('#confirm-ok');
  await waitStates(c, picked, /^(draining|drained)$/);
  await waitText(page, '#notice', /Drain: 3 done/);
  // Filtered on "active", the table lets them go without a reload.
  await waitRows(page, shownBefore - 3);

  await clickIn(page, '#bulk-undrain');
  await page.waitForSelector('#confirm[open]');
  assert.equal(await page.$eval('#confirm-title', (h) => h.textContent), 'Undrain 3 nodes');
  await page.click('#confirm-ok');
  await waitStates(c, picked, /^active$/);
  await waitRows(page, shownBefore);
  await clickIn(page, '#bulk-clear');
  await waitText(page, '#selected-count', /^None selected$/);
  // The header's box takes every node the filters show.
  await clickIn(page, '#pick-shown');
  await waitText(page, '#selected-count', new RegExp(`^${shownBefore} selected$`));
  await clickIn(page, '#bulk-clear');
  await waitText(page, '#selected-count', /^None selected$/);
}

// Signed in again from the sign-in page, a bulk drain of a hundred nodes whose first answer is a
// 401 (the token expired meanwhile): the workers stop at the calls already on their way (at most
// one per worker, 4), the sign-in page shows, and the notice says the session expired.
async function checkBulkExpired(page, c) {
  await page.waitForSelector('#token');
  await page.type('#token', ADMIN_TOKEN);
  await page.click('#sign-in');
  await page.waitForFunction((n) => (document.querySelector('#machines') || { dataset: {} }).dataset.loaded === String(n),
    { timeout: 30000 }, FLEET);
  await page.select('#filter-state', 'active');
  await setInput(page, '#search', '');
  await setInput(page, '#filter-label', 'rack=r2');
  const all = (await c.must('GET', '/api/v1/nodes')).nodes;
  const picked = all.filter((n) => n.state === 'active' && n.labels.rack === 'r2').map((n) => n.id);
  assert.ok(picked.length > 20, `${picked.length} active in rack r2`);
  await waitRows(page, picked.length);
  await clickIn(page, '#pick-shown');
  await waitText(page, '#selected-count', new RegExp(`^${picked.length} selected$`));

  let sent = 0;
  const answer = (r) => {
    if (r.isInterceptResolutionHandled()) return;
    if (r.method() === 'POST' && /\/actions\/drain$/.test(new URL(r.url()).pathname)) {
      sent += 1;
      if (sent === 1) {
        r.respond({ status: 401, contentType: 'application/json',
          body: JSON.stringify({ error: 'unauthorized', field: '' }) });
        return;
      }
    }
    r.continue();
  };
  await page.setRequestInterception(true);
  page.on('request', answer);
  try {
    await clickIn(page, '#bulk-drain');
    await page.waitForSelector('#confirm[open]');
    await page.click('#confirm-ok');
    await page.waitForSelector('#token', { timeout: 10000 });
    await waitText(page, '#sign-in-error', /Session expired/);
    await waitText(page, '#notice', /^Drain stopped: the session expired\. \d+ of \d+ done/);
    await sleep(1000); // what a worker still running would send meanwhile
    assert.ok(sent >= 1 && sent <= 4, `${sent} drains sent after the first was refused (4 workers)`);
    const drained = (await c.must('GET', '/api/v1/nodes')).nodes
      .filter((n) => picked.includes(n.id) && n.state !== 'active').map((n) => n.id);
    assert.ok(drained.length <= 3, `${drained.length} drained of ${picked.length}`);
    for (const id of drained) await c.must('POST', `/api/v1/nodes/${id}/actions/undrain`);
  } finally {
    page.off('request', answer);
    await page.setRequestInterception(false);
  }
}

// Sets a filter input as typing would (an input event), in one step in the page: the filter bar
// may be rebuilt by a live refresh (a new state among the choices) between two keystrokes.
async function setInput(page, selector, text) {
  await page.evaluate((sel, value) => {
    const input = document.querySelector(sel);
    input.focus();
    input.value = value;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, selector, text);
}

// Clicks in the page, for the same reason.
async function clickIn(page, selector) {
  await page.waitForSelector(selector);
  await page.evaluate((sel) => document.querySelector(sel).click(), selector);
}

async function waitText(page, selector, pattern, timeout = 20000) {
  await page.waitForFunction((sel, src) => {
    const node = document.querySelector(sel);
    return node && new RegExp(src).test(node.textContent);
  }, { timeout, polling: 100 }, selector, pattern.source);
}

// A GET of `path` exactly as written: fetch() would resolve "%2e%2e" and ".." first.
// The coordinator answers a corrupt stored history with a 500 (tests/coordinator's
// node_history_test makes one for real); here the browser is handed that answer, and the node
// page must say so and still show a change made elsewhere.
async function checkHistoryError(page, c, id) {
  const answer = (r) => {
    if (r.isInterceptResolutionHandled()) return;
    if (new URL(r.url()).pathname === `/api/v1/nodes/${id}/history`) {
      r.respond({ status: 500, contentType: 'application/json',
        body: JSON.stringify({ error: `stored history/${id} is corrupt: not JSON`, field: '' }) });
    } else {
      r.continue();
    }
  };
  await page.setRequestInterception(true);
  page.on('request', answer);
  try {
    await c.must('POST', `/api/v1/nodes/${id}/actions/undrain`);
    await waitText(page, '#history-error', /Cannot read the history: stored history\/.* is corrupt/);
    await waitText(page, '#node-state .badge', /^active$/);
    assert.equal(await page.$('#node-state .drained-by'), null);
    assert.equal(await page.evaluate(() => window.photonNoReload), true, 'no reload');
  } finally {
    page.off('request', answer);
    await page.setRequestInterception(false);
  }
}

function rawGet(port, path) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
  });
}

async function checkHeaders(c) {
  step('headers, content types, traversal');
  const index = await c.call('GET', '/ui/', undefined, '');
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /^text\/html/);
  const csp = index.headers.get('content-security-policy');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(index.headers.get('x-frame-options'), 'DENY');
  assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  assert.doesNotMatch(index.text, /<script>|onclick=|javascript:/i, 'no inline script in index.html');
  const js = await c.call('GET', '/ui/app.js', undefined, '');
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  const css = await c.call('GET', '/ui/style.css', undefined, '');
  assert.match(css.headers.get('content-type'), /^text\/css/);
  // A revalidation with the ETag costs no body.
  const again = await fetch(`${c.url}/ui/app.js`, { headers: { 'If-None-Match': js.headers.get('etag') } });
  assert.equal(again.status, 304);
  for (const path of ['/ui/..%2fCMakeLists.txt', '/ui/%2e%2e', '/ui/../etc/passwd', '/ui/..%2f..%2fetc%2fpasswd',
    '/ui/nope.js', '/ui/a/b']) {
    const status = await rawGet(c.port, path);
    assert.equal(status, 404, `${path} must be 404, was ${status}`);
  }
  const bare = await fetch(`${c.url}/ui`, { redirect: 'manual' });
  assert.equal(bare.status, 308);
  assert.equal(bare.headers.get('location'), '/ui/');
  const watch = await c.call('GET', '/api/v1/watch?wait=61&since=1');
  assert.equal(watch.status, 400);
  assert.equal(watch.body.field, 'wait');
  assert.equal((await c.call('GET', '/api/v1/watch', undefined, 'wrong')).status, 401);
}

async function main() {
  const c = await new Coordinator(buildDir).start();
  let browser = null;
  // Ends well inside ctest's 600 s, closing the browser and the coordinator itself.
  const deadline = setTimeout(async () => {
    console.error(`[console] FAILED: not done in 480 s; coordinator log:\n${c.logText()}`);
    if (browser) await browser.close();
    c.stop();
    c.cleanup();
    process.exit(1);
  }, 480000);
  try {
    await c.applyCluster();
    step(`enrolling ${FLEET} simulated machines`);
    const nodes = await c.enrol(FLEET, { hostile: HOSTILE_N });
    const hostile = nodes[HOSTILE_N];
    await checkHeaders(c);
    // A service that no node can take, so that its unplaced slots carry a reason.
    await c.must('PUT', '/api/v1/services/edge-cache', {
      replicas: 2, selector: { labels: { tier: 'platinum' } },
      resources: { cpu_millis: 100, memory_bytes: 16 * 2 ** 20 },
      instance: { exec: ['/run/current-system/sw/bin/edge-cache'] },
    });

    const opened = await openBrowser();
    browser = opened;
    const { page, seen } = await watchedPage(opened.browser);

    step('a wrong token is refused');
    await page.goto(`${c.url}/ui/`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('#token');
    await page.type('#token', 'not-the-admin-token');
    await page.click('#sign-in');
    await waitText(page, '#sign-in-error', /refused/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('photon.admin-token')), null);
    await page.screenshot({ path: join(outDir, 'sign-in-refused.png') });

    step('sign in');
    await page.click('#token', { clickCount: 3 });
    await page.type('#token', ADMIN_TOKEN);
    await page.click('#sign-in');
    await page.waitForFunction((n) => (document.querySelector('#machines') || { dataset: {} }).dataset.loaded === String(n),
      { timeout: 30000 }, FLEET);
    assert.equal(await rowCount(page), FLEET);
    assert.equal(await page.evaluate(() => document.cookie), '');
    step('only the rows in view are drawn');
    await checkVirtualRows(page, nodes.map((n) => n.id));
    step('the arrows and Tab move through rows not drawn yet');
    await checkKeyboard(page, nodes.map((n) => n.id));
    // A marker that a reload would lose: every later change must arrive with it still set.
    await page.evaluate(() => { window.photonNoReload = true; });
    await page.screenshot({ path: join(outDir, 'machines.png') });

    step('filter by state and label, search');
    const all = await c.must('GET', '/api/v1/nodes');
    const active = all.nodes.filter((n) => n.state === 'active').length;
    assert.ok(active >= FLEET - 1, `${active} active of ${FLEET}`);
    await page.select('#filter-state', 'active');
    assert.equal(await rowCount(page), active);
    await setInput(page, '#filter-label', 'rack=r3');
    const r3 = all.nodes.filter((n) => n.state === 'active' && n.labels.rack === 'r3').length;
    await waitRows(page, r3);
    const labelsShown = await page.$$eval(`#machines tbody tr[data-node-id] td:nth-child(${COL.labels})`, (tds) => tds.map((td) => td.textContent));
    assert.ok(labelsShown.length > 0 && labelsShown.every((t) => t.includes('rack=r3')), 'every row shown has rack=r3');
    await page.screenshot({ path: join(outDir, 'machines-filtered.png') });

    step('select three machines, drain and undrain them in one confirmed step each');
    await checkBulkActions(page, c, outDir, hostile.id);
    await page.select('#filter-state', '');
    await setInput(page, '#filter-label', '');
    await setInput(page, '#search', hostile.id);
    await waitRows(page, 1);

    step('the node whose DMI vendor is HTML shows it as text');
    await clickIn(page, `#machines tbody tr[data-node-id="${hostile.id}"] a`);
    await waitText(page, 'main h1', new RegExp(hostile.id));
    await page.waitForSelector('#facts-h');
    const dmi = await page.$$eval('dl.facts dt', (dts) => Object.fromEntries(
      dts.map((dt) => [dt.textContent, dt.nextElementSibling.textContent])));
    assert.equal(dmi['DMI vendor'], HOSTILE);
    assert.equal(await page.$$eval('main img, main svg', (x) => x.length), 0, 'no element made of the facts');
    await sleep(500);
    assert.deepEqual(seen.dialogs, [], 'no dialog opened');
    await page.screenshot({ path: join(outDir, 'node-hostile-facts.png'), fullPage: true });
    // Its history: enrolled, then installed, as the simulated machine reported.
    const history = await page.$$eval('#history tbody tr', (trs) => trs.map((tr) => tr.textContent));
    assert.equal(history.length, 2, history.join(' | '));
    assert.match(history[0], /install-pending.*active.*install report: installed/);
    assert.match(history[1], /enrolled.*install-pending.*phone-home/);

    step('drain it and see the state change without a reload');
    await clickIn(page, '#action-drain');
    await page.waitForSelector('#confirm[open]');
    const question = await page.$eval('#confirm-text', (p) => p.textContent);
    assert.match(question, new RegExp(`Drain node ${hostile.id}`), 'the confirmation names the node');
    await page.screenshot({ path: join(outDir, 'confirm-drain.png') });
    await page.click('#confirm-ok');
    await waitText(page, '#node-state .badge', /draining|drained/);
    await waitText(page, '#node-state .drained-by', /^drained by operator$/);
    assert.equal(await page.evaluate(() => window.photonNoReload), true, 'no reload');
    const drained = await c.must('GET', `/api/v1/nodes/${hostile.id}`);
    assert.match(drained.state, /draining|drained/);
    step('the drain is the newest entry of its history, shown without a reload');
    await waitText(page, '#history', /active\s*draining\s*operator: drain/);
    await page.screenshot({ path: join(outDir, 'node-history.png'), fullPage: true });

    step('a history the coordinator cannot read is said, and the node page keeps refreshing');
    await checkHistoryError(page, c, hostile.id);

    step('a change made elsewhere shows without a reload');
    await page.goto(`${c.url}/ui/#/machines`);
    await page.waitForFunction((n) => (document.querySelector('#machines') || { dataset: {} }).dataset.loaded === String(n), {}, FLEET);
    await page.evaluate(() => { window.photonNoReload = true; });
    const other = nodes[7];
    await setInput(page, '#search', other.id);
    await waitRows(page, 1);
    await c.must('POST', `/api/v1/nodes/${other.id}/actions/drain`);
    await waitText(page, `#machines tbody tr[data-node-id="${other.id}"] td:nth-child(${COL.state}) .badge`, /draining|drained/);
    await waitText(page, `#machines tbody tr[data-node-id="${other.id}"] td:nth-child(${COL.state}) .drained-by`,
      /^drained by operator$/);
    assert.equal(await page.evaluate(() => window.photonNoReload), true, 'no reload');
    // The update read the changed node, not the fleet.
    const applied = await page.$eval('#machines', (t) => Number(t.dataset.applied));
    assert.ok(applied >= 1 && applied < 10, `the update applied ${applied} nodes`);

    step('follow a running deployment to its end');
    const targets = nodes.slice(20, 32);
    const created = await c.must('POST', '/api/v1/deployments', {
      system: storePath('nixos-system-web-2'), selector: { nodes: targets.map((n) => n.id) },
      max_parallel: 3, confirm_within_s: 60,
    });
    await page.goto(`${c.url}/ui/#/deployments`);
    await page.waitForSelector(`#deployments tr[data-deployment-id="${created.id}"]`);
    await clickIn(page, `#deployments tr[data-deployment-id="${created.id}"] a`);
    await waitText(page, '#deployment-state', /running/);
    await page.evaluate(() => { window.photonNoReload = true; });
    await page.screenshot({ path: join(outDir, 'deployment-running.png'), fullPage: true });
    const agents = simulateAgents(c, targets);
    try {
      await waitText(page, '#deployment-state', /succeeded/, 90000);
    } finally {
      await agents.stop();
    }
    assert.equal(await page.evaluate(() => window.photonNoReload), true, 'no reload');
    const statuses = await page.$$eval('#deployment-nodes tbody tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(statuses, targets.map(() => 'applied'));
    await page.screenshot({ path: join(outDir, 'deployment-succeeded.png'), fullPage: true });
    // The machines table shows the generation each agent reported.
    await page.goto(`${c.url}/ui/#/machines`);
    await page.waitForFunction((n) => (document.querySelector('#machines') || { dataset: {} }).dataset.loaded === String(n), {}, FLEET);
    await setInput(page, '#search', targets[0].id);
    await waitText(page, `#machines tbody tr[data-node-id="${targets[0].id}"] td:nth-child(${COL.generation})`, /^2 · applied$/);

    step('services with the reason of each unplaced slot');
    await page.goto(`${c.url}/ui/#/services/edge-cache`);
    await waitText(page, '#unplaced', /no node matches/, 30000);
    await page.screenshot({ path: join(outDir, 'service.png') });
    await page.goto(`${c.url}/ui/#/vms`);
    await waitText(page, 'main', /VMs/);
    await page.screenshot({ path: join(outDir, 'vms.png') });

    step('a token the coordinator no longer takes returns to sign-in');
    await page.evaluate(() => sessionStorage.setItem('photon.admin-token', 'revoked'));
    await page.goto(`${c.url}/ui/#/machines`);
    await page.waitForSelector('#token');

    step('a session that expires during a bulk drain stops every worker and says so');
    await checkBulkExpired(page, c);

    assert.deepEqual(seen.dialogs, [], 'no dialog opened');
    assert.deepEqual(seen.csp, [], 'no CSP violation');
    assert.deepEqual(seen.errors, [], 'no page error');
    assert.deepEqual(seen.offsite, [], 'no request beyond the coordinator');
    step(`passed; screenshots in ${outDir}`);
  } catch (e) {
    console.error(`[console] FAILED: ${e.stack || e}`);
    console.error(`[console] coordinator log:\n${c.logText()}`);
    process.exitCode = 1;
  } finally {
    clearTimeout(deadline);
    if (browser) await browser.close();
    c.stop();
    c.cleanup();
  }
}

main();
