import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { nowMs } from './util.ts';

const TICK_MS = 10;
const POSITION_EVERY_MS = 250;

export interface PlayerOptions {
  url: string;
  /** First byte asked for (Range: bytes=offset-). */
  offset: number;
  /** Playback rate, bytes of file per second. */
  rate: number;
  /** Client-side buffer, seconds of audio: playback starts (and restarts after a stall) once it is full. */
  bufferSecs: number;
  /** Called every 250 ms while playing with the playback byte offset (like `timeupdate`). */
  onPosition?: (byte: number) => void;
}

type PlayerState = 'startup' | 'playing' | 'stalled' | 'done' | 'failed';

/**
 * A paced HTTP consumer that models an audio element: it reads while its buffer holds less than
 * bufferSecs of audio (TCP backpressure otherwise), starts playing once the buffer is full,
 * drains it at `rate`, and counts a stall whenever the buffer runs dry before the body ends.
 */
export class Player {
  readonly tRequest: number;
  tFirstByte = Number.NaN;
  tPlayStart = Number.NaN;
  received = 0;
  played = 0;
  stalls = 0;
  stallMs = 0;
  status = 0;
  error = '';
  state: PlayerState = 'startup';
  readonly firstByte: Promise<number>;
  readonly #opts: PlayerOptions;
  readonly #req: ClientRequest;
  #res: IncomingMessage | undefined;
  #eof = false;
  #paused = false;
  #stallStart = 0;
  #last: number;
  #lastPosition = 0;
  readonly #timer: NodeJS.Timeout;
  readonly #waiters: { bytes: number; resolve: () => void }[] = [];
  #resolveFirst: (t: number) => void = () => {};
  #rejectFirst: (e: Error) => void = () => {};
  readonly #closed: Promise<number>;

