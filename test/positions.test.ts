// Positions in seconds (README, Positions in seconds): notifyTime maps a player's time to the
// byte the file's own index names, checked against the fixtures' known frame positions:
// metaflac's SEEKTABLE, the MPEG frames of a VBR MP3 walked here, WAV's data chunk.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { soxTones } from './harness/fixtures.ts';
import { type Fixture, makeTorrent, readTorrent, startSwarm } from './harness/index.ts';
import { openSession, sharedFixtures } from './helpers.ts';
import { httpGet } from './http-client.ts';

/** Where a FLAC's first frame starts: after its metadata blocks. */
function flacFirstFrame(bytes: Buffer): number {
  let at = 4; // "fLaC"
  for (;;) {
    const last = (bytes[at] & 0x80) !== 0;
    const length = bytes.readUIntBE(at + 1, 3);
    at += 4 + length;
    if (last) return at;
  }
}

/** metaflac's seek points: [sample, offset from the first frame]. */
function seekTable(path: string): [number, number][] {
  const out = execFileSync('metaflac', ['--list', '--block-type=SEEKTABLE', path], {
    encoding: 'utf8',
  });
  return [...out.matchAll(/sample_number=(\d+), stream_offset=(\d+)/g)].map((m) => [
    Number(m[1]),
    Number(m[2]),
  ]);
}

/** Start of every MPEG-1 Layer III frame and its time, walked from the first sync. */
function mp3Frames(bytes: Buffer): { offset: number; seconds: number }[] {
  const rates = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
  let at = 0;
  if (bytes.toString('latin1', 0, 3) === 'ID3') {
    at = 10 + ((bytes[6] << 21) | (bytes[7] << 14) | (bytes[8] << 7) | bytes[9]);
  }
  const frames: { offset: number; seconds: number }[] = [];
  while (at + 4 <= bytes.length && bytes[at] === 0xff && (bytes[at + 1] & 0xe0) === 0xe0) {
    const kbps = rates[bytes[at + 2] >> 4];
    const padding = (bytes[at + 2] >> 1) & 1;
    if (!kbps) break;
    frames.push({ offset: at, seconds: (frames.length * 1152) / 44_100 });
    at += Math.floor((144_000 * kbps) / 44_100) + padding;
  }
  return frames;
}

async function playAll(t: ExecutionContext, fixture: Fixture, index: number) {
  const swarm = await startSwarm(fixture, { seeders: ['libtorrent'] });
  t.teardown(() => swarm.stop());
  const session = await openSession(t);
  const stream = await session.prepare({ magnet: swarm.magnet(), fileIndex: index });
  await httpGet(stream.url); // everything local: the index is complete
  return { session, stream };
}

test('FLAC: notifyTime lands on the SEEKTABLE point at or before the time; durationSecs at prepare', async (t) => {
  const { album } = await sharedFixtures();
  const index = album.files.findIndex((f) => f.path.endsWith('01 - Intro.flac'));
  const file = album.files[index];
  const { session, stream } = await playAll(t, album, index);
  t.true(Math.abs((stream.durationSecs ?? 0) - 20) < 0.01, `${stream.durationSecs}`);
  const first = flacFirstFrame(readFileSync(file.absPath));
  const points = seekTable(file.absPath);
  t.true(points.length >= 2); // flac's default: a point every 10 s
  for (const seconds of [0.5, 3, 9.9, 10.5, 19]) {
    const sample = seconds * 44_100;
    const [, offset] = points.filter(([s]) => s <= sample).at(-1) ?? [0, 0];
    t.is(session.notifyTime(stream.token, seconds), first + offset, `at ${seconds} s`);
    t.is(session.stats(stream.token).position, first + offset);
  }
});

test('VBR MP3: notifyTime lands on a frame whose time is the asked one (Xing TOC)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vz-vbr-'));
  const path = join(dir, 'vbr.mp3');
  await soxTones(path, 40, ['sine', '100-4000', 'sine', '4000-100', 'whitenoise'], ['-C', '-2.0']);
  const torrentPath = join(dir, 'vbr.torrent');
  const torrent = await makeTorrent(path, torrentPath, { pieceLengthExp: 16 });
  const meta = readTorrent(torrent);
  const fixture = {
    ...meta,
    dataDir: dirname(path),
    contentPath: path,
    torrentPath,
    torrent,
    files: [{ ...meta.files[0], absPath: path, sha256: '' }],
  } as unknown as Fixture;
  t.is(basename(path), meta.name);
  const bytes = readFileSync(path);
  const frames = mp3Frames(bytes);
  const sizes = new Set(frames.slice(1, 200).map((f, i) => frames[i + 2]?.offset - f.offset));
  t.true(sizes.size > 2, 'the fixture is VBR: frames of several sizes');
  const { session, stream } = await playAll(t, fixture, 0);
  const duration = frames.length * (1152 / 44_100);
  let previous = -1;
  for (const seconds of [1, 5, 12.5, 20, 33, 39]) {
    const offset = session.notifyTime(stream.token, seconds) ?? -1;
    const frame = frames.find((f) => f.offset === offset);
    t.truthy(frame, `at ${seconds} s: ${offset} starts a frame`);
    // A table of 100 entries: within a hundredth of the track (and two frames).
    t.true(Math.abs((frame?.seconds ?? 0) - seconds) <= duration / 100 + 0.06, `at ${seconds} s`);
    t.true(offset > previous);
    previous = offset;
  }
});

test('WAV: notifyTime is the data chunk plus the byte rate, frame-aligned; unknown tokens answer undefined', async (t) => {
  const { single } = await sharedFixtures();
  const { session, stream } = await playAll(t, single, 0);
  const bytes = readFileSync(single.files[0].absPath);
  const dataStart = bytes.indexOf('data', 12, 'latin1') + 8;
  t.is(session.notifyTime(stream.token, 0), 0);
  t.is(session.notifyTime(stream.token, 10), dataStart + 10 * 176_400);
  t.is(session.notifyTime(stream.token, 1 / 3), dataStart + Math.floor(176_400 / 3 / 4) * 4);
  t.true(Math.abs((stream.durationSecs ?? 0) - 30) < 0.01);
  t.is(session.notifyTime('f'.repeat(48), 1), undefined);
  t.throws(() => session.notifyTime(stream.token, -1), { message: /seconds/ });
  t.throws(() => session.notifyTime(stream.token, Number.NaN), { message: /seconds/ });
});
