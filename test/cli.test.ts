// The `vozduxan` command line, driven as a real child process against loopback seeders.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import test, { type ExecutionContext } from 'ava';
import { formatBytes } from '../lib/cli-format.ts';
import { nameMatches } from '../lib/cli-source.ts';
import type { FileEntry, StreamStats } from '../lib/index.ts';
import { type Fixture, magnetFor, startSwarm, waitFor } from './harness/index.ts';
import { sharedFixtures, tempDir } from './helpers.ts';
import { httpGet } from './http-client.ts';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'lib', 'cli.ts');
const SHIM = join(ROOT, 'bin', 'vozduxan.js');
const DEAD_HASH = '0123456789abcdef0123456789abcdef01234567';
const MIME: Record<string, string> = {
  flac: 'audio/flac',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  txt: 'text/plain',
};

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

type CliChild = ChildProcessByStdio<null, Readable, Readable>;

/** A running CLI: its own process group, its output split into lines as they come. */
class RunningCli {
  readonly child: CliChild;
  readonly finished: Promise<Finished>;
  readonly #lines: Record<'stdout' | 'stderr', string[]> = { stdout: [], stderr: [] };
  readonly #waiters = new Set<() => void>();
  #exited = false;

  constructor(t: ExecutionContext, args: readonly string[], entry = CLI) {
    const node = entry.endsWith('.ts') ? ['--import', 'tsx', entry] : [entry];
    // detached: the child leads its own process group, as a shell job would; the tests
    // signal the group (as Ctrl-C does) and check that nothing in it outlives the command.
    this.child = spawn(process.execPath, [...node, ...args], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const text = { stdout: '', stderr: '' };
    for (const name of ['stdout', 'stderr'] as const) {
      let partial = '';
      this.child[name].setEncoding('utf8'); // no character split across chunks (Öresund)
      this.child[name].on('data', (chunk: string) => {
        text[name] += chunk;
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        this.#lines[name].push(...parts);
        this.#wake();
      });
    }
    this.finished = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.#exited = true;
        this.#wake();
        resolve({ code, signal, ...text });
      });
    });
    t.teardown(() => {
      if (!this.#exited) killGroup(this.child.pid);
    });
  }

  /** The first line on `stream` (from index `from` on) for which `accept` returns a value. */
  async line<T>(
    stream: 'stdout' | 'stderr',
    accept: (line: string) => T | undefined,
    from = 0,
  ): Promise<{ value: T; index: number }> {
    for (let index = from; ; ) {
      const lines = this.#lines[stream];
      for (; index < lines.length; index++) {
        const value = accept(lines[index]);
        if (value !== undefined) return { value, index };
      }
      if (this.#exited) {
        const { code, signal, stderr } = await this.finished;
        throw new Error(`the CLI exited (${signal ?? code}) first; stderr:\n${stderr}`);
      }
      await new Promise<void>((resolve) => this.#waiters.add(resolve));
    }
  }

  #wake(): void {
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }
}

