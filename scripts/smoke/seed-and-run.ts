// Seeds a generated track on 127.0.0.1 (libtorrent seeder) and runs a consumer command against
// it, with the SMOKE_* variables that scripts/smoke/consumer.* read. Exits with the command's
// status. Run it inside scripts/hermetic.sh. Usage: node --import tsx seed-and-run.ts CMD ARGS...
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeFixtures, startSwarm } from '../../test/harness/index.ts';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: seed-and-run.ts COMMAND [ARGS...]');
  process.exit(2);
}

async function main(cmd: string): Promise<number> {
  const { album } = await makeFixtures(mkdtempSync(join(tmpdir(), 'vz-smoke-fixtures-')));
  const swarm = await startSwarm(album, { seeders: ['libtorrent'] });
  const index = album.files.findIndex((f) => f.path.endsWith('.flac'));
  let status = 1;
  try {
    // Asynchronous: the seeder's output pipes keep draining while the consumer runs.
    const child = spawn(cmd, args, {
      stdio: 'inherit',
      env: {
        ...process.env,
        SMOKE_MAGNET: swarm.magnet(),
        SMOKE_TORRENT: album.torrentPath,
        SMOKE_FILE_INDEX: String(index),
        SMOKE_SHA256: album.files[index]?.sha256 ?? '',
        SMOKE_STORAGE: process.env.SMOKE_STORAGE ?? mkdtempSync(join(tmpdir(), 'vz-smoke-store-')),
      },
    });
    status = await new Promise<number>((resolve) => {
      child.on('error', (error) => {
        console.error(`seed-and-run: ${error.message}`);
        resolve(1);
      });
      child.on('exit', (code) => resolve(code ?? 1));
    });
  } finally {
    await swarm.stop();
  }
  return status;
}

main(command).then(
  (status) => process.exit(status),
  (error: unknown) => {
    console.error(`seed-and-run: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
