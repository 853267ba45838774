import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { PNG } from 'pngjs';

/**
 * Debian's Chromium driven by playwright-core (no browser download): one browser per test
 * file, a fresh page per report. Everything the page logs and every request it makes is
 * recorded, so a test can assert that a report has no console errors and loads nothing.
 */
export const CHROMIUM = process.env.LEAKTRACE_CHROMIUM ?? '/usr/bin/chromium';

export interface OpenedReport {
  page: Page;
  /** Console messages of type error/warning, and uncaught page errors. */
  errors: string[];
  /** Every request other than the report file itself. */
  requests: string[];
}

export class ReportBrowser {
  private constructor(private readonly browser: Browser) {}

  static async launch(): Promise<ReportBrowser> {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    return new ReportBrowser(browser);
  }

  async open(file: string, viewport = { width: 1280, height: 900 }): Promise<OpenedReport> {
    const page = await this.browser.newPage({ viewport });
    const url = pathToFileURL(file).href;
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => {
      errors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    await page.goto(url, { waitUntil: 'load' });
    return { page, errors, requests };
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}

/** Mean and variance of the luminance of a PNG's pixels, and the share that is not near-white. */
export function pngStats(file: string): { width: number; height: number; mean: number; variance: number; inked: number } {
  const png = PNG.sync.read(readFileSync(file));
  const { data, width, height } = png;
  let sum = 0;
  let sumSq = 0;
  let inked = 0;
  const n = width * height;
  for (let i = 0; i < data.length; i += 4) {
    const y = 0.2126 * data[i] + 0.7152 * data[i + 1] + 0.0722 * data[i + 2];
    sum += y;
    sumSq += y * y;
    if (y < 235) inked++;
  }
  const mean = sum / n;
  return { width, height, mean, variance: sumSq / n - mean * mean, inked: inked / n };
}
