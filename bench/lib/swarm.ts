// A swarm, not a peer: seeders at different rates, each on its own shaped port. The seek's piece
// should come from the fast idle peer and never wait on the slow one; a seeder that disconnects
// in the middle of the seek's piece must cost no more than the blocks it took with it.
import type { Player } from './http.ts';
import {
  addStream,
  CONSUMER_RATE,
  firstByte,
  floorAdd,
  floorPiece,
  type Live,
  offsetAt,
  PLAY_BEFORE_SEEK_SECS,
  player,
} from './jobs.ts';
import { sleep, withTimeout } from './util.ts';

const KiB = 1024;
/** The swarm cell's seeders: 2 MiB/s, 300 KiB/s and 50 KiB/s. */
export const SWARM_RATES: readonly number[] = [2048 * KiB, 300 * KiB, 50 * KiB];
/** The drop cell's survivor runs at this fraction of the dying seeder's rate. */
export const DROP_SURVIVOR_SHARE = 0.5;
/** The dying seeder is killed this fraction of one piece's transfer time after the seek's request. */
export const DROP_AT = 0.3;

/** A streaming client's start: the first byte of `bytes=0-`, its player left open. */
async function head(live: Live): Promise<{ url: string; p: Player }> {
  const { tAdd, url } = await addStream(live);
  const p = player(live, url, 0, CONSUMER_RATE.flac);
  live.m.ttfb = (await firstByte(p, 'bytes=0-')) - tAdd;
  return { url, p };
}

/** Drops the open response and asks for a Range at `offset`: ms to its first byte. */
async function seek(live: Live, url: string, from: Player, offset: number): Promise<Player> {
  from.abort();
  const p = player(live, url, offset, CONSUMER_RATE.flac);
  await firstByte(p, `the Range at ${offset}`);
  return p;
}

/**
 * ttfb: first byte of `bytes=0-` with all three seeders; swarm50: a Range at 50 % asked the moment
 * it came; swarm90: after playing 1 s at 50 % (every peer has requests in flight), a Range at 90 %.
 */
export async function swarmJob(live: Live): Promise<void> {
  const { m } = live;
  const at = offsetAt(live);
  if (live.client.name === 'floor') {
    await floorAdd(live);
    m.swarm50 = await floorPiece(live, at(0.5));
    await sleep(PLAY_BEFORE_SEEK_SECS * 1000);
    m.swarm90 = await floorPiece(live, at(0.9));
    return;
  }
  const { url, p } = await head(live);
  const p50 = await seek(live, url, p, at(0.5));
  m.swarm50 = p50.tFirstByte - p50.tRequest;
  await withTimeout('playing at 50 %', 60_000, p50.untilPlayed(PLAY_BEFORE_SEEK_SECS));
  const p90 = await seek(live, url, p50, at(0.9));
  m.swarm90 = p90.tFirstByte - p90.tRequest;
  p90.abort();
}

/**
 * Two seeders, the first at the cell's rate, the second at half of it. ttfb: first byte of
 * `bytes=0-`; drop: a Range at 50 % asked the moment it came, the first seeder killed (its
 * sockets closed by the kernel) DROP_AT of a piece's transfer time after that request; ms to the
 * Range's first byte. The floor's piece request gets the same kill at the same delay.
 */
export async function dropJob(live: Live): Promise<void> {
  const { m, cell } = live;
  const target = offsetAt(live)(0.5);
  const dying = live.seeders[0];
  if (!dying || live.seeders.length < 2) throw new Error('the drop cell needs two seeders');
  const killAfterMs = ((DROP_AT * cell.pieceKiB * KiB) / cell.rate) * 1000;
  const kill = (): Promise<void> => sleep(killAfterMs).then(() => dying.stop());
  if (live.client.name === 'floor') {
    await floorAdd(live);
    const [ms] = await Promise.all([floorPiece(live, target), kill()]);
    m.drop = ms;
    return;
  }
  const { url, p } = await head(live);
  const killed = kill();
  const p50 = await seek(live, url, p, target);
  m.drop = p50.tFirstByte - p50.tRequest;
  p50.abort();
  await killed;
}
