// Seeks right after the first byte, as browsers make them: the head read, then a jump (an ID3v1
// or APEv2 tag, an M4A `moov` at the end), and a scrub. No playing in between, so whatever the
// young connection queued for the head is still in front of the seek.
import {
  addStream,
  CONSUMER_RATE,
  firstByte,
  floorAdd,
  floorPiece,
  type Live,
  offsetAt,
  player,
} from './jobs.ts';
import { nowMs, prng, sleep } from './util.ts';

/** Five Range requests within one second; the last one is timed. */
export const SCRUB_REQUESTS = 5;
const SCRUB_GAP_MS = 250;

/** Scrub positions (fractions of the file), the same for every client in a repetition. */
export function scrubPositions(rep: number, pieceKiB: number): number[] {
  const random = prng(rep * 7919 + pieceKiB);
  return Array.from({ length: SCRUB_REQUESTS }, () => 0.15 + 0.8 * random());
}

/**
 * ttfb: first byte of `bytes=0-` from the add call; probe50, probe90: a Range at 50 %, then at
 * 90 %, each asked the moment the previous one's first byte came; scrub: five Ranges 250 ms apart
 * (each drops the one before, as a browser does), the last one's first byte.
 */
export async function probeJob(live: Live): Promise<void> {
  const { m, cell } = live;
  const at = offsetAt(live);
  const scrub = scrubPositions(live.rep, cell.pieceKiB);
  if (live.client.name === 'floor') {
    await floorAdd(live);
    const piece = (offset: number): Promise<number> => floorPiece(live, offset);
    m.probe50 = await piece(at(0.5));
    m.probe90 = await piece(at(0.9));
    // The floor of the scrub's last request: its piece alone, nothing else asked.
    m.scrub = await piece(at(scrub[scrub.length - 1] ?? 0.5));
    return;
  }
  const rate = CONSUMER_RATE.flac;
  const { tAdd, url } = await addStream(live);
  let p = player(live, url, 0, rate);
  m.ttfb = (await firstByte(p, 'bytes=0-')) - tAdd;
  for (const [metric, f] of [
    ['probe50', 0.5],
    ['probe90', 0.9],
  ] as const) {
    p.abort();
    p = player(live, url, at(f), rate);
    await firstByte(p, `${f * 100} %`);
    m[metric] = p.tFirstByte - p.tRequest;
  }
  const t0 = nowMs();
  for (const [i, f] of scrub.entries()) {
    const due = t0 + i * SCRUB_GAP_MS;
    if (due > nowMs()) await sleep(due - nowMs());
    p.abort();
    p = player(live, url, at(f), rate);
  }
  await firstByte(p, 'the last scrub request');
  m.scrub = p.tFirstByte - p.tRequest;
  p.abort();
}
