// The benchmark runner (`npm run bench`): vozduxan against WebTorrent 3, peerflix/torrent-stream
// and a minimal libtorrent leecher (the floor) on a shaped loopback swarm. See bench/README.md.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cellsFor, clientsFor, readConfig } from './lib/config.ts';
import { makeFixtures } from './lib/fixtures.ts';
import type { JobContext, RunResult, RunSpec } from './lib/jobs.ts';
import { type BenchMeta, writeReport } from './lib/report.ts';
import { runOne } from './lib/run-one.ts';
import { Shaper } from './lib/shaper.ts';
import { nowMs, prng, shuffle } from './lib/util.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO = dirname(BENCH_DIR);
const PEER_PACKAGES = ['webtorrent', 'peerflix', 'torrent-stream'];

function depsInstalled(): boolean {
  return PEER_PACKAGES.every((p) => existsSync(join(BENCH_DIR, 'node_modules', p, 'package.json')));
}

/** The peers live in bench/node_modules, installed from bench/package.json on first use. */
function ensureDeps(offline: boolean): void {
  if (depsInstalled()) return;
  console.log(
    `installing the peers into bench/node_modules${offline ? ' (offline, from the npm cache)' : ''} …`,
  );
  const args = [
    '--prefix',
    BENCH_DIR,
    'install',
    '--no-audit',
    '--no-fund',
    ...(offline ? ['--offline'] : []),
  ];
  const r = spawnSync('npm', args, { stdio: 'inherit', cwd: BENCH_DIR });
  if (r.status === 0 && depsInstalled()) return;
  throw new Error(
    offline
      ? 'bench/node_modules is missing and the hermetic namespace has no network: run `npm --prefix bench install` ' +
          '(or `node --import tsx bench/run.ts`, which installs before entering the namespace) once'
      : '`npm --prefix bench install` failed',
  );
}

