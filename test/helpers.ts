// Shared test set-up: hermetic sessions, fixtures made once per worker, and error checks.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import {
  type ErrorCode,
  LOOPBACK_SETTINGS,
  Session,
  type SessionConfig,
  VozduxanError,
} from '../lib/index.ts';
import { type Fixture, type Fixtures, makeFixtures } from './harness/index.ts';

let fixtures: Promise<Fixtures> | undefined;

/** Audio fixtures and their .torrent files, generated once per test file (ava worker). */
export function sharedFixtures(): Promise<Fixtures> {
  fixtures ??= makeFixtures(mkdtempSync(join(tmpdir(), 'vz-fixtures-')));
  return fixtures;
}

/** Indices of a fixture's audio files (FLAC, MP3, WAV), in torrent order. */
export function audioIndices(fixture: Fixture): number[] {
  return fixture.files.flatMap((f, i) => (/\.(flac|mp3|wav)$/.test(f.path) ? [i] : []));
}

export function tempDir(prefix = 'vz-store-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A loopback-only session (no DHT, LSD, UPnP, NAT-PMP, uTP) on a fresh storage folder. */
export async function openSession(
  t: ExecutionContext,
  config: Partial<SessionConfig> = {},
): Promise<Session> {
  const session = await Session.create({
    storagePath: tempDir(),
    ...config,
    settings: { ...LOOPBACK_SETTINGS, ...config.settings },
  });
  t.teardown(() => session.close());
  return session;
}

/** Asserts that `promise` rejects with a VozduxanError carrying `code`. */
export async function rejectsWithCode(
  t: ExecutionContext,
  promise: Promise<unknown>,
  code: ErrorCode,
): Promise<VozduxanError> {
  const error = await t.throwsAsync(promise, { instanceOf: VozduxanError });
  t.is(error?.code, code, error?.message);
  return error as VozduxanError;
}

export function streamUrlFor(session: Session, token: string): string {
  return `http://127.0.0.1:${session.httpPort}/stream/${token}`;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a TypeScript file in a child Node (through tsx) and collects its output and exit. */
export function runTsChild(
  script: string,
  args: readonly string[] = [],
  nodeFlags: readonly string[] = [],
): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** How one read ended: a readCancelled reason, `completed`, or `failed`. */
export interface ReadEnd {
  reason: string;
  bytes: number;
}

/** The reads of one stream as its events report them (they arrive in batches, after the fact). */
export interface ReadLog {
  /** requestIds in the order their reads started. */
  starts: number[];
  /** How each ended, by requestId. */
  ends: Map<number, ReadEnd>;
  /** The end of the `n`th read to start (from 0), once it is known. */
  endOf(n: number): ReadEnd | undefined;
}

/** Records the read events of `token` from now on. */
export function watchReads(session: Session, token: string): ReadLog {
  const log: ReadLog = {
    starts: [],
    ends: new Map(),
    endOf: (n) => {
      const id = log.starts[n];
      return id === undefined ? undefined : log.ends.get(id);
    },
  };
  session.on('readStarted', (e) => {
    if (e.token === token) log.starts.push(e.requestId);
  });
  session.on('readCancelled', (e) => {
    if (e.token === token) log.ends.set(e.requestId, { reason: e.reason, bytes: e.bytes });
  });
  session.on('readCompleted', (e) => {
    if (e.token === token) log.ends.set(e.requestId, { reason: 'completed', bytes: e.bytes });
  });
  session.on('readFailed', (e) => {
    if (e.token === token) log.ends.set(e.requestId, { reason: 'failed', bytes: e.bytes });
  });
  return log;
}
