import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { htmlToPdf, PDF_CONCURRENCY, PdfTimeoutError, pdfRenderLoad } from '../../src/report/report.pdf.ts';

/**
 * The report PDF is printed by Chromium from HTML that holds text people typed: nothing in it may
 * run or reach the network, renders queue beyond PDF_CONCURRENCY, and a render that hangs is stopped.
 */
describe('PDF rendering through Chromium', () => {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    response.writeHead(200, { 'content-type': 'image/png' }).end();
  });
  let origin = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('runs no script and sends no request', async () => {
    const html = `<!doctype html><html><head><title>plain</title>
      <link rel="stylesheet" href="${origin}/style.css"></head>
      <body><p>report</p><img src="${origin}/image.png">
      <script>document.title = 'SCRIPT-RAN'; fetch('${origin}/script'); new Image().src = '${origin}/beacon';</script>
      <iframe src="${origin}/frame"></iframe></body></html>`;
    const pdf = await htmlToPdf(html);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(requests).toEqual([]);
    // Chromium writes the document title into the PDF's Info dictionary (UTF-16BE, hex or literal).
    const raw = pdf.toString('latin1');
    const utf16 = (text: string) => Buffer.from(text, 'utf16le').swap16().toString('latin1');
    const hex = (text: string) => Buffer.from(text, 'utf16le').swap16().toString('hex').toUpperCase();
    const seen = (text: string) =>
      raw.includes(text) || raw.includes(utf16(text)) || raw.toUpperCase().includes(hex(text));
    expect(seen('plain')).toBe(true);
    expect(seen('SCRIPT-RAN')).toBe(false);
  }, 180_000);

  it(`renders at most ${PDF_CONCURRENCY} at once and queues the rest`, async () => {
    pdfRenderLoad.peak = 0;
    const pdfs = await Promise.all(
      Array.from({ length: PDF_CONCURRENCY + 2 }, (_, index) => htmlToPdf(`<p>report ${index}</p>`)),
    );
    expect(pdfs).toHaveLength(PDF_CONCURRENCY + 2);
    expect(pdfRenderLoad.peak).toBe(PDF_CONCURRENCY);
    expect(pdfRenderLoad.active).toBe(0);
  }, 300_000);

  it('stops a render that passes its time limit', async () => {
    await expect(htmlToPdf('<p>report</p>', undefined, { timeoutMs: 1 })).rejects.toBeInstanceOf(
      PdfTimeoutError,
    );
    expect(pdfRenderLoad.active).toBe(0);
  }, 180_000);
});
