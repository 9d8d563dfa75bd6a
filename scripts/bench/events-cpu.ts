// What events cost (issue 19): the CPU of one playback with every session event subscribed,
// against the same playback with none, each in a fresh child process on a fresh cache, runs
// alternating. Loopback only: run it through scripts/hermetic.sh (npm run bench:events).
//   scripts/hermetic.sh node --import tsx scripts/bench/events-cpu.ts [reps]
import { fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SESSION_EVENT_NAMES } from '../../lib/events.ts';
import { LOOPBACK_SETTINGS, Session } from '../../lib/index.ts';
import { makeFixtures, startSwarm } from '../../test/harness/index.ts';
import { httpGet } from '../../test/http-client.ts';

const UPLOAD_LIMIT = 4_000_000; // bytes per second: the whole 21 MB track in ~5 s

interface Result {
  cpuMs: number;
  events: number;
  bytes: number;
}

/** Child: one playback of the file behind `magnet`, all of it read, then the CPU it took. */
async function playback(magnet: string, listen: boolean): Promise<Result> {
  const session = await Session.create({
    storagePath: mkdtempSync(join(tmpdir(), 'vz-bench-events-')),
    settings: { ...LOOPBACK_SETTINGS },
  });
  let events = 0;
  if (listen) for (const name of SESSION_EVENT_NAMES) session.on(name, () => events++);
  // From the prepare on: module loading and start-up are the same in both runs, and noise.
  const start = process.cpuUsage();
  const stream = await session.prepare({ magnet, fileIndex: 0 });
  const { body } = await httpGet(stream.url);
  await session.close();
  const used = process.cpuUsage(start);
  return { cpuMs: (used.user + used.system) / 1000, events, bytes: body.length };
}

function runChild(magnet: string, listen: boolean): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['child', magnet, String(listen)], {
      execArgv: ['--import', 'tsx'],
    });
    child.once('message', (message) => resolve(message as Result));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`child exited ${code}`));
    });
  });
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  if (process.argv[2] === 'child') {
    const result = await playback(process.argv[3], process.argv[4] === 'true');
    process.send?.(result);
    return;
  }
  const reps = Number(process.argv[2] ?? 5);
  const fixtures = await makeFixtures(mkdtempSync(join(tmpdir(), 'vz-bench-fixtures-')));
  const swarm = await startSwarm(fixtures.big, {
    seeders: ['libtorrent'],
    uploadLimit: UPLOAD_LIMIT,
  });
  try {
    const none: number[] = [];
    const all: number[] = [];
    let events = 0;
    for (let i = 0; i < reps; i++) {
      none.push((await runChild(swarm.magnet(), false)).cpuMs);
      const listened = await runChild(swarm.magnet(), true);
      all.push(listened.cpuMs);
      events = listened.events;
    }
    // Pairs run back to back share the machine's load: the median of their ratios is steadier
    // than a ratio of medians on a shared machine.
    const ratio = median(all.map((cpu, i) => cpu / none[i]));
    console.log(
      JSON.stringify(
        {
          reps,
          cpuMsNone: none,
          cpuMsAll: all,
          eventsPerPlayback: events,
          ratio,
          medianNone: median(none),
          medianAll: median(all),
        },
        null,
        1,
      ),
    );
    console.log(
      `events subscribed ÷ none, CPU of one playback (median of ${reps} paired ratios): ${ratio.toFixed(3)}×`,
    );
  } finally {
    await swarm.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
