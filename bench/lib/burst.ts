// Seeks as Chromium's demuxers make them (field-notes): a FLAC seek reads from the previous seek
// point, ~600 KB before its target, then the target; an Ogg seek bisects with ~9 Ranges. Each
// Range is asked the moment the one before gave its first byte (the demuxer reads a frame or a
// page to decide where to go next) and drops it, as the browser does. Right after the first
// byte of the head, with no playing in between.
import {
  add,
  addStream,
  type Burst,
  CONSUMER_RATE,
  firstByte,
  type Live,
  num,
  player,
  torrentFor,
} from './jobs.ts';
import { nowMs, prng } from './util.ts';

/** How far before its target Chromium's FLAC seek starts reading (the previous seek point). */
export const FLAC_LEAD_BYTES = 600_000;
/** Ranges of an Ogg seek: a bisection converging on the target, the last one the target. */
export const OGG_RANGES = 9;

/** The byte offsets of one burst toward `target`, in request order; the last is the target. */
export function burstOffsets(kind: Burst, target: number, size: number): number[] {
  if (kind === 'flac') return [Math.max(0, target - FLAC_LEAD_BYTES), target];
  const out: number[] = [];
  let lo = 0;
  let hi = size;
  for (let i = 1; i < OGG_RANGES; i++) {
    const mid = Math.floor((lo + hi) / 2);
    out.push(mid);
    if (mid < target) lo = mid;
    else hi = mid;
  }
  out.push(target);
  return out;
}

/** The two burst targets (fractions of the file), the same for every client in a repetition. */
export function burstTargets(rep: number, pieceKiB: number): [number, number] {
  const random = prng(rep * 7919 + pieceKiB + 1);
  return [0.3 + 0.3 * random(), 0.65 + 0.3 * random()];
}

/**
 * ttfb: first byte of `bytes=0-` from the add call; burst1: a burst toward the first target asked
 * the moment that first byte came, from its first Range request to the first byte of its last;
 * burst2: the same toward the second target, right after burst1's. burstNLast: the last Range's
 * own wait. The floor fetches the pieces of the same offsets one after another.
 */
export async function burstJob(live: Live): Promise<void> {
  const { m, cell } = live;
  const kind = cell.burst ?? 'flac';
  const size = torrentFor(live).files[0]?.size ?? 0;
  const bursts = burstTargets(live.rep, cell.pieceKiB).map((f) =>
    burstOffsets(kind, Math.floor(size * f), size),
  );
  if (live.client.name === 'floor') {
    const a = await add(live, 0);
    m.ttfb = num(a, 'tReady') - num(a, 'tAdd');
    for (const [i, offsets] of bursts.entries()) {
      // The floor's own clock around each piece, as in the other jobs.
      const times: { t0: number; t1: number }[] = [];
      for (const offset of offsets) {
        const r = await live.client.call('piece', { fileIndex: 0, offset });
        times.push({ t0: num(r, 't0'), t1: num(r, 't1') });
      }
      const first = times[0];
      const last = times[times.length - 1];
      if (!first || !last) throw new Error('an empty burst');
      m[`burst${i + 1}`] = last.t1 - first.t0;
      m[`burst${i + 1}Last`] = last.t1 - last.t0;
    }
    return;
  }
  const rate = kind === 'ogg' ? CONSUMER_RATE.mp3 : CONSUMER_RATE.flac;
  const { tAdd, url } = await addStream(live);
  let p = player(live, url, 0, rate);
  m.ttfb = (await firstByte(p, 'bytes=0-')) - tAdd;
  for (const [i, offsets] of bursts.entries()) {
    const t0 = nowMs();
    for (const [k, offset] of offsets.entries()) {
      p.abort();
      p = player(live, url, offset, rate);
      await firstByte(p, `range ${k + 1} of burst ${i + 1}`);
    }
    m[`burst${i + 1}`] = p.tFirstByte - t0;
    m[`burst${i + 1}Last`] = p.tFirstByte - p.tRequest;
  }
  p.abort();
}
