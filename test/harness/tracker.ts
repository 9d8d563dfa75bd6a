import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bDict, bdecode, bInt } from './bencode.ts';
import { freePort, GiveUp, httpRequest, LOOPBACK, waitFor } from './net.ts';
import { spawnTied } from './proc.ts';

export interface ScrapeResult {
  /** Seeders. */
  complete: number;
  /** Leechers. */
  incomplete: number;
  downloaded: number;
}

export interface Tracker {
  port: number;
  announceUrl: string;
  scrape(infoHash: string): Promise<ScrapeResult>;
  /** Resolves once a scrape reports at least n seeders for infoHash. */
  waitForSeeders(infoHash: string, n: number, timeoutMs?: number): Promise<ScrapeResult>;
  stop(): Promise<void>;
}

export interface TrackerOptions {
  /** Debian's opentracker is built whitelist-only: it serves just these hashes. */
  infoHashes: readonly string[];
  /** Where to make the tracker's chroot directory (default: the OS temp dir). */
  parentDir?: string;
}

function escapeHash(infoHash: string): string {
  return [...Buffer.from(infoHash, 'hex')]
    .map((b) => `%${b.toString(16).padStart(2, '0')}`)
    .join('');
}

const NOBODY_UID = 65534;

/**
 * opentracker refuses to keep root and setuid()s to nobody, which fails in an unprivileged
 * user namespace (`unshare -r` maps only root): say so instead of timing out.
 */
async function assertNobodyMapped(): Promise<void> {
  const map = await readFile('/proc/self/uid_map', 'utf8');
  const mapped = map
    .trim()
    .split('\n')
    .some((line) => {
      const [inside = 0, , count = 0] = line.trim().split(/\s+/).map(Number);
      return NOBODY_UID >= inside && NOBODY_UID < inside + count;
    });
  if (!mapped) {
    throw new Error(
      'opentracker needs uid 65534 (nobody) mapped in this user namespace; run the tests as root',
    );
  }
}

/** opentracker on 127.0.0.1 (HTTP and UDP on the same port). */
export async function startTracker(opts: TrackerOptions): Promise<Tracker> {
  await assertNobodyMapped();
  // opentracker chroots into -d (as root, so the parents' modes do not matter), then drops to
  // user nobody, who must be able to read the whitelist: mkdtemp makes 0700, hence the chmod.
  const dir = await mkdtemp(join(opts.parentDir ?? tmpdir(), 'vozduxan-tracker-'));
  await chmod(dir, 0o755);
  await writeFile(
    join(dir, 'whitelist'),
    opts.infoHashes.map((h) => `${h.toLowerCase()}\n`).join(''),
    { mode: 0o644 },
  );
  const port = await freePort();
  // opentracker drops to nobody, which clears PR_SET_PDEATHSIG: tether it instead.
  const args = [
    '-i',
    LOOPBACK,
    '-p',
    String(port),
    '-P',
    String(port),
    '-d',
    dir,
    '-w',
    'whitelist',
  ];
  const proc = spawnTied('opentracker', args, { cwd: dir, guard: 'tether' });

  const scrape = async (infoHash: string): Promise<ScrapeResult> => {
    const res = await httpRequest(port, `/scrape?info_hash=${escapeHash(infoHash)}`);
    if (res.status !== 200) throw new Error(`scrape: HTTP ${res.status}`);
    const files = bDict(bdecode(res.body).value, 'files');
    const entry = files.get(Buffer.from(infoHash, 'hex').toString('latin1'));
    if (!entry) return { complete: 0, incomplete: 0, downloaded: 0 };
    return {
      complete: bInt(entry, 'complete'),
      incomplete: bInt(entry, 'incomplete'),
      downloaded: bInt(entry, 'downloaded'),
    };
  };

  const stop = async (): Promise<void> => {
    await proc.stop(2000);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    // The whitelist loads on a separate thread: wait until a (peerless, event=stopped)
    // announce is accepted, or early seeders get refused and back off for a minute.
    const probe = opts.infoHashes[0];
    await waitFor('opentracker to answer', async () => {
      if (proc.child.exitCode !== null) throw new GiveUp(`opentracker exited`);
      if (!probe) return (await httpRequest(port, '/scrape')).status > 0 ? true : undefined;
      const query = `info_hash=${escapeHash(probe)}&peer_id=-HARNESS-probe000000&port=1&uploaded=0&downloaded=0&left=0&compact=1&event=stopped`;
      const res = await httpRequest(port, `/announce?${query}`);
      return res.status === 200 && !res.body.includes('failure reason') ? true : undefined;
    });
  } catch (err) {
    await stop();
    throw new Error(
      `${err instanceof Error ? err.message : String(err)}\n--- output ---\n${proc.output()}`,
    );
  }

  return {
    port,
    announceUrl: `http://${LOOPBACK}:${port}/announce`,
    scrape,
    waitForSeeders: (infoHash, n, timeoutMs = 20_000) =>
      waitFor(
        `${n} seeder(s) on the tracker`,
        async () => {
          const s = await scrape(infoHash);
          return s.complete >= n ? s : undefined;
        },
        { timeoutMs, intervalMs: 100 },
      ),
    stop,
  };
}
