/**
 * The command line's inputs: the torrent to open (a magnet or a .torrent file), the peers to
 * dial, and which file to play. Everything a user can get wrong becomes a {@link CliError}.
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { FileEntry, TorrentInput } from './types';

/** Exit codes of the `vozduxan` command (documented in `--help`). */
export const EXIT = {
  /** Done; or `play` stopped by Ctrl-C / SIGTERM after its stream was ready. */
  OK: 0,
  /** Anything else: storage, engine or internal errors. */
  FAILURE: 1,
  /** Bad usage or bad input: unknown option, bad magnet or .torrent, no such file index. */
  USAGE: 2,
  /** The swarm did not deliver metadata (or prebuffer data) in time. */
  TIMEOUT: 3,
  /** Interrupted (Ctrl-C / SIGTERM) while still waiting for metadata or the prebuffer. */
  INTERRUPTED: 130,
} as const;

/** An error the CLI reports as one `vozduxan: <message>` line, exiting with `exitCode`. */
export class CliError extends Error {
  /** The process exit code to use. */
  readonly exitCode: number;

  /** @param message the one-line explanation @param exitCode see {@link EXIT} */
  constructor(message: string, exitCode: number = EXIT.USAGE) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A torrent named on the command line, ready for `listFiles` and `prepare`. */
export interface Source {
  /** `magnet` or `.torrent bytes`, without peers. */
  input: TorrentInput;
  /** How to name it in messages: the file path, or `the magnet`. */
  label: string;
  /** True when the metadata is at hand (a .torrent file); false when the swarm must send it. */
  hasMetadata: boolean;
}

/** Reads the `<magnet | file.torrent>` argument. Throws CliError when it cannot be used. */
export async function readSource(arg: string): Promise<Source> {
  if (/^magnet:/i.test(arg))
    return { input: { magnet: arg }, label: 'the magnet', hasMetadata: false };
  let bytes: Buffer;
  try {
    bytes = await readFile(arg);
  } catch (error) {
    throw new CliError(unreadable(arg, error));
  }
  if (bytes.length === 0) throw new CliError(`'${arg}' is empty, not a .torrent file`);
  return { input: { torrent: new Uint8Array(bytes) }, label: `'${arg}'`, hasMetadata: true };
}

function unreadable(arg: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return `'${arg}' is neither a magnet link nor an existing file`;
    case 'EISDIR':
      return `'${arg}' is a directory, not a .torrent file`;
    case 'EACCES':
    case 'EPERM':
      return `cannot read '${arg}': permission denied`;
    default:
      return `cannot read '${arg}': ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Checks `--peer` values: `IPv4:PORT` or `[IPv6]:PORT`, port 1-65535. Throws CliError. */
export function checkPeers(peers: readonly string[]): string[] {
  for (const peer of peers) {
    const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(peer);
    const host = match?.[1] ?? match?.[2] ?? '';
    const port = Number(match?.[3]);
    const ipOk = match?.[1] !== undefined ? isIP(host) === 6 : isIP(host) === 4;
    if (!match || !ipOk || port < 1 || port > 65535) {
      throw new CliError(`invalid --peer '${peer}': expected IP:PORT, e.g. 127.0.0.1:6881`);
    }
  }
  return [...peers];
}

/** Which file `play` streams: `--file N`, `--name PATTERN`, or the first audio file. */
export interface FileChoice {
  /** `--file`: a torrent file index, as listed by `vozduxan files`. */
  index?: number;
  /** `--name`: a case-insensitive substring, or a glob with `*` and `?`. */
  pattern?: string;
}

/** Picks the file to play from the list. Throws CliError for no match or an ambiguous one. */
export function pickFile(files: readonly FileEntry[], choice: FileChoice): FileEntry {
  const picked = pickEntry(files, choice);
  if (!picked.mime.startsWith('audio/')) {
    throw new CliError(`file ${picked.index} is not audio (${picked.mime}): ${picked.name}`);
  }
  return picked;
}

function pickEntry(files: readonly FileEntry[], choice: FileChoice): FileEntry {
  if (choice.index !== undefined) return byIndex(files, choice.index);
  if (choice.pattern !== undefined) return byName(files, choice.pattern);
  const audio = files.find((f) => f.mime.startsWith('audio/'));
  if (!audio) throw new CliError('no audio file in this torrent (see `vozduxan files`)');
  return audio;
}

function byIndex(files: readonly FileEntry[], index: number): FileEntry {
  const entry = files.find((f) => f.index === index);
  if (entry) return entry;
  const last = files.length > 0 ? Math.max(...files.map((f) => f.index)) : -1;
  throw new CliError(
    `file index ${index} is out of range: the torrent's files are numbered 0 to ${last} (see \`vozduxan files\`)`,
  );
}

function byName(files: readonly FileEntry[], pattern: string): FileEntry {
  const matches = files.filter((f) => nameMatches(f.name, pattern));
  const [only] = matches;
  if (matches.length === 1 && only) return only;
  if (matches.length === 0) throw new CliError(`no file name matches '${pattern}'`);
  const listed = matches
    .slice(0, 3)
    .map((f) => `${f.index} (${f.name})`)
    .join(', ');
  const more = matches.length > 3 ? ', ...' : '';
  throw new CliError(
    `'${pattern}' matches ${matches.length} files: ${listed}${more}; be more specific or use --file N`,
  );
}

/**
 * Whether a torrent file name matches `--name`: case-insensitively, a pattern with `*` or `?`
 * is a glob over the whole path or its last component; any other pattern is a substring.
 */
export function nameMatches(name: string, pattern: string): boolean {
  const lower = name.toLowerCase();
  const wanted = pattern.toLowerCase();
  if (!/[*?]/.test(wanted)) return lower.includes(wanted);
  const source = wanted
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  const glob = new RegExp(`^${source}$`, 's');
  return glob.test(lower) || glob.test(lower.slice(lower.lastIndexOf('/') + 1));
}
