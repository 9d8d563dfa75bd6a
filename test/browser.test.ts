// End to end with the seeds' real client: Debian's Chromium plays a Player stream URL in an
// <audio> element while a throttled seeder is still delivering the file, seeks to 80%, and
// reports every timeupdate back through notifyPosition. Chromium is never downloaded: a
// missing /usr/lib/chromium/chromium (apt-get install -y chromium) fails this file.
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { Player, type PlayerStream, type StreamStats } from '../lib/index.ts';
import {
  type Fixture,
  makeTorrent,
  readTorrent,
  sha256File,
  startSwarm,
  waitFor,
} from './harness/index.ts';
import { run } from './harness/proc.ts';
import { openSession, sharedFixtures, tempDir, watchReads } from './helpers.ts';

const CHROMIUM = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((path) =>
  existsSync(path),
);
/** Quiet on a closed network (see the env notes), and allowed to autoplay. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>vozduxan</title></head>
<body>
<audio id="player" preload="auto" muted></audio>
<script>
const audio = document.getElementById('player');
audio.muted = true;
for (const name of ['loadedmetadata', 'canplay', 'playing', 'waiting', 'seeking', 'seeked', 'stalled', 'error', 'ended', 'pause']) {
  audio.addEventListener(name, () => window.vzEvent(name, audio.currentTime, audio.error ? audio.error.code : 0));
}
// As the seeds' player does: every timeupdate reports the position.
audio.addEventListener('timeupdate', () => window.vzTime(audio.currentTime, audio.duration));
window.vz = {
  start(url) {
    audio.src = url;
    return audio.play().then(() => 'ok', (e) => String(e));
  },
  seek(fraction) {
    audio.currentTime = audio.duration * fraction;
    return audio.currentTime;
  },
  pause() {
    audio.pause();
    return audio.currentTime;
  },
  resume() {
    return audio.play().then(() => 'ok', (e) => String(e));
  },
  state() {
    return {
      error: audio.error ? audio.error.code + ' ' + audio.error.message : null,
      currentTime: audio.currentTime,
      duration: audio.duration,
      paused: audio.paused,
    };
  },
};
</script>
</body></html>`;

interface MediaState {
  error: string | null;
  currentTime: number;
  duration: number;
  paused: boolean;
}

/**
 * What the page's script puts on `window` (the tests' tsconfig has no DOM types). Functions
 * passed to page.evaluate run in the page, so they reach it through `globalThis` inline.
 */
interface PageApi {
  vz: {
    start(url: string): Promise<string>;
    seek(fraction: number): number;
    pause(): number;
    resume(): Promise<string>;
    state(): MediaState;
  };
}

interface MediaEvent {
  name: string;
  time: number;
  errorCode: number;
}

/**
 * The shared 120 s WAV, plus the same audio as FLAC and 192 kb/s MP3, in one torrent with
 * 256 KiB pieces. The album's tracks (1 to 4 MB, 64 KiB pieces) are too small for this test:
 * the engine's prebuffer plus the 60 pieces its scheduler fetches in no fixed order can cover
 * a whole album track before prepare resolves, and this test is about playing mid-download.
 */
async function longTracks(): Promise<Fixture> {
  const { big } = await sharedFixtures();
  const wav = big.files[0].absPath;
  const dir = tempDir('vz-long-');
  const dataDir = join(dir, 'data');
  const contentPath = join(dataDir, 'Long');
  await mkdir(contentPath, { recursive: true });
  await Promise.all([
    copyFile(wav, join(contentPath, 'long.wav')),
    run('flac', ['-s', '-f', '-5', '-o', join(contentPath, 'long.flac'), wav]),
    run('sox', ['-R', '-V1', wav, '-C', '192', join(contentPath, 'long.mp3')]),
  ]);
  const torrentPath = join(dir, 'long.torrent');
  const torrent = await makeTorrent(contentPath, torrentPath, { pieceLengthExp: 18 });
  const meta = readTorrent(torrent);
  const files = await Promise.all(
    meta.files.map(async (f) => {
      const absPath = join(dataDir, ...f.path.split('/'));
      return { ...f, absPath, sha256: await sha256File(absPath) };
    }),
  );
  return { ...meta, key: 'big', dataDir, contentPath, torrentPath, torrent, files };
}

/** What a page under test reports: its media events, and a wait on them. */
interface WatchedPage {
  log: MediaEvent[];
  /** Resolves once `done(log)` holds; a media error or a lost page rejects at once. */
  until: (what: string, done: (entries: MediaEvent[]) => boolean) => Promise<void>;
  /** The stream's stats at the first `playing`. */
  stats: Map<string, StreamStats>;
  /** Every timeupdate, as the offset reported through notifyPosition and whether it was known. */
  positions: { offset: number; known: boolean }[];
}

