// Screenshots of the local_moodle_zoho_sync pages on a live Moodle, with headless Chromium (playwright-core).
//
//   npm install            # once, in this folder (node_modules is git-ignored)
//   node take.mjs          # writes ../../docs/screenshots/*.png
//
// Environment: MOODLE_URL (http://127.0.0.1:8045), ADMIN_USER (admin) and ADMIN_PASS (required),
//   STUDENT_USER (demo.student, created by seed-demo.php) and STUDENT_PASS (required),
//   CHROMIUM (/usr/bin/chromium), OUT_DIR (../../docs/screenshots).
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const base = (process.env.MOODLE_URL || 'http://127.0.0.1:8045').replace(/\/$/, '');
const out = resolve(process.env.OUT_DIR || join(here, '..', '..', 'docs', 'screenshots'));
// Passwords come from the environment only, never from this file.
for (const name of ['ADMIN_PASS', 'STUDENT_PASS']) {
  if (!process.env[name]) {
    console.error(`set ${name} (the password of the account to log in with)`);
    process.exit(2);
  }
}
const admin = [process.env.ADMIN_USER || 'admin', process.env.ADMIN_PASS];
const student = [process.env.STUDENT_USER || 'demo.student', process.env.STUDENT_PASS];
mkdirSync(out, { recursive: true });

async function session(user, pass, fn) {
  // A new, empty profile per user: no shared cookies, no first-run or background traffic.
  const profile = mkdtempSync(join(tmpdir(), 'mzs-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = context.pages()[0] || await context.newPage();
    await page.goto(`${base}/login/index.php`);
    await page.fill('#username', user);
    await page.fill('#password', pass);
    await Promise.all([page.waitForNavigation(), page.click('#loginbtn')]);
    if (page.url().includes('/login/index.php')) {
      throw new Error(`login failed for ${user}`);
    }
    await fn(page);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

async function shot(page, path, name, options = {}) {
  const response = await page.goto(`${base}${path}`, { waitUntil: 'networkidle' });
  if (!response || response.status() !== 200) {
    throw new Error(`${path}: HTTP ${response && response.status()}`);
  }
  // Moodle's error page has no .local-mzs wrapper: fail loudly instead of saving an error screenshot.
  await page.waitForSelector('.local-mzs', { timeout: 10000 });
  const file = join(out, name);
  await page.screenshot({ path: file, fullPage: true, ...options });
  console.log(`saved ${file}`);
}

await session(...admin, async (page) => {
  await shot(page, '/local/moodle_zoho_sync/health.php', 'health-admin.png');
  await shot(page, '/local/moodle_zoho_sync/health.php?outcome=failed', 'health-admin-failed-filter.png');
});

await session(...student, async (page) => {
  await shot(page, '/local/moodle_zoho_sync/mystudies.php?lang=en', 'mystudies-student-en.png');
  // The user menu with its "My studies" entry.
  await page.click('#user-menu-toggle');
  await page.waitForSelector('#user-action-menu a[href*="mystudies.php"]');
  await page.screenshot({ path: join(out, 'usermenu-student-en.png'), clip: { x: 780, y: 0, width: 500, height: 520 } });
  console.log(`saved ${join(out, 'usermenu-student-en.png')}`);
  // Right-to-left: needs an "ar" language on the site (see README.md).
  await shot(page, '/local/moodle_zoho_sync/mystudies.php?lang=ar', 'mystudies-student-ar-rtl.png');
  const dir = await page.getAttribute('html', 'dir');
  if (dir !== 'rtl') {
    throw new Error(`expected <html dir="rtl"> with lang=ar, got ${dir}`);
  }
  await page.goto(`${base}/local/moodle_zoho_sync/mystudies.php?lang=en`);
});
