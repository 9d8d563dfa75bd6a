// The main job on its embedded default: generate an album, seed it on loopback with two
// independent clients, then stream every track through vozduxan and check each byte.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOOPBACK_SETTINGS, Session } from '../lib/index.ts';
import { makeFixtures, startSwarm } from '../test/harness/index.ts';

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'vozduxan-demo-'));
  console.log('generating an album with sox and a .torrent with mktorrent …');
  const { album } = await makeFixtures(join(work, 'fixtures'));
  const swarm = await startSwarm(album, { seeders: ['aria2', 'libtorrent'], tracker: true });
  console.log(`seeding on ${swarm.peers.join(', ')} (aria2c, libtorrent) with a loopback tracker`);
  const session = await Session.create({
    storagePath: join(work, 'store'),
    settings: { ...LOOPBACK_SETTINGS },
  });
  try {
    const magnet = swarm.magnet({ peers: false });
    console.log(`magnet: ${magnet}`);
    const files = await session.listFiles({ magnet });
    let failures = 0;
    for (const file of files) {
      if (!file.mime.startsWith('audio/')) {
        console.log(`  skip  ${file.name} (${file.mime})`);
        continue;
      }
      const started = performance.now();
      const stream = await session.prepare({ magnet, fileIndex: file.index });
      const ready = performance.now() - started;
      const response = await fetch(stream.url);
      const body = Buffer.from(await response.arrayBuffer());
      const digest = createHash('sha256').update(body).digest('hex');
      const expected = album.files[file.index].sha256;
      const ok = digest === expected;
      failures += ok ? 0 : 1;
      console.log(
        `  ${ok ? 'ok  ' : 'FAIL'}  ${file.name}  ${file.size} B  ${file.mime}  ready in ${ready.toFixed(0)} ms  ${stream.url}`,
      );
      await session.release(stream.token);
    }
    console.log(
      failures === 0 ? 'every track streamed byte-exact' : `${failures} track(s) differed`,
    );
    process.exitCode = failures === 0 ? 0 : 1;
  } finally {
    await session.close();
    await swarm.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