function killGroup(pid: number | undefined): void {
  try {
    if (pid) process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Whether any process is left in the group `pgid`. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Every run stays on loopback with its own storage folder. */
function hermetic(args: readonly string[]): string[] {
  return [...args, '--loopback', '--storage', tempDir('vz-cli-')];
}

async function runCli(t: ExecutionContext, args: readonly string[]): Promise<Finished> {
  const finished = await new RunningCli(t, hermetic(args)).finished;
  t.log(`vozduxan ${args.join(' ')} → ${finished.signal ?? finished.code}`);
  return finished;
}

function expectedFiles(fixture: Fixture): FileEntry[] {
  return fixture.files.map((f, index) => ({
    index,
    name: f.path,
    mime: MIME[f.path.split('.').pop() ?? ''],
    size: f.size,
  }));
}

interface Row {
  index: number;
  sizeText: string;
  mime: string;
  name: string;
}

/** Parses the `files` table: a header, then `index  size  type  name` rows. */
function parseTable(stdout: string): Row[] {
  const [header, ...rows] = stdout.trimEnd().split('\n');
  if (!/^\s*#\s+size\s+type\s+name$/.test(header)) throw new Error(`bad header: ${header}`);
  return rows.map((row) => {
    const m = /^\s*(\d+)\s+(\d+(?:\.\d)? (?:B|KiB|MiB|GiB|TiB))\s+(\S+)\s+(\S.*)$/.exec(row);
    if (!m) throw new Error(`bad row: ${row}`);
    return { index: Number(m[1]), sizeText: m[2], mime: m[3], name: m[4] };
  });
}

/** Asserts the one-line error contract: a non-zero code, one `vozduxan:` line, no stack. */
function assertOneErrorLine(t: ExecutionContext, result: Finished, code: number): void {
  t.is(result.code, code, result.stderr);
  t.is(result.signal, null);
  t.false(result.stderr.includes('    at '), result.stderr);
  t.regex(result.stderr, /^vozduxan: \S[^\n]*\n$/, 'exactly one line on stderr');
}

test('files lists a .torrent file as a table: index, human size, MIME type, name', async (t) => {
  const { album } = await sharedFixtures();
  const result = await runCli(t, ['files', album.torrentPath]);
  t.is(result.code, 0, result.stderr);
  t.is(result.stderr, '');
  t.deepEqual(
    parseTable(result.stdout),
    expectedFiles(album).map(({ index, name, mime, size }) => ({
      index,
      sizeText: formatBytes(size),
      mime,
      name,
    })),
  );
});

test('files --json from a magnet: the entries equal the fixture files', async (t) => {
  const { album } = await sharedFixtures();
  const swarm = await startSwarm(album, { seeders: ['libtorrent'] });
  t.teardown(() => swarm.stop());
  const result = await runCli(t, ['files', swarm.magnet(), '--json']);
  t.is(result.code, 0, result.stderr);
  t.is(result.stderr, '');
  t.deepEqual(JSON.parse(result.stdout), expectedFiles(album));
  t.is(result.stdout.trimEnd().split('\n').length, 1, 'one JSON line');
});

test('files --json from a bare magnet with repeated --peer', async (t) => {
  const { single } = await sharedFixtures();
  const swarm = await startSwarm(single, { seeders: ['aria2', 'libtorrent'] });
  t.teardown(() => swarm.stop());
  const peers = swarm.peers.flatMap((peer) => ['--peer', peer]);
  const result = await runCli(t, ['files', swarm.magnet({ peers: false }), ...peers, '--json']);
  t.is(result.code, 0, result.stderr);
  t.deepEqual(JSON.parse(result.stdout), expectedFiles(single));
});

test('play --json: ready line, byte-exact stream, stats lines; SIGINT exits 0 and leaves nothing', async (t) => {
  const { album } = await sharedFixtures();
  const swarm = await startSwarm(album, { seeders: ['aria2', 'libtorrent'] });
  t.teardown(() => swarm.stop());
  const cli = new RunningCli(t, hermetic(['play', swarm.magnet(), '--json']));
  const json = (line: string): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  const ready = await cli.line('stdout', (line) => {
    const value = json(line);
    return value?.event === 'ready' ? value : undefined;
  });
  // No --file or --name: the first audio file.
  const file = album.files[0];
  t.is(ready.index, 0, 'the ready line is the first on stdout');
  t.like(ready.value, { name: file.path, index: 0, fileSize: file.size, mimeType: 'audio/flac' });
  t.regex(String(ready.value.token), /^[0-9a-f]{48}$/);
  const url = String(ready.value.url);
  t.is(url, `${url.slice(0, url.lastIndexOf('/') + 1)}${ready.value.token}`);
  t.regex(url, /^http:\/\/127\.0\.0\.1:\d+\/stream\/[0-9a-f]{48}$/);

  const response = await httpGet(url);
  t.is(response.status, 200);
  t.is(sha256(response.body), file.sha256);

  const stats = (line: string): StreamStats | undefined => {
    const value = json(line);
    return value?.event === 'stats' ? (value as unknown as StreamStats) : undefined;
  };
  const first = await cli.line('stdout', stats);
  t.is(first.value.fileSize, file.size);
  t.true(first.value.piecesTotal > 0);
  // Every byte was served, so every piece is verified: a later line says so.
  const complete = await cli.line(
    'stdout',
    (line) => (stats(line)?.state === 'complete' ? stats(line) : undefined),
    first.index,
  );
  t.is(complete.value.piecesHad, complete.value.piecesTotal);

  const pid = cli.child.pid ?? 0;
  process.kill(-pid, 'SIGINT'); // what Ctrl-C sends: the whole foreground group
  const result = await cli.finished;
  t.is(result.code, 0, result.stderr);
  t.is(result.signal, null);
  t.false(groupAlive(pid), 'no process left in the CLI process group');
  t.false(result.stderr.includes('vozduxan:'), result.stderr);
  t.false(result.stderr.includes('    at '), result.stderr);
  // Every stdout line is one JSON object.
  t.true(
    result.stdout
      .trimEnd()
      .split('\n')
      .every((line) => json(line) !== undefined),
  );
  // The session is closed: its HTTP server is gone (the port refuses connections, unless some
  // other process has since taken it, which cannot serve this stream).
  const after = await httpGet(url).catch((error: NodeJS.ErrnoException) => error);
  if (after instanceof Error) t.is(after.code, 'ECONNREFUSED');
  else t.not(after.status, 200);
});

test('play from a .torrent file with --name prints an M3U playlist; SIGTERM exits 0', async (t) => {
  const { album } = await sharedFixtures();
  const swarm = await startSwarm(album, { seeders: ['libtorrent'] });
  t.teardown(() => swarm.stop());
  const index = album.files.findIndex((f) => f.path.endsWith('.mp3'));
  const file = album.files[index];
  const args = ['play', album.torrentPath, '--name', '*.MP3', '--peer', swarm.peers[0]];
  const cli = new RunningCli(t, hermetic(args));
  const url = await cli.line('stdout', (line) => (line.startsWith('http://') ? line : undefined));
  t.is(url.index, 2);
  const response = await httpGet(url.value);
  t.is(sha256(response.body), file.sha256);
  // The live stats line (plain lines: stderr is a pipe, not a TTY).
  await cli.line('stderr', (line) => (/ \| pieces \d+\/\d+ \| /.test(line) ? line : undefined));

  const pid = cli.child.pid ?? 0;
  process.kill(-pid, 'SIGTERM');
  const result = await cli.finished;
  t.is(result.code, 0, result.stderr);
  t.is(result.signal, null);
  // The group's last processes (hermetic.sh's namespace) go a moment after the CLI's exit is
  // reported: wait for that state, bounded, instead of sampling it once.
  await waitFor('the process group gone', async () => (groupAlive(pid) ? undefined : true), {
    timeoutMs: 10_000,
  });
  const name = file.path.split('/').pop();
  t.is(result.stdout, `#EXTM3U\n#EXTINF:-1,${name}\n${url.value}\n`);
  // Progress lines came first, then the ready summary; no error line, no stack.
  t.regex(result.stderr, /^\[[#-]{24}\] +\d+% {2}\w/m);
  t.true(result.stderr.includes(`Streaming ${file.path}`), result.stderr);
  t.false(result.stderr.includes('vozduxan:'), result.stderr);
  t.false(result.stderr.includes('    at '), result.stderr);
});

test('bad input: one `vozduxan:` line on stderr, exit code 2, no stack trace', async (t) => {
  const { album } = await sharedFixtures();
  const notes = album.files.find((f) => f.path.endsWith('.txt'));
  const notesIndex = album.files.findIndex((f) => f.path.endsWith('.txt'));
  const cases: [string, string[]][] = [
    ['garbage magnet', ['files', 'magnet:?xt=urn:btih:not-a-hash']],
    ['magnet without an info hash', ['play', 'magnet:?dn=nothing']],
    ['missing file', ['files', join(tempDir(), 'missing.torrent')]],
    ['a directory', ['files', tempDir()]],
    ['a file that is not a torrent', ['files', notes?.absPath ?? '']],
    ['--file out of range', ['play', album.torrentPath, '--file', '99']],
    ['--file not a number', ['play', album.torrentPath, '--file', 'two']],
    ['--file of a text file', ['play', album.torrentPath, '--file', String(notesIndex)]],
    ['--name matching nothing', ['play', album.torrentPath, '--name', 'nothing-like-this']],
    ['--name matching several files', ['play', album.torrentPath, '--name', '*.flac']],
    ['--file and --name', ['play', album.torrentPath, '--file', '0', '--name', 'intro']],
    ['--file with files', ['files', album.torrentPath, '--file', '0']],
    ['unknown option', ['files', album.torrentPath, '--bogus']],
    ['unknown command', ['stream', album.torrentPath]],
    ['missing command', []],
    ['missing torrent', ['play']],
    ['bad --peer', ['files', album.torrentPath, '--peer', 'localhost']],
    ['bad --timeout', ['files', album.torrentPath, '--timeout', '-5']],
  ];
  for (const [label, args] of cases) {
    const result = await runCli(t, args);
    t.log(`${label}: ${result.stderr.trimEnd()}`);
    assertOneErrorLine(t, result, 2);
  }
});

test('a metadata timeout exits 3 with one `vozduxan:` line', async (t) => {
  // The peer hint is a loopback port nobody listens on.
  const magnet = magnetFor(DEAD_HASH, { peers: ['127.0.0.1:9'] });
  const files = await runCli(t, ['files', magnet, '--timeout', '300']);
  assertOneErrorLine(t, files, 3);
  t.regex(files.stderr, /metadata/);

  const play = await runCli(t, ['play', magnet, '--timeout', '300', '--json']);
  t.is(play.code, 3, play.stderr);
  t.is(play.stdout, '');
  t.false(play.stderr.includes('    at '), play.stderr);
  // Before the error, play shows its progress (plain lines without a TTY); the error is the
  // one `vozduxan:` line, and the last.
  const lines = play.stderr.trimEnd().split('\n');
  t.is(lines.filter((line) => line.startsWith('vozduxan:')).length, 1, play.stderr);
  t.regex(lines[lines.length - 1], /^vozduxan: .*metadata/);
});

test('Ctrl-C while play waits for metadata exits 130 and leaves nothing', async (t) => {
  const magnet = magnetFor(DEAD_HASH, { peers: ['127.0.0.1:9'] });
  const cli = new RunningCli(t, hermetic(['play', magnet]));
  await cli.line('stderr', (line) => (line.endsWith('resolving metadata') ? line : undefined));
  const pid = cli.child.pid ?? 0;
  process.kill(-pid, 'SIGINT');
  const result = await cli.finished;
  t.is(result.code, 130, result.stderr);
  t.is(result.signal, null);
  t.is(result.stdout, '');
  t.false(result.stderr.includes('vozduxan:'), result.stderr);
  // The group's last processes (hermetic.sh's namespace) go a moment after the CLI's exit is
  // reported: wait for that state, bounded, instead of sampling it once.
  await waitFor('the process group gone', async () => (groupAlive(pid) ? undefined : true), {
    timeoutMs: 10_000,
  });
});

test('--help documents the commands and exit codes; --version prints the package version', async (t) => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
  };
  const help = await runCli(t, ['--help']);
  t.is(help.code, 0);
  t.is(help.stderr, '');
  for (const text of ['vozduxan files', 'vozduxan play', '--loopback', 'Exit codes', '130']) {
    t.true(help.stdout.includes(text), text);
  }
  const shown = await runCli(t, ['--version']);
  t.is(shown.code, 0);
  t.regex(shown.stdout, new RegExp(`^vozduxan ${version.replace(/\./g, '\\.')} \\(libtorrent `));
});

test('the bin shim runs the compiled CLI (dist/cli.js)', async (t) => {
  const shim = readFileSync(SHIM, 'utf8');
  t.true(shim.startsWith('#!/usr/bin/env node\n'));
  t.true((statSync(SHIM).mode & 0o111) !== 0, 'bin/vozduxan.js is executable');
  const source = await new RunningCli(t, ['--version']).finished;
  const shimmed = await new RunningCli(t, ['--version'], SHIM).finished;
  t.is(shimmed.code, 0, `${shimmed.stderr} (run npm run compile:ts first)`);
  t.is(shimmed.stdout, source.stdout);
  const { album } = await sharedFixtures();
  const bad = await new RunningCli(t, hermetic(['play', album.torrentPath, '--file', '99']), SHIM)
    .finished;
  assertOneErrorLine(t, bad, 2);
});

test('sizes are human-readable, in binary units', (t) => {
  t.is(formatBytes(0), '0 B');
  t.is(formatBytes(1023), '1023 B');
  t.is(formatBytes(1536), '1.5 KiB');
  t.is(formatBytes(5 * 1024 * 1024), '5.0 MiB');
  t.is(formatBytes(3.25 * 1024 ** 3), '3.3 GiB');
});

test('--name matches a case-insensitive substring or a glob', (t) => {
  const name = 'Album/03 - Öresund.wav';
  for (const pattern of ['öresund', 'ÖRESUND', '03 -', '*.WAV', '03*', 'album/*', '0? - *']) {
    t.true(nameMatches(name, pattern), pattern);
  }
  for (const pattern of ['oresund', '*.flac', '3*', 'Album/04*']) {
    t.false(nameMatches(name, pattern), pattern);
  }
});
