// A bulk reader: one plain GET of a whole 9.6 MB track as fast as the client serves it, no
// position reports, usually through a long round trip. A shallow request pipeline shows here as
// a fraction of the link: the target is ≥ 90 % of the shaped rate at 150 ms RTT.
import { fetchWhole, type Live, torrentFor } from './jobs.ts';

/** Long enough for a 9.6 MB track at 256 KiB/s even at a quarter of the link. */
const BULK_TIMEOUT_MS = 360_000;

/** bulk: ms from the add call to the last byte; bulkRatio: the file's bytes per second ÷ the link rate. */
export async function bulkJob(live: Live): Promise<void> {
  const { tAdd, tEnd } = await fetchWhole(live, BULK_TIMEOUT_MS);
  const size = torrentFor(live).files[0]?.size ?? 0;
  live.m.bulk = tEnd - tAdd;
  live.m.bulkRatio = size / ((tEnd - tAdd) / 1000) / live.cell.rate;
}
