import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
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
 * The harness hands out ports below the kernel's ephemeral range, which scripts/hermetic.sh
 * moves up to 40000–60999 inside the tests' namespace. Before, a port found by binding port 0
 * could be taken by an engine session's own ephemeral bind before the seeder bound it
 * ("Address already in use" from aria2c, one CI run in two). Each process starts at its own
 * offset, so parallel ava workers rarely probe the same ports; the bind check covers the rest.
 */
export const HARNESS_PORTS = { first: 20000, last: 39999 } as const;
let nextPort =
  HARNESS_PORTS.first + ((process.pid * 211) % (HARNESS_PORTS.last - HARNESS_PORTS.first + 1));

/** Whether the namespace's ephemeral range leaves the harness's ports alone (hermetic.sh). */
function ephemeralRangeAboveHarness(): boolean {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/);
    return Number(low) > HARNESS_PORTS.last;
  } catch {
    return false;
  }
}

/**
 * A port free for both TCP and UDP on 127.0.0.1 (libtorrent and opentracker bind both), from
 * the harness's own range when the ephemeral range is above it, else any free port.
 */
export async function freePort(): Promise<number> {
  const own = ephemeralRangeAboveHarness();
  for (let i = 0; i < 200; i++) {
    let port: number | null;
    if (own) {
      port = nextPort;
      nextPort = port >= HARNESS_PORTS.last ? HARNESS_PORTS.first : port + 1;
      port = await bindTcp(port);
    } else {
      port = await bindTcp(0);
    }
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
