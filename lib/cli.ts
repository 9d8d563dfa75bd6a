/**
 * `vozduxan`, the command line: `files` lists a torrent's files, `play` streams one of them on a
 * localhost URL for mpv, VLC or any player. Run `vozduxan --help` for the options.
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, type CommonOptions, HELP, parseCommand } from './cli-args';
import { filesTable, formatBytes, m3u, statsText } from './cli-format';
import { CliError, EXIT, pickFile, readSource, type Source } from './cli-source';
import { Interrupt, type OutputStream, ProgressReporter, StatusLine } from './cli-terminal';
import {
  type FileEntry,
  LOOPBACK_SETTINGS,
  libtorrentVersion,
  Session,
  type StreamInfo,
  type StreamStats,
  VozduxanError,
} from './index';

export { EXIT } from './cli-source';

/** Where the CLI reads and writes; defaults to the process's own streams and environment. */
export interface CliIo {
  /** Results: the file list, the M3U playlist, JSON lines. */
  stdout: OutputStream;
  /** Progress, live stats and error lines. */
  stderr: OutputStream;
  /** Environment (for `XDG_CACHE_HOME`). */
  env: NodeJS.ProcessEnv;
}

/** How often `play` refreshes its live stats, in ms. */
const STATS_INTERVAL_MS = 1000;
/** Without a TTY (a log), a plain stats line every this many refreshes, or on a state change. */
const PLAIN_STATS_EVERY = 10;

/** `files` or `play`: the commands that open a session. */
type SessionCommand = Extract<Command, { source: string }>;
type PlayCommand = Extract<Command, { kind: 'play' }>;

interface Context {
  io: CliIo;
  status: StatusLine;
  interrupt: Interrupt;
}

/**
 * Runs the command line with `argv` (without `node` and the script) and resolves with the exit
 * code; never throws. Errors are one `vozduxan: <message>` line on stderr.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const status = new StatusLine(io.stderr);
  try {
    return await dispatch(parseCommand(argv, io.env), io, status);
  } catch (error) {
    status.clear();
    io.stderr.write(`vozduxan: ${messageOf(error)}\n`);
    return exitCodeOf(error);
  }
}

function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

async function dispatch(command: Command, io: CliIo, status: StatusLine): Promise<number> {
  if (command.kind === 'help') {
    io.stdout.write(HELP);
    return EXIT.OK;
  }
  if (command.kind === 'version') {
    io.stdout.write(`${versionText()}\n`);
    return EXIT.OK;
  }
  const interrupt = new Interrupt();
  // A reader that went away (`| head -1`) ends the command as Ctrl-C would. The listeners stay:
  // the EPIPE may be reported after the command finished, and must not crash the exit.
  const onOutputError = (): void => interrupt.trigger();
  process.stdout.on('error', onOutputError);
  process.stderr.on('error', onOutputError);
  try {
    return await withSession(command, { io, status, interrupt });
  } catch (error) {
    if (interrupt.triggered && isCancelled(error)) {
      status.end();
      return EXIT.INTERRUPTED;
    }
    throw error;
  } finally {
    interrupt.dispose();
  }
}

async function withSession(command: SessionCommand, ctx: Context): Promise<number> {
  const source = await readSource(command.source);
  const session = await openSession(command, source);
  try {
    const input = { ...source.input, peers: command.peers };
    if (command.kind === 'files')
      return await listFiles(ctx, command, session, { ...source, input });
    return await play(ctx, command, session, { ...source, input });
  } finally {
    await session.close().catch(() => undefined);
  }
}

/** Opens the session: creates the storage folder, applies --loopback and --timeout. */
async function openSession(command: SessionCommand, source: Source): Promise<Session> {
  try {
    await mkdir(command.storage, { recursive: true });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? messageOf(error);
    throw new CliError(
      `cannot create storage folder '${command.storage}': ${reason}`,
      EXIT.FAILURE,
    );
  }
  // Listing a .torrent file needs no network at all: stay off DHT, LSD, UPnP and NAT-PMP.
  const offline = command.kind === 'files' && source.hasMetadata;
  return Session.create({
    storagePath: command.storage,
    metadataTimeoutMs: command.timeoutMs,
    settings: command.loopback || offline ? { ...LOOPBACK_SETTINGS } : undefined,
  });
}

/** `vozduxan files`: the file table, or a JSON array with --json. */
async function listFiles(
  ctx: Context,
  command: CommonOptions,
  session: Session,
  source: Source,
): Promise<number> {
  const files = await resolveFiles(ctx, session, source, () =>
    ctx.status.hint('resolving metadata...'),
  );
  ctx.status.clear();
  ctx.io.stdout.write(command.json ? `${JSON.stringify(files)}\n` : filesTable(files));
  return EXIT.OK;
}

/**
 * Lists the torrent's files. `waiting` runs once the listing is known to wait for the swarm,
 * so input the engine rejects at once (a garbage magnet) prints nothing but the error.
 */
