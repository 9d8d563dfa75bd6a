// Turns raw runs into bench/results/summary.{json,md} and one SVG chart per metric.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUFFER_SECS, type Cell, CONSUMER_RATE, rateLabel } from './jobs.ts';
import {
  type BenchMeta,
  cellOrder,
  label,
  makeReporter,
  mark,
  ms,
  name,
  num,
  PEERS,
  type RawResults,
  ratio,
  short,
  stat,
  targetOf,
  usageStat,
  x,
} from './report-core.ts';
import { bulkSection, burstSections, swarmSections } from './report-patterns.ts';
import { ratioSections } from './report-ratios.ts';

export type { BenchMeta, RawResults };

/** Writes summary.json, summary.md and the charts into outDir; returns the paths written. */
export function writeReport(raw: RawResults, outDir: string): string[] {
  const rep = makeReporter(raw);
  const { runs, variants, summary, md, charts, S, R, cellStr, chart } = rep;
  const readme: string[] = [];

  const { meta } = raw;
  md.push(
    '# vozduxan benchmarks',
    '',
    `Run ${meta.startedAt} → ${meta.finishedAt || '(unfinished)'} at ${meta.gitRev}${meta.gitDirty ? ' (native/ or lib/ modified)' : ''}` +
      `${meta.addonSha256 ? `, addon ${meta.addon ?? ''} (sha256 ${meta.addonSha256}…)` : ''}; ` +
      `Node ${meta.node}, Linux ${meta.kernel}, ${meta.cpu}. ${meta.config.reps} repetition(s) per cell, shuffled (seed ${meta.config.seed})` +
      `${meta.config.quick ? ', quick mode' : ''}.`,
    '',
    'Fresh seeders per run on 127.0.0.1 (Python libtorrent, or qBittorrent where a cell says so; one, or several in the ' +
      'swarm cells), each upload shaped by its own tc htb class on lo (1500-byte packets, payload rate as stated); every ' +
      'client in its own process with empty storage; TCP only, no DHT/LSD/trackers, the seeders added ' +
      `directly. Times are medians / p95 in ms. The player model reads with a ${BUFFER_SECS} s buffer and plays at ` +
      `${CONSUMER_RATE.flac / 1000} kB/s (FLAC) or ${CONSUMER_RATE.mp3 / 1000} kB/s (MP3).`,
    '',
  );
  const settings = Object.entries(meta.config.oursSettings).filter(
    ([, s]) => Object.keys(s).length > 0,
  );
  if (settings.length > 0) {
    md.push('vozduxan settings on top of LOOPBACK_SETTINGS:', '');
    for (const [client, s] of settings) md.push(`- \`${client}\`: \`${JSON.stringify(s)}\``);
    md.push('');
  }
  const targetsAt = md.length;

  // ---- 1 + 2: first byte and seeks -------------------------------------------------------
  const startCells = runs.cells('start');
  const startClients = runs.clientsIn('start');
  const peersIn = PEERS.filter((p) => startClients.includes(p));
  const readmeRows: string[] = [];
  const ttfbFails: string[] = [];
  const seekFails: Record<string, string[]> = { seek50: [], seek90: [] };
  let worstTtfb = 0;
  const worstSeek: Record<string, number> = {}; // per metric, once a cell is judged
  if (startCells.length > 0) {
    md.push(
      '## 1. Time to first byte of `bytes=0-`, from the add call (ms, median / p95)',
      '',
      '"ours prepare" is when `prepare()` resolved. piece÷rate is the transfer time of one piece: the floor adds ' +
        'connection set-up (TCP, handshake, unchoke, request) to it. Target: ours ≤ 1.1× floor and ≤ the best peer.',
      '',
      `| cell | piece÷rate | ${startClients.map((c) => (c === 'ours' ? 'ours prepare | ours' : short(c))).join(' | ')} | ours÷floor | ${peersIn.map((p) => `ours÷${short(p)}`).join(' | ')} | target |`,
      `|---|---:|${startClients.map((c) => (c === 'ours' ? '---:|---:' : '---:')).join('|')}|---:|${peersIn.map(() => '---:').join('|')}|:-:|`,
    );
    for (const cell of startCells) {
      const floor = S(cell, 'floor', 'ttfb');
      const ours = S(cell, 'ours', 'ttfb');
      const cols = startClients.map((c) =>
        c === 'ours'
          ? `${cellStr(S(cell, c, 'ready'))} | ${cellStr(ours)}`
          : cellStr(S(cell, c, 'ttfb')),
      );
      const rf = R(cell, 'ttfb', 'ours', 'floor', ours.median, floor.median);
      const peerMed = peersIn.map((p) => S(cell, p, 'ttfb').median);
      const rp = peersIn.map((p, i) =>
        R(cell, 'ttfb', 'ours', p, ours.median, peerMed[i] ?? Number.NaN),
      );
      const best = Math.min(...peerMed.filter(Number.isFinite));
      const ok = Number.isFinite(rf)
        ? rf <= 1.1 && (!Number.isFinite(best) || ours.median <= best)
        : null;
      if (ok === false)
        ttfbFails.push(
          `${label(cell)} (${x(rf)} floor${ours.median > best ? `, best peer ${ms(best)} ms` : ''})`,
        );
      if (Number.isFinite(rf)) worstTtfb = Math.max(worstTtfb, rf);
      const pieceMs = ((cell.pieceKiB * 1024) / cell.rate) * 1000;
      md.push(
        `| ${label(cell)} | ${ms(pieceMs)} | ${cols.join(' | ')} | ${x(rf)} | ${rp.map(x).join(' | ')} | ${mark(ok)} |`,
      );
    }
    md.push('');
    chart(
      'ttfb.svg',
      'Time to first byte from add (median, whisker p95)',
      'ms',
      startCells,
      startClients,
      (c, cl) => stat(runs.get(c, cl), 'ttfb'),
      true,
    );

    for (const [metric, pct] of [
      ['seek50', 50],
      ['seek90', 90],
    ] as const) {
      md.push(
        `## 2${metric === 'seek50' ? 'a' : 'b'}. Seek to ${pct} % while playing at 10 % (ms from the new Range request to its first byte)`,
        '',
        'The player plays 1 s at 10 %, drops that response and asks for the new range, as a browser does. The floor ' +
          'asks for the target piece after idling as long. Target: ours ≤ 1.2× floor and ahead of both peers.',
        '',
        `| cell | ${startClients.map(short).join(' | ')} | ours÷floor | ${peersIn.map((p) => `ours÷${short(p)}`).join(' | ')} | target |`,
        `|---|${startClients.map(() => '---:').join('|')}|---:|${peersIn.map(() => '---:').join('|')}|:-:|`,
      );
      for (const cell of startCells) {
        const floor = S(cell, 'floor', metric);
        const ours = S(cell, 'ours', metric);
        const rf = R(cell, metric, 'ours', 'floor', ours.median, floor.median);
        const peerMed = peersIn.map((p) => S(cell, p, metric).median);
        const rp = peersIn.map((p, i) =>
          R(cell, metric, 'ours', p, ours.median, peerMed[i] ?? Number.NaN),
        );
        const ok = Number.isFinite(rf)
          ? rf <= 1.2 && peerMed.every((p) => !Number.isFinite(p) || ours.median < p)
          : null;
        if (ok === false) seekFails[metric]?.push(`${label(cell)} (${x(rf)} floor)`);
        if (Number.isFinite(rf)) worstSeek[metric] = Math.max(worstSeek[metric] ?? 0, rf);
        md.push(
          `| ${label(cell)} | ${startClients.map((c) => cellStr(S(cell, c, metric))).join(' | ')} | ${x(rf)} | ${rp.map(x).join(' | ')} | ${mark(ok)} |`,
        );
      }
      md.push('');
      chart(
        `${metric}.svg`,
        `Seek to ${pct} % while playing at 10 % (median, whisker p95)`,
        'ms',
        startCells,
        startClients,
        (c, cl) => stat(runs.get(c, cl), metric),
        true,
      );
    }
    for (const cell of startCells) {
      const o = (m: string): number => stat(runs.get(cell, 'ours'), m).median;
      const f = (m: string): number => stat(runs.get(cell, 'floor'), m).median;
      const bestPeer = (m: string): number =>
        Math.min(...peersIn.map((p) => stat(runs.get(cell, p), m).median).filter(Number.isFinite));
      readmeRows.push(
        `| ${label(cell)} | ${x(ratio(o('ttfb'), f('ttfb')))} | ${x(ratio(o('ttfb'), bestPeer('ttfb')))} | ${x(ratio(o('seek50'), f('seek50')))} | ${x(ratio(o('seek50'), bestPeer('seek50')))} | ${x(ratio(o('seek90'), f('seek90')))} | ${x(ratio(o('seek90'), bestPeer('seek90')))} |`,
      );
    }
    summary.targets.push(
      targetOf(
        'Time to first byte ≤ 1.1× floor and ≤ best peer, every cell',
        ttfbFails,
        worstTtfb > 0,
        `worst ours÷floor ${x(worstTtfb)}`,
      ),
      ...(['seek50', 'seek90'] as const).map((metric) =>
        targetOf(
          `Seek to ${metric === 'seek50' ? 50 : 90} % ≤ 1.2× floor and ahead of both peers, every cell`,
          seekFails[metric] ?? [],
          worstSeek[metric] !== undefined,
          `worst ${x(worstSeek[metric] ?? Number.NaN)}`,
        ),
      ),
    );
  }

  // ---- 1b: seeks right after the first byte, at several round trips -----------------------
  ratioSections(
    rep,
    {
      job: 'probe',
      number: '1b',
      note: ({ metric, limit }) =>
        'No playing in between. The round trip is a userspace delay line between every client (the floor too) and ' +
        `the seeder. Target: ours ≤ ${limit}× floor and ${metric === 'ttfb' ? '≤ the best peer' : 'ahead of both peers'}.`,
      target:
        'Right after the first byte (probe, scrub) ≤ 1.2× floor, first byte ≤ 1.1×, at every round trip',
    },
    [
      { metric: 'ttfb', title: 'First byte of `bytes=0-` from the add call', limit: 1.1 },
      { metric: 'probe50', title: 'Seek to 50 % the moment the first byte came', limit: 1.2 },
      {
        metric: 'probe90',
        title: "Then a seek to 90 % the moment that one's first byte came",
        limit: 1.2,
      },
      {
        metric: 'scrub',
        title: 'Scrub: five Ranges 250 ms apart at random positions, the last one',
        limit: 1.2,
      },
    ],
  );
  // ---- 1c: bursts as browsers make them ---------------------------------------------------
  burstSections(rep);

  // ---- 3: stalls ---------------------------------------------------------------------------
  const stallCells = runs.cells('stall');
  const stallClients = runs.clientsIn('stall');
  if (stallCells.length > 0) {
    const play = meta.config.playSecs;
    md.push(
      `## 3. Stalls over ${play} s of playback from the start (stall count median/max · stall time ÷ play time median/p95)`,
      '',
      'A stall is the buffer running dry before the body ends; playback restarts once the buffer is full again. ' +
        'Start-up (first fill of the buffer) is not a stall. Targets: 0 for MP3 at both rates; ≤ 1 % for FLAC at 256 KiB/s.',
      '',
      `| cell | ${stallClients.map(short).join(' | ')} | target |`,
      `|---|${stallClients.map(() => '---:').join('|')}|:-:|`,
    );
    const mp3Fails: string[] = [];
    const flacFails: string[] = [];
    for (const cell of stallCells) {
      const cols = stallClients.map((c) => {
        const n = S(cell, c, 'stalls');
        const r = S(cell, c, 'stallRatio', 100);
        if (n.n === 0) return n.errors ? `fail×${n.errors}` : '–';
        return `${num(n.median, 0)}/${num(n.max, 0)} · ${num(r.median, 1)} %/${num(r.p95, 1)} %${n.errors ? ` (${n.errors} failed)` : ''}`;
      });
      const ours = stat(runs.get(cell, 'ours'), 'stalls');
      const oursRatio = stat(runs.get(cell, 'ours'), 'stallRatio');
      let ok: boolean | null = null;
      if (ours.n > 0 && cell.consumer === 'mp3') {
        ok = ours.median === 0;
        if (!ok) mp3Fails.push(`${label(cell)}: ${num(ours.median, 0)} stalls`);
      } else if (ours.n > 0 && cell.consumer === 'flac' && cell.rate < 1 << 20) {
        ok = oursRatio.median <= 0.01;
        if (!ok) flacFails.push(`${label(cell)}: ${num(oursRatio.median * 100, 1)} %`);
      }
      md.push(`| ${label(cell)} | ${cols.join(' | ')} | ${mark(ok)} |`);
    }
    md.push('');
    chart(
      'stalls.svg',
      `Stall time ÷ play time over ${play} s (median, whisker p95)`,
      '% of play time',
      stallCells,
      stallClients,
      (c, cl) => stat(runs.get(c, cl), 'stallRatio', 100),
      false,
    );
    chart(
      'startup.svg',
      'Playback start (2 s buffered) from add (median, whisker p95)',
      'ms',
      stallCells,
      stallClients,
      (c, cl) => stat(runs.get(c, cl), 'startup'),
      true,
    );
    summary.targets.push(
      {
        name: 'Stalls: 0 for MP3 at both rates',
        met: mp3Fails.length === 0,
        detail: mp3Fails.join('; ') || 'median 0 stalls in every MP3 cell',
      },
      {
        name: 'Stalls: ≤ 1 % stall time for FLAC at 256 KiB/s',
        met: flacFails.length === 0,
        detail: flacFails.join('; ') || 'every FLAC cell at 256 KiB/s within 1 %',
      },
    );
  }

  bulkSection(rep);

  // ---- 4: CPU and memory ---------------------------------------------------------------------
  const cpuCells = runs.cells('cpu');
  const cpuClients = runs.clientsIn('cpu');
  if (cpuCells.length > 0) {
    const cell = cpuCells[0] as Cell;
    md.push(
      '## 4. CPU and memory for the same work',
      '',
      `Each client fetches one 9.6 MB album track completely over its HTTP server (the floor: into its storage) from a ` +
        `seeder at ${rateLabel(cell.rate)}, 256 KiB pieces. CPU = user+system seconds of the client process from the add ` +
        'call to the last byte; peak RssAnon sampled every 20 ms (idle RssAnon before the add in brackets; the Node ' +
        'clients all carry the same tsx loader). Target: ours ≤ torrent-stream and ≤ 0.5× WebTorrent, both measures.',
      '',
      '| client | CPU s | peak RssAnon MiB [idle] | fetch ms | ours÷client CPU | ours÷client RssAnon |',
      '|---|---:|---:|---:|---:|---:|',
    );
    const oursCpu = usageStat(runs.get(cell, 'ours'), 'cpuSeconds');
    const oursRss = usageStat(runs.get(cell, 'ours'), 'peakRssAnon', 1 / 2 ** 20);
    for (const c of cpuClients) {
      const rs = runs.get(cell, c);
      const cpu = usageStat(rs, 'cpuSeconds');
      const rss = usageStat(rs, 'peakRssAnon', 1 / 2 ** 20);
      const idle = usageStat(
        rs.map((r) => ({
          ...r,
          usage: r.usage ? { ...r.usage, peakRssAnon: r.usage.idleRssAnon } : undefined,
        })),
        'peakRssAnon',
        1 / 2 ** 20,
      );
      const fetch = S(cell, c, 'fetch');
      summary.stats.push(
        { job: 'cpu', cell: label(cell), client: c, metric: 'cpuSeconds', stat: cpu },
        { job: 'cpu', cell: label(cell), client: c, metric: 'peakRssAnonMiB', stat: rss },
      );
      md.push(
        `| ${name(c)} | ${num(cpu.median)} / ${num(cpu.p95)} | ${num(rss.median, 0)} / ${num(rss.p95, 0)} [${num(idle.median, 0)}] | ${ms(fetch.median)} | ${x(R(cell, 'cpu', 'ours', c, oursCpu.median, cpu.median))} | ${x(R(cell, 'rss', 'ours', c, oursRss.median, rss.median))} |`,
      );
    }
    md.push('');
    const wt = {
      cpu: usageStat(runs.get(cell, 'webtorrent'), 'cpuSeconds').median,
      rss: usageStat(runs.get(cell, 'webtorrent'), 'peakRssAnon', 1 / 2 ** 20).median,
    };
    const ts = {
      cpu: usageStat(runs.get(cell, 'peerflix'), 'cpuSeconds').median,
      rss: usageStat(runs.get(cell, 'peerflix'), 'peakRssAnon', 1 / 2 ** 20).median,
    };
    const cpuOk = oursCpu.median <= ts.cpu && oursCpu.median <= 0.5 * wt.cpu;
    const rssOk = oursRss.median <= ts.rss && oursRss.median <= 0.5 * wt.rss;
    summary.targets.push({
      name: 'CPU seconds and peak RssAnon ≤ torrent-stream and ≤ 0.5× WebTorrent',
      met: Number.isFinite(wt.cpu) && Number.isFinite(ts.cpu) ? cpuOk && rssOk : null,
      detail: `CPU ours÷TS ${x(ratio(oursCpu.median, ts.cpu))}, ours÷WT ${x(ratio(oursCpu.median, wt.cpu))}; RssAnon ours÷TS ${x(ratio(oursRss.median, ts.rss))}, ours÷WT ${x(ratio(oursRss.median, wt.rss))}`,
    });
    const one = (metric: 'cpuSeconds' | 'peakRssAnon', scale: number) => (_c: Cell, cl: string) =>
      usageStat(runs.get(cell, cl), metric, scale);
    chart(
      'cpu.svg',
      'CPU seconds to fetch one 9.6 MB track (median, whisker p95)',
      'CPU s',
      [cell],
      cpuClients,
      one('cpuSeconds', 1),
      false,
    );
    chart(
      'rss.svg',
      'Peak RssAnon while fetching one 9.6 MB track (median, whisker p95)',
      'MiB',
      [cell],
      cpuClients,
      one('peakRssAnon', 1 / 2 ** 20),
      false,
    );
  }

  // ---- 5: serving ----------------------------------------------------------------------------
  const serveCells = runs.cells('serve');
  const serveClients = runs.clientsIn('serve');
  if (serveCells.length > 0) {
    const cell = serveCells[0] as Cell;
    const size = meta.config.serveBytes;
    md.push(
      '## 5. Serving a fully cached file (unshaped loopback, 64 KiB packets)',
      '',
      `A ${(size / 2 ** 20).toFixed(0)} MiB file, fully downloaded and verified first. Full GETs (median of ${meta.config.serveFullGets} per run) and ` +
        `${meta.config.serveRanges} random 64 KiB ranges, one after another on one keep-alive connection, by a client that ` +
        'counts bytes without copying them. Medians over runs (worst run in brackets). Target: ≥ 1 GB/s and at least the Node baseline.',
      '',
      '| server | full GET GB/s | 64 KiB ranges/s | range p50 ms | range p99 ms | warm-up ms |',
      '|---|---:|---:|---:|---:|---:|',
    );
    for (const c of serveClients) {
      const full = S(cell, c, 'fullGBps');
      const rps = S(cell, c, 'rangesPerSec');
      md.push(
        `| ${name(c)} | ${num(full.median)} [${num(full.min)}] | ${num(rps.median, 0)} [${num(rps.min, 0)}] | ${num(S(cell, c, 'rangeP50').median, 3)} | ${num(S(cell, c, 'rangeP99').median, 3)} | ${ms(S(cell, c, 'warm').median)} |`,
      );
    }
    const oursFull = stat(runs.get(cell, 'ours'), 'fullGBps').median;
    const baseFull = stat(runs.get(cell, 'nodefs'), 'fullGBps').median;
    const oursRps = stat(runs.get(cell, 'ours'), 'rangesPerSec').median;
    const baseRps = stat(runs.get(cell, 'nodefs'), 'rangesPerSec').median;
    const rFull = R(cell, 'fullGBps', 'ours', 'nodefs', oursFull, baseFull);
    const rRps = R(cell, 'rangesPerSec', 'ours', 'nodefs', oursRps, baseRps);
    md.push('', `ours ÷ Node baseline: full GET ${x(rFull)}, random ranges ${x(rRps)}.`, '');
    summary.targets.push({
      name: 'Serving ≥ 1 GB/s and at least the Node baseline',
      met: Number.isFinite(oursFull)
        ? oursFull >= 1 && rFull >= 1 && (!Number.isFinite(rRps) || rRps >= 1)
        : null,
      detail: `full GET ${num(oursFull)} GB/s (${x(rFull)} baseline); 64 KiB ranges ${x(rRps)} baseline`,
    });
    const groups: Cell[] = [cell];
    chart(
      'serve.svg',
      'Full GET of a cached file (median, whisker: worst run)',
      'GB/s',
      groups,
      serveClients,
      (c, cl) => {
        const s = stat(runs.get(c, cl), 'fullGBps');
        return { ...s, p95: Number.NaN };
      },
      false,
    );
    chart(
      'ranges.svg',
      'Random 64 KiB ranges on one keep-alive connection',
      'requests/s',
      groups,
      serveClients,
      (c, cl) => ({ ...stat(runs.get(c, cl), 'rangesPerSec'), p95: Number.NaN }),
      false,
    );
  }

  // ---- 6: next track -------------------------------------------------------------------------
  const nextCells = runs.cells('next');
  const nextClients = runs.clientsIn('next');
  if (nextCells.length > 0) {
    md.push(
      '## 6. Next-track start (ms from the switch to the first byte of track 2)',
      '',
      'Track 1 plays; "prefetched": track 2 was warmed while it played (vozduxan: `prepare({main: false})`, peers: ' +
        'file select, then wait for its first piece); the switch drops track 1 and GETs track 2. "not prefetched": the ' +
        'switch opens track 2 then (vozduxan: `prepare()`, peers: select) and GETs it. "warm" is how long the prefetch took. ' +
        'Target: a prefetched track starts in ≤ 5 ms.',
      '',
      `| cell | ${nextClients.map(short).join(' | ')} | ${nextClients.map((c) => `${short(c)} warm`).join(' | ')} |`,
      `|---|${nextClients.map(() => '---:').join('|')}|${nextClients.map(() => '---:').join('|')}|`,
    );
    const fails: string[] = [];
    let worst = 0;
    for (const cell of nextCells) {
      md.push(
        `| ${label(cell)} | ${nextClients.map((c) => cellStr(S(cell, c, 'next'))).join(' | ')} | ${nextClients.map((c) => (cell.prefetch ? cellStr(S(cell, c, 'prefetch')) : '–')).join(' | ')} |`,
      );
      if (cell.prefetch) {
        const o = stat(runs.get(cell, 'ours'), 'next').median;
        if (Number.isFinite(o)) worst = Math.max(worst, o);
        if (!(o <= 5)) fails.push(`${label(cell)}: ${ms(o)} ms`);
      }
    }
    md.push('');
    summary.targets.push({
      name: 'Next track: prefetched first byte ≤ 5 ms',
      met: fails.length === 0,
      detail: fails.join('; ') || `worst median ${ms(worst)} ms`,
    });
    chart(
      'next.svg',
      'Next-track first byte after the switch (median, whisker p95)',
      'ms',
      nextCells,
      nextClients,
      (c, cl) => stat(runs.get(c, cl), 'next'),
      true,
    );
  }

  // ---- 7: release ----------------------------------------------------------------------------
  const releaseRuns = startCells.flatMap((c) => runs.get(c, 'ours'));
  if (releaseRuns.some((r) => Number.isFinite(r.metrics.release))) {
    const call = stat(releaseRuns, 'release');
    const end = stat(releaseRuns, 'releaseEnd');
    md.push(
      '## 7. `release()` latency',
      '',
      'Measured at the end of every first-byte/seek run, with the 90 % response still streaming to the paced player: ' +
        "the call itself (in the client process), and until the in-flight response's connection closed (seen by the player).",
      '',
      '| | n | median ms | p95 ms | max ms |',
      '|---|---:|---:|---:|---:|',
      `| \`await release(token)\` | ${call.n} | ${ms(call.median)} | ${ms(call.p95)} | ${ms(call.max)} |`,
      `| in-flight response closed | ${end.n} | ${ms(end.median)} | ${ms(end.p95)} | ${ms(end.max)} |`,
      '',
    );
    summary.stats.push(
      { job: 'start', cell: 'all', client: 'ours', metric: 'release', stat: call },
      { job: 'start', cell: 'all', client: 'ours', metric: 'releaseEnd', stat: end },
    );
    summary.targets.push({
      name: 'Release ≤ 5 ms',
      met: call.median <= 5,
      detail: `median ${ms(call.median)} ms, p95 ${ms(call.p95)} ms; response closed after ${ms(end.median)} ms (median)`,
    });
    const cells = [...new Set(releaseRuns.map((r) => r.cellKey))].map(
      (k) => releaseRuns.find((r) => r.cellKey === k)?.cell as Cell,
    );
    chart(
      'release.svg',
      'release(): call and end of the in-flight response (median, whisker p95)',
      'ms',
      cells.sort(cellOrder),
      ['ours'],
      (c) => stat(runs.get(c, 'ours'), 'release'),
      true,
    );
  }

  // ---- 8, 9: a swarm of three rates, a seeder that drops mid-piece ---------------------------
  swarmSections(rep);

  // ---- variants ------------------------------------------------------------------------------
  if (variants.length > 0) {
    md.push(
      '## vozduxan variants (libtorrent settings tried from JS)',
      '',
      '| variant | settings |',
      '|---|---|',
    );
    for (const v of variants)
      md.push(`| ${v} | \`${JSON.stringify(meta.config.oursSettings[v] ?? {})}\` |`);
    md.push('', 'Median ratio variant ÷ default vozduxan per cell:', '');
    const metrics = ['ttfb', 'seek50', 'seek90'];
    md.push(
      `| cell | ${variants.flatMap((v) => metrics.map((m) => `${short(v)} ${m}`)).join(' | ')} |`,
      `|---|${variants.flatMap(() => metrics.map(() => '---:')).join('|')}|`,
    );
    for (const cell of startCells) {
      const base = (m: string): number => stat(runs.get(cell, 'ours'), m).median;
      md.push(
        `| ${label(cell)} | ${variants.flatMap((v) => metrics.map((m) => x(ratio(stat(runs.get(cell, v), m).median, base(m))))).join(' | ')} |`,
      );
    }
    for (const cell of stallCells) {
      md.push(
        `| ${label(cell)} stall % | ${variants.map((v) => `${num(stat(runs.get(cell, v), 'stallRatio', 100).median, 1)} % (ours ${num(stat(runs.get(cell, 'ours'), 'stallRatio', 100).median, 1)} %)`).join(' | ')} |`,
      );
    }
    md.push('');
  }

  // ---- targets and the README excerpt --------------------------------------------------------
  const targetLines = summary.targets.map((t) => `- ${mark(t.met)} ${t.name}: ${t.detail}`);
  md.splice(targetsAt, 0, '## Targets (vozduxan, medians, this run)', '', ...targetLines, '');
  readme.push(
    '| cell | first byte ÷ floor | first byte ÷ best peer | seek 50 % ÷ floor | seek 50 % ÷ best peer | seek 90 % ÷ floor | seek 90 % ÷ best peer |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...readmeRows,
    '',
    ...targetLines,
  );
  md.push('## README excerpt (ratios of medians, ours ÷ other, from this run)', '', ...readme, '');

  const files: string[] = [];
  const write = (file: string, text: string): void => {
    const path = join(outDir, file);
    writeFileSync(path, text);
    files.push(path);
  };
  for (const c of charts) write(c.file, c.svg);
  md.push('## Charts', '', ...charts.map((c) => `![${c.file}](${c.file})`), '');
  write('summary.md', `${md.join('\n')}\n`);
  write('summary.json', `${JSON.stringify(summary, null, 1)}\n`);
  return files;
}
