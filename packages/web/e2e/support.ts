/**
 * Browser tests' support: Debian's chromium driven by playwright-core (never a
 * downloaded browser), the inbox build, `newton` CLI calls, and small waits.
 * In CI (CI=true) a missing chromium fails the test with a plain message;
 * elsewhere the test is skipped with that message.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '../../..');
export const WEB_BUILD = path.resolve(here, '../build');
export const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');
const NEWTON_BIN = path.join(ROOT, 'packages/server/bin/newton.js');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Skips (or, in CI, fails) when chromium is not installed. Returns false when skipped. */
export function requireChromium(t: TestContext): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `chromium is not installed at ${CHROMIUM} (install it with: apt-get install -y chromium)`;
  if (process.env.CI === 'true') throw new Error(message);
  t.skip(message);
  return false;
}

/** Builds the inbox when `packages/web/build` is missing (`npm test` builds it first anyway). */
export function ensureWebBuild(): void {
  if (existsSync(path.join(WEB_BUILD, 'index.html'))) return;
  execFileSync('npm', ['run', 'build', '-w', '@newton/web'], { cwd: ROOT, stdio: 'ignore' });
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

/** A fresh context (own storage) and page; `locale` drives navigator.language. */
export async function newPage(
  browser: Browser,
  opts: { locale?: string; width?: number; height?: number; timezoneId?: string } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    locale: opts.locale ?? 'es-CO',
    ...(opts.timezoneId ? { timezoneId: opts.timezoneId } : {}),
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  return { context, page };
}

/** Launches chromium for test `t` (closed after it) and opens a fresh page in it (see newPage). */
export async function openPage(
  t: TestContext,
  opts: Parameters<typeof newPage>[1] = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const browser = await launch();
  t.after(() => browser.close());
  return newPage(browser, opts);
}

/** Signs in by pasting a token on /login; resolves once the inbox shows. */
export async function signInWithToken(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByTestId('token').fill(token);
  await page.getByTestId('token').press('Tab');
  await page.locator('form button[type=submit]').click();
  await page.waitForURL(`${baseUrl}/`);
}

/** Waits until the connection indicator shows `color`. */
export async function waitForIndicator(page: Page, color: string, timeoutMs = 15_000): Promise<void> {
  await page.locator(`[data-testid=connection][data-color=${color}]`).waitFor({ timeout: timeoutMs });
}

/** Runs `newton <args>` against a server (env carries DATA_DIR, DATABASE_URL, NEWTON_URL). */
export function newton(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [NEWTON_BIN, ...args], { env, cwd: ROOT }, (err, stdout, stderr) => {
      if (err) reject(new Error(`newton ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, name);
}

/** True when this run should write the README's screenshots (once, from the SQLite pass). */
export function writesScreenshots(): boolean {
  return (process.env.NEWTON_TEST_DB ?? 'sqlite') === 'sqlite';
}
