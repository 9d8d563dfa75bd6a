/**
 * The command line's arguments, parsed with Node's `util.parseArgs` and checked into a
 * {@link Command}. Usage mistakes become a {@link CliError} with exit code 2.
 * @packageDocumentation
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { parseArgs } from 'node:util';
import { CliError, checkPeers, type FileChoice } from './cli-source';

/** The help text, exit codes included. */
export const HELP = `Usage:
  vozduxan files <magnet | file.torrent> [options]
  vozduxan play  <magnet | file.torrent> [--file N | --name PATTERN] [options]

Commands:
  files            list the torrent's files: index, size, MIME type, name
  play             stream one file: prints an M3U playlist (#EXTM3U, #EXTINF, the
                   http://127.0.0.1 URL) on stdout for mpv, VLC or any player, then shows
                   live stats on stderr until Ctrl-C, which releases the stream and exits

Options:
  -f, --file N         play file N (see \`vozduxan files\`)
  -n, --name PATTERN   play the file whose name matches PATTERN: a case-insensitive
                       substring, or a glob with * and ? (must match exactly one file)
                       default: the first audio file
      --peer HOST:PORT connect to this peer directly (IP address; repeatable)
      --storage DIR    pieces and metadata cache (default: $XDG_CACHE_HOME/vozduxan,
                       else ~/.cache/vozduxan)
      --timeout MS     how long to wait for a magnet's metadata (default: 90000)
      --loopback       stay on 127.0.0.1: no DHT, LSD, UPnP, NAT-PMP or uTP
      --json           machine-readable stdout: files prints a JSON array; play prints
                       one {"event":"ready",...} line, then one {"event":"stats",...}
                       line per second
  -h, --help           show this help
  -v, --version        show the version

Exit codes:
  0    done; or play stopped by Ctrl-C (SIGINT) or SIGTERM once its stream was ready
  1    other failure (storage, engine)
  2    bad usage or input: unknown option, bad magnet or .torrent, no such file,
       file index out of range, name matches no file or several
  3    timeout: no metadata (or no prebuffer data) from the swarm in time
  130  interrupted while still waiting for metadata or the prebuffer
`;

/** What to do, with every option checked. */
export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | ({ kind: 'files' } & CommonOptions)
  | ({ kind: 'play'; choice: FileChoice } & CommonOptions);

/** Options both `files` and `play` take. */
export interface CommonOptions {
  /** The `<magnet | file.torrent>` argument. */
  source: string;
  /** Storage folder for the session. */
  storage: string;
  /** `--peer` values, checked. */
  peers: string[];
  /** `--timeout`, in ms, when given. */
  timeoutMs?: number;
  /** `--loopback`. */
  loopback: boolean;
  /** `--json`. */
  json: boolean;
}

const OPTIONS = {
  file: { type: 'string', short: 'f' },
  name: { type: 'string', short: 'n' },
  peer: { type: 'string', multiple: true },
  storage: { type: 'string' },
  timeout: { type: 'string' },
  loopback: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

type Values = ReturnType<typeof parseWithNode>['values'];

function parseWithNode(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
}

/** Parses argv (without `node` and the script). Throws CliError for any usage mistake. */
export function parseCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Command {
  const { values, positionals } = parseOrExplain(argv);
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const [command, source, ...extra] = positionals;
  if (command === undefined) throw usage('missing command: files or play');
  if (command !== 'files' && command !== 'play') throw usage(`unknown command '${command}'`);
  if (source === undefined) throw usage(`${command} needs a magnet link or a .torrent file`);
  if (extra.length > 0) throw usage(`unexpected argument '${extra[0]}'`);
  const common = commonOptions(source, values, env);
  if (command === 'files') {
    if (values.file !== undefined || values.name !== undefined) {
      throw usage('--file and --name are options of play, not files');
    }
    return { kind: 'files', ...common };
  }
  return { kind: 'play', choice: fileChoice(values), ...common };
}

function parseOrExplain(argv: readonly string[]): ReturnType<typeof parseWithNode> {
  try {
    return parseWithNode(argv);
  } catch (error) {
    throw usage(explainParseError(error));
  }
}

/** Node's parseArgs messages, shortened to one line that names the option. */
function explainParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Node quotes the option as '-f', '--file' or '-f, --file <value>': name it by its long form.
  const quoted = /'(?:-\w, )?(-[^' ]*)/.exec(message)?.[1];
  const option = quoted === undefined ? undefined : longName(quoted);
  if (option !== undefined) {
    if ((error as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      return `unknown option '${option}'`;
    }
    if (message.includes('argument missing')) return `${option} needs a value`;
    if (message.includes('ambiguous')) {
      return `${option} needs a value; for one that starts with '-', write ${option}=VALUE`;
    }
    if (message.includes('does not take an argument')) return `${option} takes no value`;
  }
  // Node's messages may span lines; the first one says what is wrong.
  const [first = message] = message.split('\n');
  return first.replace(/\.$/, '');
}

function longName(option: string): string {
  const short = /^-(\w)$/.exec(option)?.[1];
  const entry = Object.entries(OPTIONS).find(([, spec]) => 'short' in spec && spec.short === short);
  return entry ? `--${entry[0]}` : option;
}

function usage(message: string): CliError {
  return new CliError(`${message} (see \`vozduxan --help\`)`);
}

function commonOptions(source: string, values: Values, env: NodeJS.ProcessEnv): CommonOptions {
  return {
    source,
    storage: values.storage ?? defaultStorage(env),
    peers: checkPeers(values.peer ?? []),
    timeoutMs:
      values.timeout === undefined ? undefined : wholeNumber('--timeout', values.timeout, 1),
    loopback: values.loopback === true,
    json: values.json === true,
  };
}

function fileChoice(values: Values): FileChoice {
  if (values.file !== undefined && values.name !== undefined) {
    throw usage('give --file or --name, not both');
  }
  if (values.name === '') throw usage('--name needs a pattern');
  return {
    index: values.file === undefined ? undefined : wholeNumber('--file', values.file, 0),
    pattern: values.name,
  };
}

function wholeNumber(option: string, text: string, min: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < min) {
    throw usage(`${option} needs a whole number${min > 0 ? ` >= ${min}` : ''}, not '${text}'`);
  }
  return value;
}

/** `$XDG_CACHE_HOME/vozduxan` when that is an absolute path, else `~/.cache/vozduxan`. */
export function defaultStorage(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'vozduxan');
  return join(homedir(), '.cache', 'vozduxan');
}