async function resolveFiles(
  ctx: Context,
  session: Session,
  source: Source,
  waiting: () => void,
): Promise<FileEntry[]> {
  const listing = session.listFiles({ ...source.input, signal: ctx.interrupt.signal });
  if (!source.hasMetadata && !(await settlesAtOnce(listing))) waiting();
  try {
    return await listing;
  } catch (error) {
    // With a .torrent file (peers already checked), bad input can only be the file itself.
    if (source.hasMetadata && error instanceof VozduxanError && error.code === 'BAD_INPUT') {
      throw new CliError(`${source.label}: ${error.message}`);
    }
    throw error;
  }
}

/** Whether `promise` settles before the event loop's next turn (input checked synchronously). */
function settlesAtOnce(promise: Promise<unknown>): Promise<boolean> {
  const settled = promise.then(
    () => true,
    () => true,
  );
  return Promise.race([settled, new Promise<boolean>((resolve) => setImmediate(resolve, false))]);
}

/** `vozduxan play`: progress, then the playlist, then live stats until Ctrl-C. */
async function play(
  ctx: Context,
  command: PlayCommand,
  session: Session,
  source: Source,
): Promise<number> {
  const progress = new ProgressReporter(ctx.status);
  const files = await resolveFiles(ctx, session, source, () =>
    progress.show(0, 'resolving metadata'),
  );
  const entry = pickFile(files, command.choice);
  const stream = await session.prepare({
    ...source.input,
    fileIndex: entry.index,
    onProgress: (fraction, status) => progress.show(fraction, status),
    signal: ctx.interrupt.signal,
  });
  ctx.status.end();
  announce(ctx, command, entry, stream);
  try {
    await watchStats(ctx, command, session, stream);
  } finally {
    ctx.status.end();
    await session.release(stream.token).catch(() => false);
  }
  return EXIT.OK;
}

/** Prints the ready stream: the M3U playlist (or the JSON ready line) and a hint for humans. */
function announce(
  ctx: Context,
  command: CommonOptions,
  entry: FileEntry,
  stream: StreamInfo,
): void {
  if (command.json) {
    const { url, token, fileSize, mimeType, prebufferBytes } = stream;
    const ready = { event: 'ready', url, token, fileSize, mimeType, prebufferBytes };
    ctx.io.stdout.write(`${JSON.stringify({ ...ready, name: entry.name, index: entry.index })}\n`);
    return;
  }
  ctx.io.stdout.write(m3u(entry.name, stream.url));
  ctx.io.stderr.write(
    `Streaming ${entry.name} (${formatBytes(stream.fileSize)}, ${stream.mimeType})\n` +
      `  open in a player: mpv ${stream.url}\n  Ctrl-C stops\n`,
  );
}

/** Reports the stream's stats every second until the interrupt (Ctrl-C, SIGTERM) arrives. */
function watchStats(
  ctx: Context,
  command: CommonOptions,
  session: Session,
  stream: StreamInfo,
): Promise<void> {
  const report = statsReporter(ctx, command);
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      try {
        report(session.stats(stream.token));
      } catch (error) {
        clearInterval(timer);
        reject(error);
      }
    };
    const timer = setInterval(tick, STATS_INTERVAL_MS);
    void ctx.interrupt.stopped.then(() => {
      clearInterval(timer);
      resolve();
    });
    tick();
  });
}

function statsReporter(ctx: Context, command: CommonOptions): (stats: StreamStats) => void {
  if (command.json) {
    return (stats) => ctx.io.stdout.write(`${JSON.stringify({ event: 'stats', ...stats })}\n`);
  }
  let ticks = 0;
  let lastState = '';
  return (stats) => {
    const due = ctx.status.tty || ticks % PLAIN_STATS_EVERY === 0 || stats.state !== lastState;
    ticks += 1;
    lastState = stats.state;
    if (due) ctx.status.update(statsText(stats));
  };
}

function versionText(): string {
  const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  try {
    return `vozduxan ${version} (libtorrent ${libtorrentVersion()})`;
  } catch {
    return `vozduxan ${version}`;
  }
}

function isCancelled(error: unknown): boolean {
  return error instanceof VozduxanError && error.code === 'CANCELLED';
}

function messageOf(error: unknown): string {
  if (error instanceof VozduxanError && error.code === 'METADATA_TIMEOUT') {
    return `${error.message} (is the swarm reachable? try --peer or a longer --timeout)`;
  }
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] || 'unknown error';
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (!(error instanceof VozduxanError)) return EXIT.FAILURE;
  switch (error.code) {
    case 'BAD_INPUT':
    case 'INVALID_FILE':
      return EXIT.USAGE;
    case 'METADATA_TIMEOUT':
    case 'BUFFER_TIMEOUT':
      return EXIT.TIMEOUT;
    case 'CANCELLED':
      return EXIT.INTERRUPTED;
    default:
      return EXIT.FAILURE;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
