// A minimal HTTP client over node:http, so tests control every header (Host included).
import { createHash } from 'node:crypto';
import { request } from 'node:http';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** False when the server closed the connection before Content-Length bytes arrived. */
  complete: boolean;
}

export function httpGet(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    /** Called when the status line and headers have arrived, before any body byte. */
    onResponse?: () => void;
    onFirstChunk?: () => void;
  } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        options.onResponse?.();
        const chunks: Buffer[] = [];
        let first = true;
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          if (first) {
            first = false;
            options.onFirstChunk?.();
          }
        });
        const finish = (complete: boolean) =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            complete,
          });
        res.on('end', () => finish(res.complete));
        res.on('error', () => finish(false));
        res.on('aborted', () => finish(false));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Reads [first, last] of a file from disk, for comparing with what was served. */
export async function fileSlice(path: string, first: number, last: number): Promise<Buffer> {
  const { open } = await import('node:fs/promises');
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(last - first + 1);
    await handle.read(buffer, 0, buffer.length, first);
    return buffer;
  } finally {
    await handle.close();
  }
}

/**
 * A GET of the whole stream; `onBytes` sees the byte count so far after every chunk (a player
 * that reports what it has). Resolves with the body's sha256 and length.
 */
export function readAll(
  url: string,
  onBytes: (received: number) => void = () => {},
): Promise<{ sha256: string; length: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      const hash = createHash('sha256');
      let length = 0;
      res.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        length += chunk.length;
        onBytes(length);
      });
      res.on('end', () => resolve({ sha256: hash.digest('hex'), length }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
