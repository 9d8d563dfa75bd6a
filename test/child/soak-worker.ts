// Worker thread body for the soak test: one session that streams a few KiB of a track from
// real seeders, then closes. Loaded through tsx's require hook (soak.test.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { LOOPBACK_SETTINGS, Session } from '../../lib/index.ts';
import { httpGet } from '../http-client.ts';

interface Job {
  storagePath: string;
  torrent: Uint8Array;
  peers: string[];
  fileIndex: number;
  range: [number, number];
}

async function run(): Promise<void> {
  const job = workerData as Job;
  const session = await Session.create({
    storagePath: job.storagePath,
    settings: { ...LOOPBACK_SETTINGS },
  });
  const stream = await session.prepare({
    torrent: job.torrent,
    peers: job.peers,
    fileIndex: job.fileIndex,
  });
  const [first, last] = job.range;
  const response = await httpGet(stream.url, { headers: { Range: `bytes=${first}-${last}` } });
  await session.close();
  parentPort?.postMessage({ status: response.status, body: response.body });
}

run().catch((error: unknown) => parentPort?.postMessage({ error: String(error) }));
