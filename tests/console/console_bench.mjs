// Figures of the console in Chromium: time to first paint and to a full machines table of N
// nodes (default 5,000: all held, the rows in view drawn), the page's JavaScript heap and DOM
// size, the renderer's memory, the time to scroll to the last row, and how long a change made
// through the API takes to show in the open table. Three cold loads of each form of the list.
//   node tests/console/console_bench.mjs BUILD_DIR [NODES]
import { readFileSync, readdirSync } from 'node:fs';
import { Coordinator, ADMIN_TOKEN } from './fleet.mjs';
import { openBrowser, watchedPage } from './browser.mjs';

const [buildDir, countArg] = process.argv.slice(2);
if (!buildDir) {
  console.error('usage: console_bench.mjs BUILD_DIR [NODES]');
  process.exit(2);
}
const N = Number(countArg || 5000);

function loadavg() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

// The memory of the browser's renderer processes (its descendants started with
// --type=renderer): the largest one's PSS (the console's tab: shared pages counted in proportion,
// so the Chromium binary mapped by every process is not counted whole in each) and its RSS.
function rendererMemory(browserPid) {
  const parent = new Map();
  const renderers = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      parent.set(pid, (status.match(/^PPid:\s+(\d+)/m) || [])[1]);
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) renderers.push(pid);
    } catch { /* gone */ }
  }
  const descends = (pid) => {
    for (let p = pid, i = 0; p && i < 20; p = parent.get(p), i += 1) if (p === String(browserPid)) return true;
    return false;
  };
  let best = { pss: 0, rss: 0 };
  for (const pid of renderers.filter(descends)) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const pss = Number((rollup.match(/^Pss:\s+(\d+)/m) || [0, 0])[1]) * 1024;
      const rss = Number((rollup.match(/^Rss:\s+(\d+)/m) || [0, 0])[1]) * 1024;
      if (pss > best.pss) best = { pss, rss };
    } catch { /* gone */ }
  }
  return best;
}

const mb = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;

async function main() {
  const c = await new Coordinator(buildDir).start();
  let browser = null;
  try {
    await c.applyCluster();
    let t = Date.now();
    const nodes = await c.enrol(N, { parallel: 32 });
    console.log(`enrolled ${N} nodes in ${((Date.now() - t) / 1000).toFixed(1)} s; load ${loadavg()}`);
    // The full list and the table's form of it (what the console reads), from Node's fetch.
    for (const path of ['/api/v1/nodes?with=system', '/api/v1/nodes?view=table&with=system']) {
      t = Date.now();
      const list = await c.call('GET', path);
      console.log(`GET ${path}: ${list.status}, ${mb(Buffer.byteLength(list.text))} of JSON in ${Date.now() - t} ms`);
    }
    browser = await openBrowser();
    // Each run loads the console twice, reading the table's form of the list (as it does) and,
    // for comparison on the same binary and load, the full form (the URL rewritten in flight:
    // what the console read before view=table). Both pass through the same interception.
    for (let run = 1; run <= 3; run += 1) for (const form of ['full', 'table']) {
      const { page } = await watchedPage(browser.browser);
      await page.setRequestInterception(true);
      page.on('request', (r) => {
        if (r.isInterceptResolutionHandled()) return;
        const u = new URL(r.url());
        if (form === 'full' && u.pathname === '/api/v1/nodes' && u.searchParams.get('view') === 'table') {
          u.searchParams.delete('view');
          r.continue({ url: u.toString() });
        } else {
          r.continue();
        }
      });
      await page.evaluateOnNewDocument((token) => sessionStorage.setItem('photon.admin-token', token), ADMIN_TOKEN);
      await page.goto(`${c.url}/ui/#/machines`);
      // The full table: all N nodes held and passing the (empty) filters, the rows in view drawn.
      const full = await page.waitForFunction((n) => {
        const table = document.querySelector('#machines');
        if (!table || table.dataset.loaded !== String(n) || table.dataset.shown !== String(n)) return false;
        return table.querySelector('tbody tr[data-node-id]') ? performance.now() : false;
      }, { polling: 'raf', timeout: 120000 }, N);
      const fullMs = await full.jsonValue();
      const paint = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('paint').map((p) => [p.name, p.startTime])));
      const m = await page.metrics();
      const mem = rendererMemory(browser.browser.process().pid);
      // How much of it was the coordinator's answer: the end of the nodes' response.
      const fetched = await page.evaluate(() => {
        const e = performance.getEntriesByType('resource').find((r) => r.name.includes('/api/v1/nodes'));
        return e ? { end: e.responseEnd, bytes: e.decodedBodySize } : { end: 0, bytes: 0 };
      });
      // Scrolling to the last row: the frames it takes to draw it.
      const scrollMs = await page.evaluate(() => new Promise((resolve) => {
        const scroller = document.getElementById('machines-scroll');
        const start = performance.now();
        scroller.scrollTop = scroller.scrollHeight;
        const check = () => {
          const rows = document.querySelectorAll('#machines tbody tr[data-node-id]');
          const last = rows[rows.length - 1];
          if (last && last.getAttribute('aria-rowindex') === String(Number(document.querySelector('#machines').dataset.shown) + 1)) {
            resolve(performance.now() - start);
          } else {
            requestAnimationFrame(check);
          }
        };
        requestAnimationFrame(check);
      }));
      const drawn = await page.$$eval('#machines tbody tr[data-node-id]', (rows) => rows.length);
      console.log(`run ${run} (${form} list): first paint ${Math.round(paint['first-paint'])} ms, first contentful paint ${Math.round(paint['first-contentful-paint'])} ms, ` +
        `full table of ${N} ${Math.round(fullMs)} ms (nodes read by ${Math.round(fetched.end)} ms: ${mb(fetched.bytes)}); JS heap used ${mb(m.JSHeapUsedSize)} (total ${mb(m.JSHeapTotalSize)}), ` +
        `DOM nodes ${m.Nodes} (${drawn} rows drawn), the tab's renderer PSS ${mb(mem.pss)} (RSS ${mb(mem.rss)}); ` +
        `scrolled to the last row in ${Math.round(scrollMs)} ms; load ${loadavg()}`);
      if (run === 3 && form === 'table') {
        // A change made elsewhere, to a row in view (the watch, then a read of what changed).
        const target = nodes[N - 1].id;
        await page.evaluate((id) => {
          const input = document.getElementById('search');
          input.value = id;
          input.dispatchEvent(new Event('input', { bubbles: true }));
        }, target);
        await page.waitForSelector(`#machines tr[data-node-id="${target}"]`, { timeout: 10000 });
        const start = Date.now();
        await c.must('POST', `/api/v1/nodes/${target}/actions/drain`);
        await page.waitForFunction((id) => {
          const row = document.querySelector(`#machines tr[data-node-id="${id}"]`);
          return row && /drain/.test(row.cells[3].textContent);
        }, { polling: 'raf', timeout: 60000 }, target);
        const applied = await page.$eval('#machines', (t) => t.dataset.applied);
        console.log(`a drain through the API shown in the open table after ${Date.now() - start} ms (the update applied ${applied} node(s))`);
      }
      await page.close();
    }
  } finally {
    if (browser) await browser.close();
    c.stop();
    c.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