/** Wires the page's media events and timeupdates to `player` (positions) and to a log. */
async function watchPage(
  t: ExecutionContext,
  page: Page,
  player: Player,
  stream: PlayerStream,
): Promise<WatchedPage> {
  const log: MediaEvent[] = [];
  const events = new EventEmitter();
  // A crashed or closed page ends every wait instead of leaving it pending.
  let gone: string | undefined;
  const end = (why: string) => () => {
    gone ??= why;
    events.emit('event');
  };
  page.on('crash', end('the page crashed'));
  page.on('close', end('the page closed'));
  page.on('pageerror', (error) => t.log(`page error: ${error.message}`));
  const stats = new Map<string, StreamStats>();
  const positions: { offset: number; known: boolean }[] = [];
  await page.exposeFunction('vzEvent', (name: string, time: number, errorCode: number) => {
    if (name === 'playing' && !stats.has(name)) stats.set(name, player.streamStats(stream.token));
    log.push({ name, time, errorCode });
    events.emit('event');
  });
  await page.exposeFunction('vzTime', (currentTime: number, duration: number) => {
    if (!(duration > 0) || !Number.isFinite(duration)) return;
    const offset = Math.min(stream.fileSize, (currentTime * stream.fileSize) / duration);
    positions.push({ offset, known: player.notifyPosition(stream.token, offset) });
    log.push({ name: 'timeupdate', time: currentTime, errorCode: 0 });
    events.emit('event');
  });
  const until = (what: string, done: (entries: MediaEvent[]) => boolean) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        const failed = log.find((e) => e.name === 'error');
        if (failed || gone) {
          events.off('event', check);
          const why = failed ? `media error ${failed.errorCode}` : gone;
          reject(new Error(`${why} while waiting for ${what}`));
        } else if (done(log)) {
          events.off('event', check);
          resolve();
        }
      };
      events.on('event', check);
      check();
    });
  return { log, until, stats, positions };
}

let tracks: Promise<Fixture> | undefined;
let context: BrowserContext | undefined;
let server: Server | undefined;
let pageUrl = '';

test.before(async () => {
  if (!CHROMIUM) {
    throw new Error(
      'Chromium is missing (/usr/lib/chromium/chromium, /usr/bin/chromium): apt-get install -y chromium',
    );
  }
  server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(PAGE);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  context = await chromium.launchPersistentContext(tempDir('vz-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
  });
});

