// The benchmark report's target lines: a target is met only where the default build was judged.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { readConfig } from '../../bench/lib/config.ts';
import { type Cell, cellKey, type RunResult } from '../../bench/lib/jobs.ts';
import { writeReport } from '../../bench/lib/report.ts';
import { makeReporter, type RawResults } from '../../bench/lib/report-core.ts';
import { ratioSections } from '../../bench/lib/report-ratios.ts';

const cell: Cell = { job: 'drop', pieceKiB: 256, rate: 1 << 20, source: 'torrent' };

function run(client: string, metrics: Record<string, number>, of: Cell = cell): RunResult {
  return {
    job: of.job,
    cellKey: cellKey(of),
    cell: of,
    client,
    rep: 1,
    startedAt: '2026-12-02T00:00:00Z',
    durationMs: 1,
    metrics,
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
  const target = dropTarget([run('floor', { drop: 100 }), run('ours:slow', { drop: 500 })]);
  t.is(target?.met, null);
  t.regex(target?.detail ?? '', /not judged/);
});

test('the default build beside the floor meets or misses the target', (t) => {
  t.is(dropTarget([run('floor', { drop: 100 }), run('ours', { drop: 110 })])?.met, true);
  const missed = dropTarget([run('floor', { drop: 100 }), run('ours', { drop: 500 })]);
  t.is(missed?.met, false);
  t.regex(missed?.detail ?? '', /misses/);
});

const startCell: Cell = { job: 'start', pieceKiB: 256, rate: 1 << 20, source: 'torrent' };

/** The start job's three targets as writeReport puts them in summary.json. */
function startTargets(t: ExecutionContext, ours: string) {
  const dir = mkdtempSync(join(tmpdir(), 'vz-bench-report-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const metrics = (v: number) => ({ ttfb: v, seek50: v, seek90: v });
  const runs = [run('floor', metrics(100), startCell), run(ours, metrics(105), startCell)];
  const now = new Date().toISOString();
  const meta = {
    startedAt: now,
    finishedAt: now,
    gitRev: 'x',
    gitDirty: false,
    node: 'v',
    kernel: 'k',
    cpu: 'c',
    config: readConfig(dir),
  };
  writeReport({ meta, runs }, dir);
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as {
    targets: { name: string; met: boolean | null }[];
  };
  return summary.targets.filter((target) => /first byte|Seek to/.test(target.name));
}

test('the first-byte and seek targets of a variants-only run are not judged (they read "worst 0.00x")', (t) => {
  const targets = startTargets(t, 'ours:v');
  t.is(targets.length, 3);
  for (const target of targets) t.is(target.met, null, target.name);
  t.true(startTargets(t, 'ours').every((target) => target.met === true));
});
