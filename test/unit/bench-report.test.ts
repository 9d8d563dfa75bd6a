// The benchmark report's target lines: a target is met only where the default build was judged.
import test from 'ava';
import { type Cell, cellKey, type RunResult } from '../../bench/lib/jobs.ts';
import { makeReporter, type RawResults } from '../../bench/lib/report-core.ts';
import { ratioSections } from '../../bench/lib/report-ratios.ts';

const cell: Cell = { job: 'drop', pieceKiB: 256, rate: 1 << 20, source: 'torrent' };

function run(client: string, drop: number): RunResult {
  return {
    job: 'drop',
    cellKey: cellKey(cell),
    cell,
    client,
    rep: 1,
    startedAt: '2026-12-02T00:00:00Z',
    durationMs: 1,
    metrics: { drop },
  };
}

function dropTarget(runs: RunResult[]) {
  const rep = makeReporter({ meta: {} as RawResults['meta'], runs });
  ratioSections(rep, { job: 'drop', number: '9', note: () => '', target: 'drop' }, [
    { metric: 'drop', title: 'drop', limit: 1.2 },
  ]);
  return rep.summary.targets[0];
}

test('a run of variants only judges no target, instead of calling it met', (t) => {
  const target = dropTarget([run('floor', 100), run('ours:slow', 500)]);
  t.is(target?.met, null);
  t.regex(target?.detail ?? '', /not judged/);
});

test('the default build beside the floor meets or misses the target', (t) => {
  t.is(dropTarget([run('floor', 100), run('ours', 110)])?.met, true);
  const missed = dropTarget([run('floor', 100), run('ours', 500)]);
  t.is(missed?.met, false);
  t.regex(missed?.detail ?? '', /misses/);
});
