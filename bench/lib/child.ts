import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { errorText, withTimeout } from './util.ts';

const TAIL = 16 * 1024;
const CLK_TCK = 100; // Linux USER_HZ, what /proc/PID/stat counts in
const SAMPLE_MS = 20;

/** One JSON object per line, both ways. Replies carry the command's id. */
export type Message = Record<string, unknown>;

export interface Usage {
  /** user + system CPU seconds spent between mark() and finish(). */
  cpuSeconds: number;
  /** Peak RssAnon (bytes) sampled every 20 ms between mark() and finish(). */
  peakRssAnon: number;
  /** RssAnon when mark() was called: the idle client, modules loaded. */
  idleRssAnon: number;
}

/** utime + stime of a live process, in seconds; NaN once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state (field 3).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

function rssAnon(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^RssAnon:\s+(\d+) kB$/m.exec(status);
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * A benchmark client in its own process, driven over stdin/stdout JSON lines, with its CPU
 * time and anonymous memory watched through /proc.
 */
export class Client {
  readonly name: string;
  readonly #child: ChildProcess;
  #tail = '';
  #nextId = 1;
  readonly #pending = new Map<
    number,
    { resolve: (m: Message) => void; reject: (e: Error) => void }
  >();
  #exited = false;
  readonly #exit: Promise<void>;
  #ready: Promise<void>;
  #sampler: NodeJS.Timeout | undefined;
  #cpuStart = 0;
  #peak = 0;
  #idle = 0;

  constructor(
    name: string,
    cmd: string,
    args: readonly string[],
    cwd?: string,
    env?: NodeJS.ProcessEnv,
  ) {
    this.name = name;
    this.#child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd, env });
    this.#child.stdin?.on('error', () => {});
    this.#child.stderr?.on('data', (b: Buffer) => {
      this.#tail = (this.#tail + b.toString()).slice(-TAIL);
    });
    let onReady: () => void = () => {};
    let onReadyFail: (e: Error) => void = () => {};
    this.#ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      onReadyFail = reject;
    });
    this.#ready.catch(() => {});
    const lines = createInterface({ input: this.#child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      if (!line.startsWith('{')) {
        this.#tail = `${this.#tail}${line}\n`.slice(-TAIL);
        return;
      }
      let msg: Message;
      try {
        msg = JSON.parse(line) as Message;
      } catch {
        this.#tail = `${this.#tail}${line}\n`.slice(-TAIL);
        return;
      }
      if (msg.ready === true) return onReady();
      const id = typeof msg.id === 'number' ? msg.id : -1;
      const waiter = this.#pending.get(id);
      if (!waiter) return;
      this.#pending.delete(id);
      if (msg.ok === false) waiter.reject(new Error(`${name}: ${String(msg.error)}`));
      else waiter.resolve(msg);
    });
    this.#exit = new Promise<void>((resolve) => {
      this.#child.on('error', (e) => {
        this.#tail += `\nspawn error: ${e.message}`;
      });
      this.#child.on('close', (code, signal) => {
        this.#exited = true;
        const why = new Error(`${name} exited (${signal ?? code})\n${this.#tail}`);
        onReadyFail(why);
        for (const w of this.#pending.values()) w.reject(why);
        this.#pending.clear();
        resolve();
      });
    });
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  output(): string {
    return this.#tail;
  }

  ready(timeoutMs = 30_000): Promise<void> {
    return withTimeout(`${this.name} start`, timeoutMs, this.#ready);
  }

  /** Sends a command and waits for its reply. */
  call(op: string, args: Message = {}, timeoutMs = 120_000): Promise<Message> {
    if (this.#exited) return Promise.reject(new Error(`${this.name} is gone\n${this.#tail}`));
    const id = this.#nextId++;
    const reply = new Promise<Message>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
    });
    this.#child.stdin?.write(`${JSON.stringify({ ...args, op, id })}\n`);
    return withTimeout(`${this.name} ${op}`, timeoutMs, reply).catch((e: unknown) => {
      this.#pending.delete(id);
      throw new Error(`${errorText(e)}\n--- ${this.name} output ---\n${this.#tail}`);
    });
  }

  /** Sends a command that has no reply. */
  send(op: string, args: Message = {}): void {
    if (!this.#exited) this.#child.stdin?.write(`${JSON.stringify({ ...args, op, id: 0 })}\n`);
  }

  /** Starts counting CPU time and sampling RssAnon. */
  mark(): void {
    this.#cpuStart = cpuSeconds(this.pid);
    this.#idle = rssAnon(this.pid);
    this.#peak = this.#idle;
    clearInterval(this.#sampler);
    this.#sampler = setInterval(() => {
      const rss = rssAnon(this.pid);
      if (rss > this.#peak) this.#peak = rss;
    }, SAMPLE_MS);
  }

  /** Stops sampling; the usage since mark(). Call before the client exits. */
  usage(): Usage {
    clearInterval(this.#sampler);
    this.#sampler = undefined;
    const rss = rssAnon(this.pid);
    if (rss > this.#peak) this.#peak = rss;
    return {
      cpuSeconds: cpuSeconds(this.pid) - this.#cpuStart,
      peakRssAnon: this.#peak,
      idleRssAnon: this.#idle,
    };
  }

  /** Asks the client to exit, then kills it if it lingers. */
  async stop(graceMs = 3000): Promise<void> {
    clearInterval(this.#sampler);
    if (this.#exited) return;
    this.#child.stdin?.write(`${JSON.stringify({ op: 'exit', id: 0 })}\n`);
    this.#child.stdin?.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.#exit;
    clearTimeout(timer);
  }

  kill(): Promise<void> {
    clearInterval(this.#sampler);
    if (!this.#exited) this.#child.kill('SIGKILL');
    return this.#exit;
  }
}
