import { connect } from 'node:net';
import test from 'ava';
import type { Session, StreamInfo } from '../lib/index.ts';
import type { Fixture } from './harness/index.ts';
import { openSession, sharedFixtures } from './helpers.ts';
import { fileSlice, httpGet } from './http-client.ts';

/** A stream whose file is fully verified: prepared from a seeder, then read once. */
async function readyStream(
  t: Parameters<typeof openSession>[0],
): Promise<{ session: Session; stream: StreamInfo; fixture: Fixture }> {
  const { startSwarm } = await import('./harness/index.ts');
  const { single } = await sharedFixtures();
  const swarm = await startSwarm(single, { seeders: ['aria2'] });
  t.teardown(() => swarm.stop());
  const session = await openSession(t);
  const stream = await session.prepare({
    torrent: new Uint8Array(single.torrent),
    peers: swarm.peers,
    fileIndex: 0,
  });
  return { session, stream, fixture: single };
}

/** Sends raw bytes and returns the whole answer (for requests node:http will not send). */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
    });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.write(text);
    socket.end();
  });
}

test('Range forms per RFC 9110: a-b, a-, -n, clamping, HEAD and 416', async (t) => {
  const { session, stream, fixture } = await readyStream(t);
  const size = stream.fileSize;
  const path = fixture.files[0].absPath;
  const cases: Array<[string, number, number]> = [
    ['bytes=0-0', 0, 0],
    ['bytes=100-1099', 100, 1099],
    [`bytes=${size - 10}-`, size - 10, size - 1],
    ['bytes=-500', size - 500, size - 1],
    [`bytes=-${size * 2}`, 0, size - 1],
    [`bytes=${size - 5}-${size + 1000}`, size - 5, size - 1],
    ['BYTES=5-9', 5, 9],
  ];
  for (const [range, first, last] of cases) {
    const response = await httpGet(stream.url, { headers: { Range: range } });
    t.is(response.status, 206, range);
    t.is(response.headers['content-range'], `bytes ${first}-${last}/${size}`, range);
    t.is(Number(response.headers['content-length']), last - first + 1, range);
    t.true(response.body.equals(await fileSlice(path, first, last)), range);
  }

  const head = await httpGet(stream.url, { method: 'HEAD', headers: { Range: 'bytes=10-19' } });
  t.is(head.status, 206);
  t.is(head.headers['content-length'], '10');
  t.is(head.body.length, 0);
  const headWhole = await httpGet(stream.url, { method: 'HEAD' });
  t.is(headWhole.status, 200);
  t.is(Number(headWhole.headers['content-length']), size);
  t.is(headWhole.headers['accept-ranges'], 'bytes');
  t.is(headWhole.headers['content-type'], 'audio/wav');

  for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0']) {
    const response = await httpGet(stream.url, { headers: { Range: range } });
    t.is(response.status, 416, range);
    t.is(response.headers['content-range'], `bytes */${size}`, range);
  }
  t.truthy(session);
});

test('malformed and multiple ranges are ignored: 200 with the whole file, never 5xx', async (t) => {
  const { session, stream } = await readyStream(t);
  const ranges = [
    'bytes=abc',
    'bytes=5-2',
    'items=0-10',
    'bytes=',
    'bytes=-',
    'bytes=1-2,4-5',
    'bytes=0-1-2',
    'bytes = 5-9',
  ];
  for (const range of ranges) {
    const response = await httpGet(stream.url, { headers: { Range: range } });
    t.is(response.status, 200, range);
    t.is(response.body.length, stream.fileSize, range);
  }
  // Bytes node:http refuses to send: raw UTF-8 and control characters in the header.
  const path = new URL(stream.url).pathname;
  const raw = await rawRequest(
    session.httpPort,
    `HEAD ${path} HTTP/1.1\r\nHost: 127.0.0.1:${session.httpPort}\r\nRange: bytes=\u{1F4A5}\x01-\r\nConnection: close\r\n\r\n`,
  );
  t.true(raw.startsWith('HTTP/1.1 200') || raw.startsWith('HTTP/1.1 400'), raw.split('\r\n')[0]);
});

test('keep-alive serves several requests on one connection', async (t) => {
  const { session, stream } = await readyStream(t);
  const path = new URL(stream.url).pathname;
  const host = `127.0.0.1:${session.httpPort}`;
  const one = `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nRange: bytes=0-3\r\n\r\n`;
  const last = `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nRange: bytes=4-7\r\nConnection: close\r\n\r\n`;
  const answer = await rawRequest(session.httpPort, one + one + last);
  t.is(answer.match(/HTTP\/1\.1 206/g)?.length, 3);
  t.true(answer.startsWith('HTTP/1.1 206'));
  t.true(answer.includes('RIFF'));
});

test('a foreign Host header is refused (DNS rebinding), localhost is accepted', async (t) => {
  const { session, stream } = await readyStream(t);
  const refused = await httpGet(stream.url, {
    headers: { Host: `evil.example:${session.httpPort}` },
  });
  t.is(refused.status, 403);
  const wrongPort = await httpGet(stream.url, {
    headers: { Host: `127.0.0.1:${session.httpPort + 1}` },
  });
  t.is(wrongPort.status, 403);
  const localhost = await httpGet(stream.url, {
    headers: { Host: `LOCALHOST:${session.httpPort}`, Range: 'bytes=0-3' },
  });
  t.is(localhost.status, 206);
  t.is(localhost.body.toString('latin1'), 'RIFF');
  const noHost = await rawRequest(
    session.httpPort,
    `GET ${new URL(stream.url).pathname} HTTP/1.0\r\n\r\n`,
  );
  t.true(noHost.startsWith('HTTP/1.0 403'));
});

test('unknown, malformed and released tokens all answer the same 404; other methods 405', async (t) => {
  const { session, stream } = await readyStream(t);
  const base = `http://127.0.0.1:${session.httpPort}`;
  const misses = [
    `${base}/stream/${'0'.repeat(48)}`,
    `${base}/stream/not-a-token`,
    `${base}/stream/`,
    `${base}/other`,
    `${base}/stream/${stream.token}/extra`,
  ];
  const bodies = new Set<string>();
  for (const url of misses) {
    const response = await httpGet(url);
    t.is(response.status, 404, url);
    bodies.add(response.body.toString());
  }
  await session.release(stream.token);
  const released = await httpGet(stream.url);
  t.is(released.status, 404);
  bodies.add(released.body.toString());
  t.is(bodies.size, 1, 'every kind of miss looks alike');
  const post = await httpGet(`${base}/stream/${'0'.repeat(48)}`, { method: 'POST' });
  t.is(post.status, 405);
  const garbage = await rawRequest(session.httpPort, 'NOT HTTP AT ALL\r\n\r\n');
  t.false(garbage.startsWith('HTTP/1.1 5'));
});
