import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createTestEnv, launchApp, REPO_ROOT, type LaunchedProcess, type TestEnv } from '@mesh/testing';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * What every browser test of the console starts with: Debian's chromium and a built console
 * checked, a test env with the API listening on a free port, and a browser page logged in with
 * tenant A's key whose uncaught errors and Content-Security-Policy violations are collected (each
 * test file checks them after every test).
 */

export const CHROMIUM = '/usr/bin/chromium';
export const CONSOLE_KEY = 'key-tenant-a-123';

export interface ConsoleApi {
  t: TestEnv;
  api: LaunchedProcess;
  apiUrl: string;
}

/** The checks a browser test needs to mean anything, then a test env (own schema and prefix) with the API started. */
export async function startConsoleApi(name: string, env: Record<string, string> = {}): Promise<ConsoleApi> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium with \`apt-get install -y chromium\` (./scripts/test installs it when missing)`);
  }
  const index = join(REPO_ROOT, 'apps', 'console', 'dist', 'index.html');
  if (!existsSync(index)) throw new Error(`${index} is missing: run \`npm run build\` (./scripts/test builds first)`);
  const t = await createTestEnv(name, { ...env, PORT: '0', HOST: '127.0.0.1' });
  const api = await launchApp('api', t.env);
  const apiUrl = (JSON.parse((await api.waitForLine(/"message":"api listening"/)).trim()) as { url: string }).url;
  return { t, api, apiUrl };
}

export interface ConsoleBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and CSP violations since the last check. */
  problems: string[];
  close(): Promise<void>;
}

export async function openConsoleBrowser(key = CONSOLE_KEY): Promise<ConsoleBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Playwright gives every launch a fresh temporary profile (--user-data-dir).
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ httpCredentials: { username: 'console-test', password: key }, viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (message) => {
    if (/Content.Security.Policy|Uncaught|React/i.test(message.text())) problems.push(`console ${message.type()}: ${message.text()}`);
  });
  return {
    browser,
    context,
    page,
    problems,
    async close() {
      await context.close().catch(() => {});
      await browser.close().catch(() => {});
    },
  };
}
