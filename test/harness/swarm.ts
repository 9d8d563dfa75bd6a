import { dirname } from 'node:path';
import type { Fixture } from './fixtures.ts';
import { magnetFor } from './magnet.ts';
import { type Seeder, type SeederKind, startSeeder } from './seeders.ts';
import { startTracker, type Tracker } from './tracker.ts';

export interface SwarmOptions {
  /** Default: one aria2 and one libtorrent seeder. */
  seeders?: readonly SeederKind[];
  /** Start a loopback opentracker that the seeders announce to. */
  tracker?: boolean;
  /** Per-seeder upload limit, bytes per second. */
  uploadLimit?: number;
}

export interface Swarm {
  /** '127.0.0.1:PORT' of each seeder, in the order asked for. */
  peers: string[];
  seeders: Seeder[];
  tracker: Tracker | null;
  /** Magnet with the swarm's tracker (if any) and, unless peers is false, x.pe hints. */
  magnet(opts?: { peers?: boolean }): string;
  stop(): Promise<void>;
}

async function stopAll(items: readonly { stop(): Promise<void> }[]): Promise<void> {
  await Promise.allSettled(items.map((i) => i.stop()));
}

export async function startSwarm(fixture: Fixture, opts: SwarmOptions = {}): Promise<Swarm> {
  const kinds = opts.seeders ?? ['aria2', 'libtorrent'];
  // The tracker's directory goes next to the fixture data, so removing the test's temp dir
  // also removes it after a crash.
  const parentDir = dirname(fixture.dataDir);
  const tracker = opts.tracker
    ? await startTracker({ infoHashes: [fixture.infoHash], parentDir })
    : null;
  const trackers = tracker ? [tracker.announceUrl] : [];

  const started = await Promise.allSettled(
    kinds.map((kind) =>
      startSeeder(kind, {
        torrentPath: fixture.torrentPath,
        dataDir: fixture.dataDir,
        uploadLimit: opts.uploadLimit,
        trackers,
      }),
    ),
  );
  const seeders = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = (): Promise<void> => stopAll([...seeders, ...(tracker ? [tracker] : [])]);

  try {
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    // Leechers that only know the tracker must find every seeder on their first announce.
    if (tracker) await tracker.waitForSeeders(fixture.infoHash, seeders.length);
  } catch (err) {
    await stop();
    throw err;
  }

  const peers = seeders.map((s) => s.peer);
  return {
    peers,
    seeders,
    tracker,
    magnet: ({ peers: withPeers = true } = {}) =>
      magnetFor(fixture.infoHash, { name: fixture.name, trackers, peers: withPeers ? peers : [] }),
    stop,
  };
}
