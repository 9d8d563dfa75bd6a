// A tiny HTTPS BitTorrent tracker on 127.0.0.1 with a certificate from a CA made for the test:
// the real shape of public `https://` trackers, to prove the addon's own OpenSSL verifies them.
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { LOOPBACK } from './net.ts';
import { run } from './proc.ts';

export interface HttpsTracker {
  announceUrl: string;
  /** PEM of the CA that signed the tracker's certificate (pass it as `caFile`). */
  caFile: string;
  /** How many announces reached the tracker over a verified TLS connection. */
  announces(): number;
  stop(): Promise<void>;
}

/** A CA and a server certificate for 127.0.0.1 and localhost, made with the openssl CLI. */
async function makeCertificates(dir: string): Promise<{ ca: string; key: Buffer; cert: Buffer }> {
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => run('openssl', args);
  await openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=vozduxan test CA',
    '-keyout',
    at('ca.key'),
    '-out',
    at('ca.pem'),
  );
  await openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    at('server.key'),
    '-out',
    at('server.csr'),
  );
  await run('sh', [
    '-c',
    `printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > '${at('ext.cnf')}'`,
  ]);
  await openssl(
    'x509',
    '-req',
    '-in',
    at('server.csr'),
    '-CA',
    at('ca.pem'),
    '-CAkey',
    at('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    at('ext.cnf'),
    '-out',
    at('server.pem'),
  );
  return {
    ca: at('ca.pem'),
    key: await readFile(at('server.key')),
    cert: await readFile(at('server.pem')),
  };
}

/** Compact peer list (BEP 23): 4 address bytes and 2 port bytes per IPv4 peer. */
function compactPeers(peers: readonly string[]): Buffer {
  return Buffer.concat(
    peers.map((peer) => {
      const [host, port] = peer.split(':');
      const bytes = Buffer.alloc(6);
      for (const [i, octet] of (host ?? '').split('.').entries())
        bytes.writeUInt8(Number(octet), i);
      bytes.writeUInt16BE(Number(port), 4);
      return bytes;
    }),
  );
}

function announceReply(peers: readonly string[]): Buffer {
  const list = compactPeers(peers);
  return Buffer.concat([
    Buffer.from(`d8:intervali60e5:peers${list.length}:`),
    list,
    Buffer.from('e'),
  ]);
}

/** Starts the tracker; every announce is answered with `peers`, whatever the info hash. */
export async function startHttpsTracker(
  parentDir: string,
  peers: readonly string[],
): Promise<HttpsTracker> {
  const dir = await mkdtemp(join(parentDir, 'https-tracker-'));
  const { ca, key, cert } = await makeCertificates(dir);
  let announces = 0;
  const server: Server = createServer({ key, cert }, (req, res) => {
    if (!req.url?.startsWith('/announce')) {
      res.writeHead(404).end();
      return;
    }
    announces += 1;
    res.writeHead(200, { 'content-type': 'text/plain' }).end(announceReply(peers));
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    announceUrl: `https://${LOOPBACK}:${port}/announce`,
    caFile: ca,
    announces: () => announces,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
