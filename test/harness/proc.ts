import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3'; // the python3 first on PATH lacks libtorrent

const TAIL_BYTES = 16 * 1024;

/** Runs a short-lived command to completion; rejects with its stderr on failure. */
export function run(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(out).toString());
      else
        reject(
          new Error(
            `${cmd} ${args.join(' ')} failed (${signal ?? code}): ${Buffer.concat(err).toString().trim()}`,
          ),
        );
    });
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Tied {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  /** Last bytes of stdout+stderr, for error messages. */
  output(): string;
  /** Calls listener with every complete output line from now on. */
  onLine(listener: (line: string) => void): void;
  /** Resolves with the first output line matching re; rejects if the process exits first or on timeout. */
  waitForLine(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Sends signal (default SIGTERM), then SIGKILL after graceMs; resolves once the process has exited. */
  stop(graceMs?: number, signal?: NodeJS.Signals): Promise<void>;
}

/** Live children and the signal that ends them from a synchronous 'exit' hook. */
const live = new Map<ChildProcess, NodeJS.Signals>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: a plain kill is all that can be done here.
  process.on('exit', () => {
    for (const [child, signal] of live) child.kill(signal);
  });
}

// Makes the kernel SIGKILL the child when this process dies, even by SIGKILL, where no
// 'exit' handler runs. prctl(PR_SET_PDEATHSIG) survives exec.
const PDEATHSIG_EXEC =
  'import ctypes,os,signal,sys\n' +
  'ctypes.CDLL(None).prctl(1, signal.SIGKILL)\n' +
  'if os.getppid() != int(sys.argv[1]): sys.exit(1)\n' +
  'os.execvp(sys.argv[2], sys.argv[2:])';
const TETHER = fileURLToPath(new URL('./tether.py', import.meta.url));

/**
 * How the child is kept from outliving this process if it dies without running 'exit' hooks:
 * - 'stdin': the program exits by itself when its stdin closes (the harness's Python scripts);
 * - 'pdeathsig': exec through prctl(PR_SET_PDEATHSIG) (cleared if the program changes uid);
 * - 'tether': run under tether.py, which kills it when stdin closes (for daemons that drop
 *   privileges; the child's pid is then tether's).
 */
export type Guard = 'stdin' | 'pdeathsig' | 'tether';

export interface SpawnTiedOptions {
  cwd?: string;
  guard: Guard;
}

function wrap(cmd: string, args: readonly string[], guard: Guard): [string, string[]] {
  switch (guard) {
    case 'stdin':
      return [cmd, [...args]];
    case 'pdeathsig':
      return [PYTHON, ['-c', PDEATHSIG_EXEC, String(process.pid), cmd, ...args]];
    case 'tether':
      return [PYTHON, [TETHER, cmd, ...args]];
  }
}

/** Spawns a long-running helper that never outlives this process. */
export function spawnTied(cmd: string, args: readonly string[], opts: SpawnTiedOptions): Tied {
  installExitHook();
  const [file, argv] = wrap(cmd, args, opts.guard);
  // stdin stays an open pipe: helpers treat its EOF as "parent gone".
  const child = spawn(file, argv, { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  // A SIGKILLed tether could not take its child down with it.
  live.set(child, opts.guard === 'tether' ? 'SIGTERM' : 'SIGKILL');

  let tail = '';
  const lineWaiters = new Set<(line: string) => void>();
  let partial = '';
  const onData = (b: Buffer): void => {
    const text = b.toString();
    tail = (tail + text).slice(-TAIL_BYTES);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) for (const w of lineWaiters) w(line);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  // An EPIPE on stdin after the child died is expected, not an error worth crashing on.
  child.stdin?.on('error', () => {});

  const exited = new Promise<Exit>((resolve) => {
    child.on('error', (err) => {
      tail += `\nspawn error: ${err.message}`;
      live.delete(child);
      resolve({ code: null, signal: null });
    });
    // 'close', not 'exit': output written just before exiting must reach line waiters first.
    child.on('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const describe = (): string => `${cmd} ${args.join(' ')}\n--- output ---\n${tail}`;

  return {
    child,
    exited,
    output: () => tail,
    onLine(listener) {
      lineWaiters.add(listener);
    },
    waitForLine(re, timeoutMs) {
      return new Promise((resolve, reject) => {
        const done = (fn: () => void): void => {
          clearTimeout(timer);
          lineWaiters.delete(onLine);
          fn();
        };
        const onLine = (line: string): void => {
          const m = line.match(re);
          if (m) done(() => resolve(m));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`timed out waiting for ${re}: ${describe()}`))),
          timeoutMs,
        );
        lineWaiters.add(onLine);
        void exited.then((e) =>
          done(() =>
            reject(new Error(`exited (${e.signal ?? e.code}) before ${re}: ${describe()}`)),
          ),
        );
      });
    },
    async stop(graceMs = 5000, signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
