import { ApiError, type ApiErrorBody } from '../../api/client.ts';

export interface PrivacyChoice {
  includeIdentifiers: boolean;
  /** Empty: dates as recorded. */
  dateShiftKey: string;
}

export interface DownloadProgress {
  bytes: number;
  /** Known only when the server sends a length; exports stream, so usually null. */
  total: number | null;
}

/** The file name of an attachment, from Content-Disposition. */
function fileNameOf(response: Response, fallback: string): string {
  const header = response.headers.get('content-disposition') ?? '';
  return /filename="([^"]+)"/.exec(header)?.[1] ?? fallback;
}

/**
 * Downloads an export through fetch, reading the stream to report the bytes received as they come,
 * then hands the file to the browser. The date-shifting key goes in a header, never in the URL.
 */
export async function downloadExport(
  path: string,
  query: Record<string, string>,
  privacy: PrivacyChoice,
  onProgress: (progress: DownloadProgress) => void,
  signal?: AbortSignal,
): Promise<{ fileName: string; bytes: number }> {
  const parameters = new URLSearchParams({
    ...query,
    includeIdentifiers: String(privacy.includeIdentifiers),
  });
  const headers: Record<string, string> = {};
  if (privacy.dateShiftKey) headers['x-date-shift-key'] = privacy.dateShiftKey;
  const response = await fetch(`/api/v1${path}?${parameters}`, {
    headers,
    credentials: 'same-origin',
    signal,
  });
  if (!response.ok) {
    const text = await response.text();
    let body: ApiErrorBody = { error: 'internal', message: `HTTP ${response.status}` };
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === 'object' && 'error' in parsed) body = parsed as ApiErrorBody;
    } catch {
      // Not JSON: keep the status line.
    }
    throw new ApiError(response.status, body);
  }
  const length = Number(response.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? length : null;
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let bytes = 0;
  onProgress({ bytes, total });
  const reader = response.body?.getReader();
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      bytes += value.length;
      onProgress({ bytes, total });
    }
  }
  const type = response.headers.get('content-type') ?? 'application/octet-stream';
  const url = URL.createObjectURL(new Blob(parts, { type }));
  const fileName = fileNameOf(response, 'export');
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return { fileName, bytes };
}

/** Bytes for people: 512 B, 12.3 kB, 4.5 MB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
