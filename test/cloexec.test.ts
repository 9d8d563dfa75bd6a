// A child process the host app spawns while a session streams inherits none of our descriptors:
// not the HTTP listener or its connections, and (in the self-contained addon, whose libtorrent
// opens everything close-on-exec through the linker's --wrap) not libtorrent's listen and peer
// sockets or its files either. A source build over the system's shared libtorrent cannot set the
// flag on libtorrent's descriptors: that part is skipped there, saying so.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import test from 'ava';
import { buildInfo } from '../lib/index.ts';
import { startSwarm, waitFor } from './harness/index.ts';
import { openSession, sharedFixtures, tempDir } from './helpers.ts';

/** What a spawned child holds: its descriptors above 2, by what they point at. */
function childDescriptors(): Set<string> {
  // ls inherits what sh inherited, and adds only its look at /proc/self/fd.
  const listing = spawnSync('sh', ['-c', 'ls -l /proc/self/fd'], { encoding: 'utf8' });
  const held = new Set<string>();
  for (const line of listing.stdout.split('\n')) {
    const match = line.match(/ (\d+) -> (.*)$/);
    if (!match || Number(match[1]) <= 2 || match[2]?.startsWith('/proc/')) continue;
    held.add(match[2] ?? '');
  }
  return held;
}

/** Socket inodes of TCP sockets on `port` (listening or connected), from /proc/net/tcp. */
function socketsOnPort(port: number): string[] {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length > 9 && f[1]?.endsWith(hexPort))
    .map((f) => `socket:[${f[9]}]`);
}

async function streamingSession(t: Parameters<typeof openSession>[0]) {
  const before = childDescriptors();
  const { big } = await sharedFixtures();
  const swarm = await startSwarm(big, { seeders: ['libtorrent'], uploadLimit: 1024 * 1024 });
  t.teardown(() => swarm.stop());
  const storagePath = tempDir();
  const session = await openSession(t, { storagePath });
  const stream = await session.prepare({
    torrent: new Uint8Array(big.torrent),
    peers: swarm.peers,
    fileIndex: 0,
  });
  // A response in flight (the download goes on behind it), its client reading slowly.
  const client = connect(session.httpPort, '127.0.0.1');
  t.teardown(() => client.destroy());
  await new Promise<void>((resolve) => {
    client.once('data', () => {
      client.pause();
      resolve();
    });
    client.write(
      `GET ${new URL(stream.url).pathname} HTTP/1.1\r\nHost: 127.0.0.1:${session.httpPort}\r\n\r\n`,
    );
  });
  await waitFor('a peer connection', async () =>
    (await session.stats(stream.token))?.numPeers ? true : undefined,
  );
  return { before, session, storagePath };
}

test('a spawned child inherits neither the HTTP listener nor its connections', async (t) => {
  const { session } = await streamingSession(t);
  const ours = socketsOnPort(session.httpPort);
  t.true(ours.length >= 2, `listener and connection on ${session.httpPort}: ${ours}`);
  const held = childDescriptors();
  t.deepEqual(
    ours.filter((socket) => held.has(socket)),
    [],
  );
});

const selfContained = buildInfo().selfContained;
const libtorrentTest = selfContained ? test : test.skip;
if (!selfContained) {
  console.log(
    'cloexec: libtorrent part skipped: a source build links the system libtorrent, whose sockets and files cannot be made close-on-exec (the prebuilt addon wraps socket/accept/open/fopen)',
  );
}

libtorrentTest(
  'a spawned child holds no descriptor of the session at all (libtorrent included)',
  async (t) => {
    const { before, storagePath } = await streamingSession(t);
    const held = childDescriptors();
    const inherited = [...held].filter((target) => !before.has(target));
    t.deepEqual(inherited, [], `inherited: ${inherited.join(', ')}`);
    t.false([...held].some((target) => target.startsWith(storagePath)));
  },
);
