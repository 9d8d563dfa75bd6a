// Worker thread body (plain CommonJS on the built package, as users load it): opens a
// session, lists a torrent, then closes it or leaves it to the env cleanup hook.
const { mkdtempSync, readFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { parentPort, workerData } = require('node:worker_threads');
const { LOOPBACK_SETTINGS, Session } = require('../../dist/index.js');

async function run() {
  const storagePath = mkdtempSync(join(tmpdir(), 'vz-worker-'));
  const session = await Session.create({ storagePath, settings: { ...LOOPBACK_SETTINGS } });
  const files = await session.listFiles({ torrent: new Uint8Array(readFileSync(workerData.torrentPath)) });
  if (workerData.close) await session.close();
  parentPort.postMessage({ files: files.length, port: session.httpPort });
}

run().catch((error) => parentPort.postMessage({ error: String(error) }));
