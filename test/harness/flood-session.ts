// Child process for the hostile-client tests: opens a session in a process of its own (so the
// test can give it its own fd limit with prlimit), prepares one stream from the given peers, and
// prints `READY {json}`. Exits, closing the session, when its stdin closes.
// Usage: node --import tsx flood-session.ts '{"torrentPath":…,"peers":[…],"fileIndex":0}'
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOOPBACK_SETTINGS, Session, type SessionConfig } from '../../lib/index.ts';

interface Args {
  torrentPath: string;
  peers: string[];
  fileIndex: number;
  config?: Partial<SessionConfig>;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as Args;
  const storagePath = mkdtempSync(join(tmpdir(), 'vz-flood-'));
  const session = await Session.create({
    storagePath,
    ...args.config,
    settings: { ...LOOPBACK_SETTINGS },
  });
  const stream = await session.prepare({
    torrent: new Uint8Array(readFileSync(args.torrentPath)),
    peers: args.peers,
    fileIndex: args.fileIndex,
  });
  process.stdin.on('end', () => {
    void session.close().then(() => process.exit(0));
  });
  process.stdin.resume();
  console.log(`READY ${JSON.stringify({ pid: process.pid, port: session.httpPort, ...stream })}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(3);
});
