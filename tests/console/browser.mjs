// Debian's chromium, headless, driven by puppeteer-core (no browser download): a page that
// records every JavaScript dialog, page error and CSP report, so that a test can assert that
// nothing a machine reported ran as script.
import puppeteer from 'puppeteer-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.PHOTON_CHROMIUM || '/usr/bin/chromium';

export async function openBrowser({ width = 1280, height = 800 } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'photon-test-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    defaultViewport: { width, height },
    // --no-sandbox: the tests run as root in CI, where Chromium's sandbox refuses to start.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--enable-precise-memory-info'],
  });
  const close = async () => {
    await browser.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  };
  return { browser, close };
}

export async function watchedPage(browser) {
  const page = await browser.newPage();
  const seen = { dialogs: [], errors: [], csp: [], offsite: [] };
  page.on('dialog', async (d) => {
    seen.dialogs.push(d.message());
    await d.dismiss().catch(() => {});
  });
  page.on('pageerror', (e) => seen.errors.push(String(e.message || e)));
  page.on('console', (m) => {
    const text = m.text();
    if (/Content.Security.Policy/i.test(text)) seen.csp.push(text);
    if (m.type() === 'error' && !/Failed to load resource/.test(text)) seen.errors.push(text);
  });
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith('http://127.0.0.1:') || /\/x$/.test(url)) seen.offsite.push(url);
  });
  return { page, seen };
}