test.after.always(async () => {
  await context?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

/** A new page playing `stream` in its <audio>, once it reports `playing`. */
async function startPlaying(
  t: ExecutionContext,
  browser: BrowserContext,
  player: Player,
  stream: PlayerStream,
): Promise<WatchedPage & { page: Page }> {
  const page = await browser.newPage();
  t.teardown(() => page.close());
  const watched = await watchPage(t, page, player, stream);
  await page.goto(pageUrl);
  const playing = watched.until('playing', (entries) => entries.some((e) => e.name === 'playing'));
  t.is(
    await page.evaluate((url) => (globalThis as unknown as PageApi).vz.start(url), stream.url),
    'ok',
  );
  await playing;
  return { ...watched, page };
}

const FORMATS = [
  { label: 'WAV', pattern: /\.wav$/ },
  { label: 'FLAC', pattern: /\.flac$/ },
  { label: 'MP3', pattern: /\.mp3$/ },
] as const;

for (const { label, pattern } of FORMATS) {
  test.serial(
    `${label}: <audio> plays while downloading, seeks to 80%, reports its position`,
    async (t) => {
      t.truthy(CHROMIUM, 'Chromium is required');
      if (!context) throw new Error('the browser did not start');
      tracks ??= longTracks();
      const fixture = await tracks;
      const fileIdx = fixture.files.findIndex((f) => pattern.test(f.path));
      // 400 KB/s: the files take 7 s (MP3), 40 s (FLAC) and 53 s (WAV) to arrive.
      const swarm = await startSwarm(fixture, { seeders: ['libtorrent'], uploadLimit: 400_000 });
      t.teardown(() => swarm.stop());
      const session = await openSession(t);
      const player = new Player(session);
      const stream = await player.prepareStream({
        magnet: swarm.magnet(),
        fileIdx,
        torrentFile: Buffer.from(fixture.torrent).toString('base64'),
      });

      const { page, log, until, stats, positions } = await startPlaying(t, context, player, stream);
      const atPlaying = stats.get('playing');
      t.truthy(atPlaying);
      t.true(
        (atPlaying?.piecesHad ?? Number.POSITIVE_INFINITY) < (atPlaying?.piecesTotal ?? 0),
        `playing began with ${atPlaying?.piecesHad} of ${atPlaying?.piecesTotal} pieces`,
      );

      // Seek to 80%: wait for seeked, and for playing again after the seek began.
      const from = log.length;
      const resumed = until('seeked and playing', (entries) => {
        const after = entries.slice(from);
        const seeking = after.findIndex((e) => e.name === 'seeking');
        return (
          seeking >= 0 &&
          after.some((e) => e.name === 'seeked') &&
          after.slice(seeking).some((e) => e.name === 'playing')
        );
      });
      const target = await page.evaluate(() => (globalThis as unknown as PageApi).vz.seek(0.8));
      const atSeek = player.streamStats(stream.token);
      await resumed;
      t.true(
        atSeek.piecesHad < atSeek.piecesTotal,
        `seek began with ${atSeek.piecesHad} of ${atSeek.piecesTotal}`,
      );
      // Decoding goes on past the seek target: the media clock moves a full second beyond it.
      await until('playback past the seek target', (entries) =>
        entries.some((e, i) => i > from && e.name === 'timeupdate' && e.time >= target + 1),
      );

      const state = await page.evaluate(() => (globalThis as unknown as PageApi).vz.state());
      t.is(state.error, null);
      t.false(log.some((e) => e.name === 'error'));
      t.true(state.currentTime >= target + 1, `at ${state.currentTime} s, target ${target} s`);
      t.true(Math.abs(state.duration - 120) < 1, `duration ${state.duration} s`);
      // The player heard about the new position, and the engine's window followed it.
      t.true(positions.length > 0 && positions.every((p) => p.known));
      const last = positions[positions.length - 1]?.offset ?? 0;
      t.true(last >= 0.8 * stream.fileSize, `last position ${last} of ${stream.fileSize}`);
      const after = player.streamStats(stream.token);
      t.true(after.seeks >= 1);
      t.true(after.position >= 0.75 * stream.fileSize, `engine position ${after.position}`);
      await page.close();
      await player.dispose();
    },
  );
}

test.serial(
  'a paused <audio> whose response ended while paused plays on and seeks, asking again',
  async (t) => {
    if (!context) throw new Error('the browser did not start');
    tracks ??= longTracks();
    const fixture = await tracks;
    // The WAV: a paused element buffers ahead, then its response ends while it stays paused.
    // Chromium 1xx ends it itself (readCancelled client, ~11.5 MB of these 21 MB); a client that
    // holds its socket instead meets the write-stall limit (writeStall; http-hostile.test.ts).
    // Either way the element must play on and seek by asking again.
    const fileIdx = fixture.files.findIndex((f) => f.path.endsWith('.wav'));
    const swarm = await startSwarm(fixture, { seeders: ['libtorrent'] });
    t.teardown(() => swarm.stop());
    const session = await openSession(t, { httpWriteStallTimeoutMs: 5_000 });
    const player = new Player(session);
    const stream = await player.prepareStream({
      magnet: swarm.magnet(),
      fileIdx,
      torrentFile: Buffer.from(fixture.torrent).toString('base64'),
    });
    const reads = watchReads(session, stream.token);
    const { page, log, until } = await startPlaying(t, context, player, stream);
    const paused = until('pause', (entries) => entries.some((e) => e.name === 'pause'));
    const pausedAt = await page.evaluate(() => (globalThis as unknown as PageApi).vz.pause());
    await paused;
    const cut = await waitFor(
      'the paused response to end',
      async () => [...reads.ends.values()].find((e) => e.reason !== 'seek'),
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    t.log(`while paused the response ended: ${cut.reason} after ${cut.bytes} bytes`);
    t.true(
      cut.reason === 'client' || cut.reason === 'writeStall',
      `while paused: ${JSON.stringify([...reads.ends.values()])}`,
    );
    const readsBefore = reads.starts.length;

    // Plays on from where it paused, then seeks past what it had buffered: Chromium must ask
    // again (its response is gone) and take the new one without a media error.
    const from = log.length;
    const resumed = until('playing again', (entries) =>
      entries.slice(from).some((e) => e.name === 'playing'),
    );
    t.is(await page.evaluate(() => (globalThis as unknown as PageApi).vz.resume()), 'ok');
    await resumed;
    const seekFrom = log.length;
    const seeked = until('seeked and playing', (entries) => {
      const after = entries.slice(seekFrom);
      const seeking = after.findIndex((e) => e.name === 'seeking');
      return seeking >= 0 && after.slice(seeking).some((e) => e.name === 'playing');
    });
    const target = await page.evaluate(() => (globalThis as unknown as PageApi).vz.seek(0.7));
    await seeked;
    await until('playback past the seek target', (entries) =>
      entries.some((e, i) => i > seekFrom && e.name === 'timeupdate' && e.time >= target + 1),
    );
    const state = await page.evaluate(() => (globalThis as unknown as PageApi).vz.state());
    t.is(state.error, null);
    t.true(target > pausedAt + 10, `seek target ${target} s, paused at ${pausedAt} s`);
    t.true(
      reads.starts.length > readsBefore,
      'Chromium asked again after the server ended its response',
    );
    await page.close();
    await player.dispose();
  },
);
