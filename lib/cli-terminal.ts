/**
 * The command line's terminal plumbing: a status line that updates in place on a TTY (plain
 * lines otherwise), a throttled progress reporter, and the Ctrl-C trap.
 * @packageDocumentation
 */
import { progressText } from './cli-format';

/** What the CLI writes to: `process.stdout` and `process.stderr`, or stand-ins. */
export interface OutputStream {
  write(text: string): boolean;
  /** True when the stream is a terminal: the status line then updates in place. */
  isTTY?: boolean;
  /** The terminal's width, when known. */
  columns?: number;
}

const CLEAR_LINE = '\r\x1b[K';

/**
 * One status line on stderr. On a TTY each update replaces the previous one (`\r`, erase line);
 * otherwise each update is a plain line of its own.
 */
export class StatusLine {
  readonly #stream: OutputStream;
  #dirty = false;

  /** @param stream where the line goes (stderr) */
  constructor(stream: OutputStream) {
    this.#stream = stream;
  }

  /** Whether updates replace each other in place. */
  get tty(): boolean {
    return this.#stream.isTTY === true;
  }

  /** Shows `text`: in place on a TTY, as a new line otherwise. */
  update(text: string): void {
    if (!this.tty) {
      this.#stream.write(`${text}\n`);
      return;
    }
    // Longer than the terminal is wide, the line would wrap and `\r` no longer reach its start.
    const columns = this.#stream.columns ?? 0;
    const fitted = columns > 1 && text.length >= columns ? text.slice(0, columns - 1) : text;
    this.#stream.write(`${CLEAR_LINE}${fitted}`);
    this.#dirty = true;
  }

  /** Shows `text` only on a TTY (a transient hint that would only clutter a log). */
  hint(text: string): void {
    if (this.tty) this.update(text);
  }

  /** Keeps what the line shows and moves to a new line (TTY only; plain lines already ended). */
  end(): void {
    if (this.#dirty) this.#stream.write('\n');
    this.#dirty = false;
  }

  /** Erases what the line shows (TTY only). */
  clear(): void {
    if (this.#dirty) this.#stream.write(CLEAR_LINE);
    this.#dirty = false;
  }
}

/**
 * Turns `prepare`'s onProgress calls into progress bar updates: every percent on a TTY, every
 * status change or tenth otherwise, so a log gets a handful of lines, not a hundred.
 */
export class ProgressReporter {
  readonly #line: StatusLine;
  #last = '';

  /** @param line the status line the bar is drawn on */
  constructor(line: StatusLine) {
    this.#line = line;
  }

  /** Reports `fraction` (0..1) done with a status text such as `buffering`. */
  show(fraction: number, status: string): void {
    const percent = Math.floor(Math.min(1, Math.max(0, fraction)) * 100);
    const step = this.#line.tty ? percent : Math.floor(percent / 10);
    const key = `${step} ${status}`;
    if (key === this.#last) return;
    this.#last = key;
    this.#line.update(progressText(fraction, status));
  }
}

/**
 * Traps SIGINT and SIGTERM. The first signal aborts {@link Interrupt.signal} and resolves
 * {@link Interrupt.stopped}, so the command releases its stream and closes its session; a second
 * one exits at once with code 130.
 */
export class Interrupt {
  readonly #controller = new AbortController();
  readonly #stopped: Promise<void>;
  #resolve: () => void = () => undefined;
  readonly #onSignal = (): void => this.#handleSignal();

  /** Installs the signal handlers; call {@link Interrupt.dispose} to remove them. */
  constructor() {
    this.#stopped = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    process.on('SIGINT', this.#onSignal);
    process.on('SIGTERM', this.#onSignal);
  }

  /** Aborted at the first signal (or {@link Interrupt.trigger}); pass it to long waits. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Resolves at the first signal (or {@link Interrupt.trigger}). */
  get stopped(): Promise<void> {
    return this.#stopped;
  }

  /** Whether a stop was requested. */
  get triggered(): boolean {
    return this.#controller.signal.aborted;
  }

  /** Requests a stop as a signal would (e.g. when stdout's reader went away). */
  trigger(): void {
    if (this.triggered) return;
    this.#controller.abort();
    this.#resolve();
  }

  /** Removes the signal handlers. */
  dispose(): void {
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
  }

  #handleSignal(): void {
    if (this.triggered) process.exit(130);
    this.trigger();
  }
}
