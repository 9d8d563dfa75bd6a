// Each peer connection's request pipeline while playback keeps up (BuildInfo.peerQueueCap): no
// more requests wait at a seeder than its path needs, the bandwidth-delay product plus a block,
// from the connection's start on. libtorrent's slow start alone adds a request per block received
// for its first seconds, up to whatever is wanted, and every queued block sits in front of the
// next seek. Read at the seeder: a bare seeder that answers one block per 10 ms reports how many
// requests waited at it as each came in. The median over slow start's span is the measure: a
// seek's own piece (the reader's first Range here) is asked for at once, as it should be.
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { buildInfo } from '../lib/index.ts';
import { type Fixture, makeTorrent, readTorrent, startPacedSeeder } from './harness/index.ts';
import { openSession, sharedFixtures, tempDir } from './helpers.ts';
import { readAll } from './http-client.ts';

const BLOCK_INTERVAL_SECS = 0.01; // 1.6 MB/s: nine times the WAV's byte rate, so it keeps up
// A block on the wire, one being paced, one more: what a path without a round trip needs.
const SHORT_PATH_BLOCKS = 3;
// What the window may hold on a loaded machine, where the seeder's and libtorrent's threads wake
// late and the path looks longer than it is (medians of 3 measured with three busy loops beside
// it; once, with the whole suite and more beside it, above 3). Without the window: 10.
const LOADED_PATH_BLOCKS = SHORT_PATH_BLOCKS + 2;
// The first answers teach the window the path; requests before them are libtorrent's own.
const LEARNING_BLOCKS = 8;
// About libtorrent's slow start on this seeder (1.2 s of blocks); it ends once the rate stops
// rising, and from then on a build without the window keeps two blocks too.
const SLOW_START_BLOCKS = 120;

/**
 * `single`'s WAV as a torrent of 1 MiB pieces. A cold start wants its first piece alone
 * (scheduler.cc), so slow start can queue only what that piece holds: 64 blocks here, as many as
 * slow start adds, where the shared 256 KiB pieces left 16 and a build without the window then
 * queued no more than the path needs either.
 */
async function oneMiBPieces(): Promise<Fixture> {
  const { single } = await sharedFixtures();
  const torrentPath = join(tempDir('vz-pipeline-'), 'single-1m.torrent');
  const torrent = await makeTorrent(single.files[0].absPath, torrentPath, { pieceLengthExp: 20 });
  const meta = readTorrent(torrent);
  const files = [{ ...single.files[0], ...meta.files[0] }];
  return { ...single, ...meta, torrentPath, torrent, files };
}

async function pipelineOfOneStream(t: ExecutionContext) {
  const single = await oneMiBPieces();
  const seeder = await startPacedSeeder(single, BLOCK_INTERVAL_SECS);
  t.teardown(() => seeder.stop());
  const session = await openSession(t);
  const stream = await session.prepare({
    torrent: new Uint8Array(single.torrent),
    fileIndex: 0,
    peers: [seeder.peer],
  });
  // A player that reports what it has: it keeps up, it is no bulk download.
  session.notifyPosition(stream.token, 0);
  const body = await readAll(stream.url, (received) =>
    session.notifyPosition(stream.token, received),
  );
  t.is(body.length, single.files[0].size);
  t.is(body.sha256, single.files[0].sha256);
  const waiting = seeder.requests
    .filter((r) => r.served >= LEARNING_BLOCKS && r.served < SLOW_START_BLOCKS)
    .map((r) => r.waiting)
    .sort((a, b) => a - b);
  t.true(waiting.length > 50, `requests seen: ${seeder.requests.length}`);
  const median = waiting[Math.floor(waiting.length / 2)];
  t.log(`median ${median}, p90 ${waiting[Math.floor(waiting.length * 0.9)]}`);
  return median;
}

if (buildInfo().peerQueueCap) {
  test('a young connection that keeps up holds no more requests than its path needs', async (t) => {
    t.true((await pipelineOfOneStream(t)) <= LOADED_PATH_BLOCKS);
  });
} else {
  // A build over the system's libtorrent cannot hold the pipeline: this proves the seeder sees
  // what the test above bounds (and the prebuilt addon must have the window).
  test('without the window, slow start queues far more than the path needs', async (t) => {
    t.not(process.env.VOZDUXAN_EXPECT_PREBUILT, '1', 'the prebuilt addon holds the pipeline');
    t.true((await pipelineOfOneStream(t)) > 2 * SHORT_PATH_BLOCKS);
  });
}
