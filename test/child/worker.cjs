// Worker thread body (plain CommonJS on the built package, as users load it): opens a
// session, lists a torrent, then closes it, leaves it open (for the env cleanup hook), or
// leaves a prepare pending on a dead swarm (for terminate()).
const { mkdtempSync, readFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { parentPort, workerData } = require('node:worker_threads');
const { LOOPBACK_SETTINGS, Session } = require('../../dist/index.js');

async function run() {
  const storagePath = mkdtempSync(join(tmpdir(), 'vz-worker-'));
  const session = await Session.create({ storagePath, settings: { ...LOOPBACK_SETTINGS } });
  const files = await session.listFiles({
    torrent: new Uint8Array(readFileSync(workerData.torrentPath)),
  });
  if (workerData.mode === 'close') await session.close();
  if (workerData.mode === 'pending') {
    const magnet = `magnet:?xt=urn:btih:${'7'.repeat(40)}&x.pe=127.0.0.1:9`;
    session.prepare({ magnet, fileIndex: 0 }).catch(() => undefined);
  }
  parentPort.postMessage({ files: files.length, port: session.httpPort });
}

run().catch((error) => parentPort.postMessage({ error: String(error) }));
