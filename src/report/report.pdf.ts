// PDF through headless Chromium (page.pdf): the HTML report printed as is, so the text stays
// selectable and the SVG figures stay vector. playwright-core drives Debian's /usr/bin/chromium
// (or CHROMIUM_PATH). The report is our own HTML, but it holds text people typed: the page runs
// with JavaScript off and every network request refused, so nothing in it can run or call out; at
// most PDF_CONCURRENCY renders run at once (a Chromium each), the rest wait their turn, and each
// render has a time limit after which its browser is closed.

import { Semaphore } from 'async-mutex';

export const PDF_CONCURRENCY = 2;
export const PDF_TIMEOUT_MS = 60_000;

const renders = new Semaphore(PDF_CONCURRENCY);
/** Renders running now and the most seen at once (read by tests). */
export const pdfRenderLoad = { active: 0, peak: 0 };

export class PdfUnavailableError extends Error {
  override name = 'PdfUnavailableError';
}

export class PdfTimeoutError extends Error {
  override name = 'PdfTimeoutError';
}

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'];

/** Prints an HTML document to A4 PDF bytes, waiting for a free render slot first. */
export function htmlToPdf(
  html: string,
  chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  options: { timeoutMs?: number } = {},
): Promise<Buffer> {
  return renders.runExclusive(async () => {
    pdfRenderLoad.active += 1;
    pdfRenderLoad.peak = Math.max(pdfRenderLoad.peak, pdfRenderLoad.active);
    try {
      return await renderPdf(html, chromiumPath, options.timeoutMs ?? PDF_TIMEOUT_MS);
    } finally {
      pdfRenderLoad.active -= 1;
    }
  });
}

async function renderPdf(html: string, chromiumPath: string, timeoutMs: number): Promise<Buffer> {
  let playwright: typeof import('playwright-core');
  try {
    playwright = await import('playwright-core');
  } catch {
    throw new PdfUnavailableError(
      'PDF output needs the playwright-core package: run `npm install` in the exotrial folder.',
    );
  }
  let browser: import('playwright-core').Browser;
  try {
    browser = await playwright.chromium.launch({
      executablePath: chromiumPath,
      args: CHROMIUM_ARGS,
      headless: true,
    });
  } catch (error) {
    throw new PdfUnavailableError(
      `PDF output needs Chromium at ${chromiumPath} (install Debian's chromium package or set CHROMIUM_PATH): ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new PdfTimeoutError(`The PDF took longer than ${timeoutMs / 1000} s to render and was stopped.`),
      );
      void browser.close();
    }, timeoutMs);
  });
  try {
    return await Promise.race([print(browser, html), timedOut]);
  } finally {
    clearTimeout(timer);
    await browser.close();
  }
}

async function print(browser: import('playwright-core').Browser, html: string): Promise<Buffer> {
  const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
  // Refused before it leaves: images, styles, fonts, frames, anything with a URL.
  await context.route('**/*', (route) => route.abort('blockedbyclient'));
  const page = await context.newPage();
  await page.setContent(html, { waitUntil: 'load' });
  return page.pdf({
    format: 'A4',
    printBackground: true,
    margin: { top: '14mm', bottom: '16mm', left: '12mm', right: '12mm' },
    displayHeaderFooter: true,
    headerTemplate: '<span></span>',
    footerTemplate:
      '<div style="font-size:8px;width:100%;text-align:center;color:#666">page <span class="pageNumber"></span> of <span class="totalPages"></span></div>',
  });
}
