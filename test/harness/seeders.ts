import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freePort, GiveUp, httpRequest, LOOPBACK, tcpAccepts, waitFor } from './net.ts';
import { PYTHON, spawnTied, type Tied } from './proc.ts';

export type SeederKind = 'aria2' | 'libtorrent';

export interface SeederOptions {
  torrentPath: string;
  /** Directory that contains the torrent's content (its save path). */
  dataDir: string;
  /** Listen port; a free one is picked when omitted. */
  port?: number;
  /** Bytes per second; applies to loopback peers too. */
  uploadLimit?: number;
  /** Announce URLs to report to (e.g. a Tracker's announceUrl). */
  trackers?: readonly string[];
  readyTimeoutMs?: number;
  /**
   * aria2 only: seed the data as it is, without hashing it first (`--bt-seed-unverified`): a
   * copy with flipped bytes then goes out as if it were good, as a lying peer's would.
   */
  unverified?: boolean;
}

export interface Seeder {
  kind: SeederKind;
  port: number;
  /** '127.0.0.1:PORT', as for magnet x.pe or connect_peer. */
  peer: string;
  pid: number;
  /** Output captured so far, for test failure messages. */
  output(): string;
  /**
   * Connections this seeder closed because the leecher said it was upload-only (libtorrent's
   * "upload to upload connection"); always 0 for aria2, which does not report them.
   */
  uploadOnlyDrops(): number;
  stop(): Promise<void>;
}

const LT_SEEDER = fileURLToPath(new URL('./lt_seeder.py', import.meta.url));

function seeder(kind: SeederKind, port: number, proc: Tied): Seeder {
  const pid = proc.child.pid ?? -1;
  let drops = 0;
  proc.onLine((line) => {
    if (line.startsWith('DROPPED upload-only ')) drops += 1;
  });
  // aria2c takes a full second to shut down gracefully, even on a second signal; a seeder
  // has nothing to save, so it is simply killed.
  const stop = (): Promise<void> => (kind === 'aria2' ? proc.stop(0, 'SIGKILL') : proc.stop());
  return {
    kind,
    port,
    peer: `${LOOPBACK}:${port}`,
    pid,
    output: () => proc.output(),
    uploadOnlyDrops: () => drops,
    stop,
  };
}

/** Waits for ready() of a started process; kills the process if that fails so nothing leaks. */
export async function startOrKill(proc: Tied, ready: () => Promise<void>): Promise<void> {
  try {
    await ready();
  } catch (err) {
    await proc.stop(1000);
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(
      msg.includes('--- output ---') ? msg : `${msg}\n--- output ---\n${proc.output()}`,
    );
  }
}

export async function startLibtorrentSeeder(opts: SeederOptions): Promise<Seeder> {
  const args = [
    LT_SEEDER,
    '--torrent',
    opts.torrentPath,
    '--save-path',
    opts.dataDir,
    '--port',
    String(opts.port ?? 0),
  ];
  if (opts.uploadLimit) args.push('--upload-limit', String(opts.uploadLimit));
  for (const tr of opts.trackers ?? []) args.push('--tracker', tr);
  const proc = spawnTied(PYTHON, args, { guard: 'stdin' });
  let port = 0;
  await startOrKill(proc, async () => {
    const m = await proc.waitForLine(/^READY (\d+)$/, opts.readyTimeoutMs ?? 60_000);
    port = Number(m[1]);
  });
  return seeder('libtorrent', port, proc);
}

interface Aria2Status {
  status?: string;
  seeder?: string;
  completedLength?: string;
  totalLength?: string;
}

async function aria2Active(rpcPort: number, secret: string): Promise<Aria2Status[]> {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'aria2.tellActive',
    params: [`token:${secret}`, ['status', 'seeder', 'completedLength', 'totalLength']],
  });
  const res = await httpRequest(rpcPort, '/jsonrpc', { method: 'POST', body });
  const parsed: unknown = JSON.parse(res.body.toString());
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    !('result' in parsed) ||
    !Array.isArray(parsed.result)
  ) {
    throw new Error(`aria2 RPC: ${res.body.toString()}`);
  }
  return parsed.result as Aria2Status[];
}

export async function startAria2Seeder(opts: SeederOptions): Promise<Seeder> {
  const port = opts.port ?? (await freePort());
  const rpcPort = await freePort();
  const secret = randomBytes(12).toString('hex');
  const args = [
    '--no-conf',
    '--seed-ratio=0.0', // seed forever
    ...(opts.unverified
      ? ['--check-integrity=false', '--bt-seed-unverified=true']
      : ['--check-integrity=true']), // -V: hash the data, then seed
    '--enable-dht=false',
    '--enable-dht6=false',
    '--bt-enable-lpd=false',
    '--enable-peer-exchange=false',
    '--file-allocation=none',
    '--disable-ipv6=true',
    '--async-dns=false',
    `--interface=${LOOPBACK}`,
    `--bt-external-ip=${LOOPBACK}`,
    `--listen-port=${port}`,
    '--bt-max-peers=0', // unlimited: many test leechers share one seeder
    '--enable-rpc=true',
    '--rpc-listen-all=false',
    `--rpc-listen-port=${rpcPort}`,
    `--rpc-secret=${secret}`,
    `--stop-with-process=${process.pid}`,
    '--console-log-level=warn',
    '--summary-interval=0',
    '--show-console-readout=false',
    `--dir=${opts.dataDir}`,
  ];
  if (opts.uploadLimit) args.push(`--max-upload-limit=${opts.uploadLimit}`);
  if (opts.trackers?.length) args.push(`--bt-tracker=${opts.trackers.join(',')}`);
  args.push(opts.torrentPath);

  const proc = spawnTied('aria2c', args, { guard: 'pdeathsig' });
  await startOrKill(proc, async () => {
    await waitFor(
      'aria2c to seed',
      async () => {
        const { exitCode, signalCode } = proc.child;
        if (exitCode !== null || signalCode !== null) {
          throw new GiveUp(`aria2c exited (${signalCode ?? exitCode})`);
        }
        const [item] = await aria2Active(rpcPort, secret);
        const done = item?.seeder === 'true' && item.completedLength === item.totalLength;
        return done && (await tcpAccepts(port)) ? true : undefined;
      },
      { timeoutMs: opts.readyTimeoutMs ?? 60_000 },
    );
  });
  return seeder('aria2', port, proc);
}

export function startSeeder(kind: SeederKind, opts: SeederOptions): Promise<Seeder> {
  return kind === 'aria2' ? startAria2Seeder(opts) : startLibtorrentSeeder(opts);
}
