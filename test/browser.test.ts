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
import test from 'ava';
import { type BrowserContext, chromium } from 'playwright-core';
import { Player, type StreamStats } from '../lib/index.ts';
import { type Fixture, makeTorrent, readTorrent, sha256File, startSwarm } from './harness/index.ts';
import { run } from './harness/proc.ts';
import { openSession, sharedFixtures, tempDir } from './helpers.ts';

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

      const page = await context.newPage();
      t.teardown(() => page.close());
      const log: MediaEvent[] = [];
      const events = new EventEmitter();
      // A crashed or closed page ends every wait below instead of leaving it pending.
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
        if (name === 'playing' && !stats.has(name))
          stats.set(name, player.streamStats(stream.token));
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
      // Resolves once `done(log)` holds; a media error or a lost page rejects at once.
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
      await page.goto(pageUrl);

      const playing = until('playing', (entries) => entries.some((e) => e.name === 'playing'));
      t.is(
        await page.evaluate((url) => (globalThis as unknown as PageApi).vz.start(url), stream.url),
        'ok',
      );
      await playing;
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
