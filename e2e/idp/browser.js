// browser.js: drives headless Chromium (npm playwright-core, the Debian
// chromium at /usr/bin/chromium) through fedstore's sign-in flows for the
// end-to-end tests, against interactive.js. Prints one JSON line: the final
// page's URL, status, text and (on fedstore's result page) the credentials.
//
//   node browser.js signin    --url FEDSTORE/login --provider NAME --login alice [--screenshot F]
//                             [--cancel] [--forge-state] [--replay]
//   node browser.js authorize --url AUTH_URL --login alice        (fedstore login's loopback flow)
//   node browser.js device    --url VERIFICATION_URI_COMPLETE --login alice
//
// --cancel aborts at the IdP (the IdP redirects back with error=access_denied);
// --forge-state calls the callback with a state of its own; --replay opens the
// callback URL again after a successful sign-in.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}
const flag = (name) => process.argv.includes(`--${name}`);

const mode = process.argv[2];
const startURL = arg('url');
const login = arg('login', 'alice');
const executablePath = arg('chromium', '/usr/bin/chromium');
const userDataDir = mkdtempSync(path.join(tmpdir(), 'fedstore-chromium-'));

const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  timeout: 30000,
});
const out = {};
try {
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(20000);
  let callbackURL = '';
  page.on('request', (req) => {
    if (req.isNavigationRequest() && req.url().includes('/login/callback')) callbackURL = req.url();
  });
  let resp = await page.goto(startURL);

  if (mode === 'signin') {
    await page.click(`#signin-${arg('provider', 'default')}`);
    await page.waitForLoadState();
    if (flag('forge-state')) {
      const base = new URL(startURL);
      resp = await page.goto(`${base.origin}/login/callback?code=forged-code&state=forged-state`);
    } else {
      resp = await idpSteps(page, flag('cancel'), (u) => u.includes('/login/callback')) || resp;
      if (flag('screenshot') || arg('screenshot')) {
        await page.screenshot({ path: arg('screenshot'), fullPage: true });
      }
      const text = async (sel) => (await page.locator(sel).count()) ? (await page.locator(sel).innerText()).trim() : '';
      out.access_key_id = await text('#access-key-id');
      out.secret_access_key = await text('#secret-access-key');
      out.session_token = await text('#session-token');
      out.expires = await text('#expires');
      out.exports = await text('#exports');
      out.buckets = (await page.locator('#buckets li').allInnerTexts()).map((s) => s.trim());
      if (flag('replay') && callbackURL) {
        out.first_status = resp ? resp.status() : 0;
        resp = await page.goto(callbackURL);
      }
    }
  } else if (mode === 'authorize') {
    resp = await idpSteps(page, false, (u) => u.startsWith('http://127.0.0.1') && u.includes('/callback?')) || resp;
  } else if (mode === 'device') {
    // The verification page asks to confirm the code, then the IdP logs in.
    await page.click('button[type=submit]:not([name=abort])');
    await page.waitForLoadState();
    resp = await idpSteps(page, false, (u) => u.includes('/device/') && !u.includes('/interaction/')) || resp;
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  out.url = page.url();
  out.status = resp ? resp.status() : 0;
  out.text = (await page.locator('body').innerText()).trim();
} catch (err) {
  out.error = String(err && err.stack || err);
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
console.log(JSON.stringify(out));

// idpSteps fills the oidc-provider dev login form and consents, until done(url).
async function idpSteps(page, cancel, done) {
  let last;
  for (let i = 0; i < 8; i++) {
    const u = page.url();
    if (done(u) && !u.includes('/interaction/')) return last;
    if (await page.locator('input[name=login]').count()) {
      if (cancel) {
        const nav = page.waitForNavigation();
        await page.click('text=[ Cancel ]');
        last = await nav.catch(() => null);
        await page.waitForLoadState();
        continue;
      }
      await page.fill('input[name=login]', login);
      await page.fill('input[name=password]', 'any-password');
    }
    const respP = page.waitForNavigation().catch(() => null);
    await page.click('button[type=submit]:not([name=abort])');
    last = await respP;
    await page.waitForLoadState();
  }
  throw new Error(`sign-in did not finish; at ${page.url()}`);
}
