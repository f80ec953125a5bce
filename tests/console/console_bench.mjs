// Figures of the console in Chromium: time to first paint and to a full machines table of N
// nodes (default 5,000), the page's JavaScript heap and DOM size, the renderer's RSS, and how
// long a change made through the API takes to show in the open table. Three cold loads.
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
    t = Date.now();
    const list = await c.call('GET', '/api/v1/nodes');
    console.log(`GET /api/v1/nodes: ${(list.text.length / 2 ** 20).toFixed(1)} MiB of JSON in ${Date.now() - t} ms`);
    browser = await openBrowser();
    for (let run = 1; run <= 3; run += 1) {
      const { page } = await watchedPage(browser.browser);
      await page.evaluateOnNewDocument((token) => sessionStorage.setItem('photon.admin-token', token), ADMIN_TOKEN);
      await page.goto(`${c.url}/ui/#/machines`);
      const full = await page.waitForFunction((n) => {
        const table = document.querySelector('#machines');
        if (!table || table.dataset.loaded !== String(n)) return false;
        return table.tBodies[0].rows.length === n ? performance.now() : false;
      }, { polling: 'raf', timeout: 120000 }, N);
      const fullMs = await full.jsonValue();
      const paint = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('paint').map((p) => [p.name, p.startTime])));
      const m = await page.metrics();
      const mem = rendererMemory(browser.browser.process().pid);
      // How much of it was the coordinator's answer: the end of the nodes' response.
      const fetched = await page.evaluate(() => {
        const e = performance.getEntriesByType('resource').find((r) => r.name.includes('/api/v1/nodes'));
        return e ? e.responseEnd : 0;
      });
      console.log(`run ${run}: first paint ${Math.round(paint['first-paint'])} ms, first contentful paint ${Math.round(paint['first-contentful-paint'])} ms, ` +
        `full table of ${N} ${Math.round(fullMs)} ms (nodes read by ${Math.round(fetched)} ms); JS heap used ${mb(m.JSHeapUsedSize)} (total ${mb(m.JSHeapTotalSize)}), ` +
        `DOM nodes ${m.Nodes}, the tab's renderer PSS ${mb(mem.pss)} (RSS ${mb(mem.rss)}); load ${loadavg()}`);
      if (run === 3) {
        // A change made elsewhere, to the row in the open table (the watch, then one re-read).
        const target = nodes[N - 1].id;
        const start = Date.now();
        await c.must('POST', `/api/v1/nodes/${target}/actions/drain`);
        await page.waitForFunction((id) => {
          const row = document.querySelector(`#machines tr[data-node-id="${id}"]`);
          return row && /drain/.test(row.cells[2].textContent);
        }, { polling: 'raf', timeout: 60000 }, target);
        console.log(`a drain through the API shown in the open table after ${Date.now() - start} ms`);
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
