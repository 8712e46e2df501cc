// PDF through headless Chromium (page.pdf): the HTML report printed as is, so the text stays
// selectable and the SVG figures stay vector. playwright-core drives Debian's /usr/bin/chromium
// (or CHROMIUM_PATH).

export class PdfUnavailableError extends Error {
  override name = 'PdfUnavailableError';
}

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'];

/** Prints an HTML document to A4 PDF bytes. */
export async function htmlToPdf(
  html: string,
  chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
): Promise<Buffer> {
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
  try {
    const page = await browser.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    return await page.pdf({
      format: 'A4',
      printBackground: true,
      margin: { top: '14mm', bottom: '16mm', left: '12mm', right: '12mm' },
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate:
        '<div style="font-size:8px;width:100%;text-align:center;color:#666">page <span class="pageNumber"></span> of <span class="totalPages"></span></div>',
    });
  } finally {
    await browser.close();
  }
}