  constructor(opts: PlayerOptions) {
    this.#opts = opts;
    this.firstByte = new Promise<number>((resolve, reject) => {
      this.#resolveFirst = resolve;
      this.#rejectFirst = reject;
    });
    this.firstByte.catch(() => {});
    const url = new URL(opts.url);
    this.tRequest = nowMs();
    this.#last = this.tRequest;
    let resolveClosed: (t: number) => void = () => {};
    this.#closed = new Promise<number>((resolve) => {
      resolveClosed = resolve;
    });
    this.#req = request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        headers: { Range: `bytes=${opts.offset}-` },
        agent: false,
      },
      (res) => {
        this.#res = res;
        this.status = res.statusCode ?? 0;
        if (this.status !== 200 && this.status !== 206) {
          this.#fail(`HTTP ${this.status}`);
          res.resume();
          return;
        }
        res.on('data', (chunk: Buffer) => this.#onData(chunk));
        res.on('end', () => {
          this.#eof = true;
          this.#tick();
        });
        res.on('error', (e) => this.#fail(e.message));
      },
    );
    this.#req.on('error', (e) => this.#fail(e.message));
    this.#req.on('close', () => resolveClosed(nowMs()));
    this.#req.end();
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
  }

  get buffered(): number {
    return this.received - this.played;
  }

  /** Resolves with the time the connection closed (end of body, abort or server hang-up). */
  closed(): Promise<number> {
    return this.#closed;
  }

  /** Resolves once `seconds` of audio have been played (or the body ran out, or it failed). */
  untilPlayed(seconds: number): Promise<void> {
    const bytes = seconds * this.#opts.rate;
    if (this.played >= bytes || this.state === 'done' || this.state === 'failed')
      return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ bytes, resolve }));
  }

  abort(): void {
    clearInterval(this.#timer);
    if (this.state !== 'done' && this.state !== 'failed') this.#finish('done');
    this.#req.destroy();
  }

  #onData(chunk: Buffer): void {
    if (this.received === 0) {
      this.tFirstByte = nowMs();
      this.#resolveFirst(this.tFirstByte);
    }
    this.received += chunk.length;
    if (!this.#paused && this.buffered >= this.#capacity()) {
      this.#paused = true;
      this.#res?.pause();
    }
  }

  #capacity(): number {
    return this.#opts.rate * this.#opts.bufferSecs;
  }

  #tick(): void {
    const t = nowMs();
    const dt = t - this.#last;
    this.#last = t;
    const full = this.buffered >= this.#capacity() || this.#eof;
    switch (this.state) {
      case 'startup':
        if (this.received > 0 && full) {
          this.state = 'playing';
          this.tPlayStart = t;
        }
        break;
      case 'playing': {
        this.played += Math.min(this.buffered, (this.#opts.rate * dt) / 1000);
        if (this.buffered < 1) {
          if (this.#eof) {
            this.#finish('done');
            return;
          }
          this.state = 'stalled';
          this.stalls++;
          this.#stallStart = t;
        }
        if (this.#opts.onPosition && t - this.#lastPosition >= POSITION_EVERY_MS) {
          this.#lastPosition = t;
          this.#opts.onPosition(this.#opts.offset + Math.floor(this.played));
        }
        break;
      }
      case 'stalled':
        if (full) {
          this.state = 'playing';
          this.stallMs += t - this.#stallStart;
        }
        break;
      default:
        return;
    }
    if (this.#paused && this.buffered < this.#capacity()) {
      this.#paused = false;
      this.#res?.resume();
    }
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const w = this.#waiters[i];
      if (w && this.played >= w.bytes) {
        this.#waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  #fail(message: string): void {
    if (this.state === 'done' || this.state === 'failed') return;
    this.error = message;
    this.#rejectFirst(new Error(message));
    this.#finish('failed');
  }

  #finish(state: 'done' | 'failed'): void {
    if (this.state === 'stalled') this.stallMs += nowMs() - this.#stallStart;
    this.state = state;
    clearInterval(this.#timer);
    for (const w of this.#waiters.splice(0)) w.resolve();
  }
}

export interface Fetched {
  status: number;
  bytes: number;
  tRequest: number;
  tFirstByte: number;
  tEnd: number;
}

/**
 * A minimal keep-alive HTTP/1.1 client over one socket that counts body bytes without copying
 * them, so it can measure a server at GB/s.
 */
export class RawConnection {
  readonly #socket: Socket;
  readonly #host: string;
  readonly #connected: Promise<void>;
  #onData: (b: Buffer) => void = () => {};
  #onError: (e: Error) => void = () => {};

  constructor(port: number) {
    this.#host = `127.0.0.1:${port}`;
    this.#socket = connect({ host: '127.0.0.1', port });
    this.#socket.setNoDelay(true);
    this.#connected = new Promise((resolve, reject) => {
      this.#socket.once('connect', resolve);
      this.#socket.once('error', reject);
    });
    this.#socket.on('data', (b: Buffer) => this.#onData(b));
    this.#socket.on('error', (e) => this.#onError(e));
    this.#socket.on('close', () => this.#onError(new Error('connection closed')));
  }

  async get(path: string, range?: [number, number]): Promise<Fetched> {
    await this.#connected;
    return new Promise<Fetched>((resolve, reject) => {
      const tRequest = nowMs();
      let head: Buffer | null = Buffer.alloc(0);
      let length = -1;
      let status = 0;
      let body = 0;
      let tFirstByte = Number.NaN;
      const done = (): void => {
        this.#onData = () => {};
        this.#onError = () => {};
        resolve({ status, bytes: body, tRequest, tFirstByte, tEnd: nowMs() });
      };
      this.#onError = reject;
      this.#onData = (chunk: Buffer) => {
        let rest = chunk;
        if (head !== null) {
          head = Buffer.concat([head, chunk]);
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) return;
          const text = head.subarray(0, end).toString('latin1');
          rest = head.subarray(end + 4);
          head = null;
          status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
          length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(text)?.[1] ?? -1);
          if (length < 0) return reject(new Error(`no Content-Length in: ${text}`));
        }
        if (rest.length > 0 && body === 0) tFirstByte = nowMs();
        body += rest.length;
        if (body >= length) done();
      };
      const rangeHeader = range ? `Range: bytes=${range[0]}-${range[1]}\r\n` : '';
      this.#socket.write(`GET ${path} HTTP/1.1\r\nHost: ${this.#host}\r\n${rangeHeader}\r\n`);
    });
  }

  close(): void {
    this.#onError = () => {};
    this.#socket.destroy();
  }
}
