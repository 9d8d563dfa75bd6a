// Child process for lifetime tests. argv[2] picks the scenario; prints READY when set up.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOOPBACK_SETTINGS, Session } from '../../lib/index.ts';

const DEAD_MAGNET = 'magnet:?xt=urn:btih:00112233445566778899aabbccddeeff00112233&x.pe=127.0.0.1:9';

async function main(): Promise<void> {
  const scenario = process.argv[2];
  const storagePath = mkdtempSync(join(tmpdir(), 'vz-child-'));
  const session = await Session.create({ storagePath, settings: { ...LOOPBACK_SETTINGS } });
  if (scenario === 'natural-exit') {
    // Nothing pending: the open session must not keep the process alive.
    console.log('READY');
    return;
  }
  if (scenario === 'exit-with-pending') {
    session.prepare({ magnet: DEAD_MAGNET, fileIndex: 0 }).catch(() => undefined);
    session.listFiles({ magnet: DEAD_MAGNET }).catch(() => undefined);
    const response = await fetch(`http://127.0.0.1:${session.httpPort}/stream/${'0'.repeat(48)}`);
    await response.arrayBuffer();
    console.log('READY');
    setTimeout(() => process.exit(0), 50);
    return;
  }
  if (scenario === 'gc-unclosed') {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error('run with --expose-gc');
    await Promise.resolve();
    console.log('READY');
    return;
  }
  throw new Error(`unknown scenario ${scenario}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(3);
});