function git(args: string[]): string {
  const r = spawnSync('git', args, { cwd: REPO, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3);
}

function describe(r: RunResult): string {
  const metrics = Object.entries(r.metrics)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(', ');
  const usage = r.usage
    ? `, cpu ${r.usage.cpuSeconds.toFixed(2)} s, rss ${(r.usage.peakRssAnon / 2 ** 20).toFixed(0)} MiB`
    : '';
  const error = r.error ? `  ERROR ${r.error.split('\n')[0]}` : '';
  return `${metrics}${usage} (${(r.durationMs / 1000).toFixed(1)} s)${error}`;
}

async function main(): Promise<void> {
  if (process.env.VOZDUXAN_HERMETIC !== '1') {
    // Outside the namespace the registry is reachable: install, then re-enter hermetically.
    ensureDeps(false);
    const script = fileURLToPath(import.meta.url);
    const r = spawnSync(
      join(REPO, 'scripts', 'hermetic.sh'),
      [process.execPath, '--import', 'tsx', script],
      {
        stdio: 'inherit',
        cwd: REPO,
      },
    );
    process.exit(r.status ?? 1);
  }
  ensureDeps(true);
  if (!Shaper.available())
    throw new Error('tc is not available (iproute2); the swarm cells need it');
  const outDir = process.env.BENCH_OUT ?? join(BENCH_DIR, 'results');
  const config = readConfig(outDir);
  if (
    config.seeders.includes('qbt') &&
    spawnSync('qbittorrent-nox', ['--version'], { stdio: 'ignore' }).status !== 0
  ) {
    throw new Error(
      'BENCH_SEEDERS has qbt but qbittorrent-nox is missing: `apt-get install -y qbittorrent-nox`, or BENCH_SEEDERS=lt',
    );
  }
  const usesOurs = [...config.clients, ...config.serveClients].some((c) => c.startsWith('ours'));
  const addon = process.env.BENCH_ADDON ?? join(REPO, 'build', 'Release', 'vozduxan.node');
  if (usesOurs && !existsSync(addon)) {
    throw new Error(
      'the addon is not built: run `npm run compile` (or `npm run bench`, which compiles first)',
    );
  }
  mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const rawPath = join(outDir, `raw-${stamp}.json`);
  const meta: BenchMeta = {
    startedAt: new Date().toISOString(),
    finishedAt: '',
    gitRev: git(['rev-parse', '--short', 'HEAD']),
    gitDirty: git(['status', '--porcelain', '--', 'native', 'lib']) !== '',
    node: process.version,
    kernel: release(),
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    config,
  };
  const tmpRoot = await mkdtemp(join(tmpdir(), 'vozduxan-bench-'));
  // Every vozduxan client loads a copy (node-gyp-build honours VOZDUXAN_PREBUILD): a rebuild in
  // the work tree during a two-hour run cannot change the engine under test.
  const snapshot = (name: string, path: string): string => {
    const dir = join(tmpRoot, name);
    mkdirSync(join(dir, 'build', 'Release'), { recursive: true });
    copyFileSync(join(REPO, 'package.json'), join(dir, 'package.json'));
    copyFileSync(path, join(dir, 'build', 'Release', 'vozduxan.node'));
    return dir;
  };
  const addonDirs: Record<string, string> = {};
  if (usesOurs) {
    process.env.VOZDUXAN_PREBUILD = snapshot('addon', addon);
    meta.addonSha256 = createHash('sha256').update(readFileSync(addon)).digest('hex').slice(0, 16);
    meta.addon = addon;
    for (const [client, path] of Object.entries(config.addons)) {
      addonDirs[client] = snapshot(`addon-${client.replace(/\W/g, '_')}`, path);
    }
  }
  const results: RunResult[] = [];
  const save = (): void => {
    writeFileSync(`${rawPath}.tmp`, `${JSON.stringify({ meta, runs: results }, null, 1)}\n`);
    renameSync(`${rawPath}.tmp`, rawPath);
  };
  const shaper = new Shaper();
  try {
    const t0 = nowMs();
    console.log(`fixtures in ${tmpRoot} …`);
    const fixtures = await makeFixtures(
      join(tmpRoot, 'fixtures'),
      config.mainSeconds,
      config.serveBytes,
    );
    console.log(`fixtures ready in ${((nowMs() - t0) / 1000).toFixed(1)} s`);
    const ctx: JobContext = {
      fixtures,
      shaper: null,
      repoRoot: REPO,
      tmpRoot,
      oursSettings: config.oursSettings,
      addonDirs,
      playSecs: config.playSecs,
      serveFullGets: config.serveFullGets,
      serveRanges: config.serveRanges,
      idleMs: config.idleMs,
      random: prng(config.seed + 1),
      notify: config.notify,
    };
    const random = prng(config.seed);
    const specs = (serve: boolean): RunSpec[] => {
      const all: RunSpec[] = [];
      for (const job of config.jobs.filter((j) => (j === 'serve') === serve)) {
        for (const cell of cellsFor(config, job)) {
          for (const client of clientsFor(config, job)) {
            for (let rep = 1; rep <= config.reps; rep++) all.push({ cell, client, rep });
          }
        }
      }
      return shuffle(all, random);
    };
    // Serving is measured on the unshaped loopback (64 KiB packets); everything else shaped.
    const phases: { name: string; runs: RunSpec[]; shaped: boolean }[] = [
      { name: 'cached serving, unshaped loopback', runs: specs(true), shaped: false },
      { name: 'swarm cells, seeder shaped by tc htb', runs: specs(false), shaped: true },
    ];
    const total = phases.reduce((n, p) => n + p.runs.length, 0);
    let done = 0;
    for (const phase of phases) {
      if (phase.runs.length === 0) continue;
      console.log(`\n== ${phase.name}: ${phase.runs.length} runs`);
      if (phase.shaped) shaper.start();
      ctx.shaper = phase.shaped ? shaper : null;
      for (const spec of phase.runs) {
        const r = await runOne(ctx, spec);
        results.push(r);
        save();
        done++;
        console.log(`[${done}/${total}] ${r.cellKey} | ${r.client} #${r.rep}: ${describe(r)}`);
      }
      if (phase.shaped) shaper.stop();
    }
    meta.finishedAt = new Date().toISOString();
    save();
    const written = writeReport({ meta, runs: results }, outDir);
    console.log(`\nraw results: ${rawPath}\n${written.map((f) => `wrote ${f}`).join('\n')}`);
    console.log(`total ${((nowMs() - t0) / 60_000).toFixed(1)} min`);
  } finally {
    shaper.stop();
    if (process.env.BENCH_KEEP !== '1') await rm(tmpRoot, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
