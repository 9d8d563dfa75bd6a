import { createSocket } from 'node:dgram';
import { request } from 'node:http';
import { createConnection, createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

function bindTcp(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(null));
    srv.listen({ host: LOOPBACK, port, exclusive: true }, () => {
      const addr = srv.address();
      const bound = addr && typeof addr === 'object' ? addr.port : null;
      srv.close(() => resolve(bound));
    });
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    sock.once('error', () => resolve(false));
    sock.bind({ address: LOOPBACK, port, exclusive: true }, () => sock.close(() => resolve(true)));
  });
}

/**
 * A port free for both TCP and UDP on 127.0.0.1 (libtorrent and opentracker bind both).
 * Racy in principle; fine inside the tests' private network namespace.
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await bindTcp(0);
    if (port !== null && (await udpFree(port))) return port;
  }
  throw new Error('no free port on 127.0.0.1');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Thrown from a waitFor check to stop polling at once. */
export class GiveUp extends Error {}

/** Polls check until it returns a non-undefined value. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  { timeoutMs = 20_000, intervalMs = 50 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(intervalMs);
  }
}

export function tcpAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: LOOPBACK, port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** Minimal loopback HTTP client: returns status and body. */
export function httpRequest(
  port: number,
  path: string,
  { method = 'GET', body }: { method?: string; body?: string } = {},
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: LOOPBACK, port, path, method, agent: false, timeout: 5000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`HTTP ${method} ${path} timed out`)));
    req.on('error', reject);
    if (body !== undefined) req.setHeader('content-type', 'application/json');
    req.end(body);
  });
}
