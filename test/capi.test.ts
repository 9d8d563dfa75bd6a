// The C ABI (include/vozduxan.h) from C and from Rust, against real loopback seeders. The
// libraries and programs come from scripts/build-capi.sh (npm test runs it first).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { startSwarm } from './harness/index.ts';
import { audioIndices, sharedFixtures, tempDir } from './helpers.ts';

const BUILD = join(import.meta.dirname, '..', 'build-capi');
const C_PROGRAM = join(BUILD, 'capi_smoke');
const RUST_PROGRAM = join(BUILD, 'capi_smoke_rs');
/** A magnet whose only peer hint is a closed port: its metadata never arrives. */
const DEAD = `magnet:?xt=urn:btih:${'8'.repeat(40)}&x.pe=127.0.0.1:9`;
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

function run(program: string, args: string[]): { lines: Map<string, string>; output: string } {
  if (!existsSync(program)) throw new Error(`${program} is missing: run scripts/build-capi.sh`);
  const result = spawnSync(program, args, { encoding: 'utf8', timeout: 120_000 });
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.status !== 0) throw new Error(`${program} exited ${result.status}:\n${output}`);
  const lines = new Map<string, string>();
  for (const line of result.stdout.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0 && !line.startsWith('file '))
      lines.set(line.slice(0, space), line.slice(space + 1));
  }
  return { lines, output };
}

test('C: list, prepare with progress, byte-exact GET, notify, stats, release, evict, cancel, bad input', async (t) => {
  const { album } = await sharedFixtures();
  const swarm = await startSwarm(album, { seeders: ['libtorrent'] });
  t.teardown(() => swarm.stop());
  const [index = 0] = audioIndices(album);
  const out = join(tempDir('vz-capi-'), 'track');
  const { lines, output } = run(C_PROGRAM, [
    tempDir(),
    swarm.magnet(),
    album.torrentPath,
    String(index),
    out,
    DEAD,
  ]);
  t.log(output.trim());
  t.is(lines.get('create_null'), 'NULL');
  t.regex(lines.get('http_port') ?? '', /^[1-9]\d*$/);
  t.is(lines.get('list'), `OK ${album.files.length}`);
  t.is(lines.get('bad_neither'), 'BAD_INPUT');
  t.is(lines.get('bad_magnet'), 'BAD_INPUT');
  t.is(lines.get('bad_index'), 'INVALID_FILE');
  t.is(lines.get('stats_unknown'), '0 0');
  t.is(lines.get('prepare'), `OK ${album.files[index]?.size} audio/flac`);
  t.is(lines.get('get'), '200');
  t.is(sha256(out), album.files[index]?.sha256);
  t.is(lines.get('get_released'), '404');
  t.is(lines.get('cancelled'), 'CANCELLED');
  t.is(lines.get('late_progress'), '0');
  t.true(output.includes('\ndone')); // destroy returned
});

test('Rust: the seed extern block over libvozduxan.a streams a track byte-exact', async (t) => {
  const { album } = await sharedFixtures();
  const swarm = await startSwarm(album, { seeders: ['libtorrent'] });
  t.teardown(() => swarm.stop());
  const index = audioIndices(album).at(-1) ?? 0;
  const out = join(tempDir('vz-capi-rs-'), 'track');
  const { output } = run(RUST_PROGRAM, [tempDir(), swarm.magnet(), String(index), out]);
  t.log(output.trim());
  t.regex(output, /^rust ok /m);
  t.is(sha256(out), album.files[index]?.sha256);
});

test('libvozduxan.so exports only vozduxan_*, and neither library touches N-API', (t) => {
  const nm = (...args: string[]) => spawnSync('nm', args, { encoding: 'utf8' }).stdout;
  const exported = nm('-D', '--defined-only', join(BUILD, 'libvozduxan.so'))
    .split('\n')
    .map((line) => line.split(' ')[2])
    .filter((name): name is string => Boolean(name));
  t.true(exported.length >= 17);
  t.deepEqual(
    exported.filter((name) => !name.startsWith('vozduxan_')),
    [],
  );
  t.false(/napi_/.test(nm(join(BUILD, 'libvozduxan.a'))));
  t.false(/napi_/.test(nm('-D', join(BUILD, 'libvozduxan.so'))));
});
