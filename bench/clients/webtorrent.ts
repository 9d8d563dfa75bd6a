import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import WebTorrent, { type Torrent } from 'webtorrent';
import { nowMs } from '../lib/util.ts';
import {
  type Adapter,
  type AddArgs,
  type Added,
  type Opened,
  selectAndAwaitFirstPiece,
  WITHOUT_ENGINE_HOOKS,
} from './adapter.ts';

/**
 * WebTorrent 3 with its own Node HTTP server (/webtorrent/<infohash>/<path>, Range supported).
 * TCP only: no uTP, DHT, LSD, trackers, PeX, web seeds or NAT traversal.
 */
export async function webtorrentAdapter(): Promise<Adapter> {
  const client = new WebTorrent({
    dht: false,
    tracker: false,
    lsd: false,
    utp: false,
    utPex: false,
    webSeeds: false,
    natUpnp: false,
    natPmp: false,
  });
  client.on('error', (e: unknown) => console.error('webtorrent error:', e));
  const server = client.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  let torrent: Torrent | undefined;

  const urlFor = (t: Torrent, fileIndex: number): string => {
    const file = t.files[fileIndex];
    if (!file) throw new Error(`no file ${fileIndex}`);
    const path = file.path.replace(/\\/g, '/').split('/').map(encodeURIComponent).join('/');
    return `http://127.0.0.1:${port}/webtorrent/${t.infoHash}/${path}`;
  };
  const current = (): Torrent => {
    if (!torrent) throw new Error('no torrent');
    return torrent;
  };

  return {
    async add(args: AddArgs): Promise<Added> {
      const id = args.torrentPath ? await readFile(args.torrentPath) : (args.magnet as string);
      const tAdd = nowMs();
      // deselect: nothing downloads until a file is selected or streamed, as with the others.
      const t = client.add(id, { path: args.savePath, deselect: true, announce: [] });
      torrent = t;
      const addPeer = (): void => {
        for (const peer of args.peers) t.addPeer(peer);
      };
      if (t.infoHash) addPeer();
      else t.once('infoHash', addPeer);
      await new Promise<void>((resolve, reject) => {
        if (t.ready) return resolve();
        t.once('ready', () => resolve());
        t.once('error', (e: unknown) => reject(e instanceof Error ? e : new Error(String(e))));
      });
      const tMeta = nowMs();
      t.files[args.fileIndex]?.select();
      return { tAdd, tMeta, tReady: nowMs(), url: urlFor(t, args.fileIndex) };
    },
    async open(fileIndex) {
      const t0 = nowMs();
      const t = current();
      t.files[fileIndex]?.select();
      return { t0, t1: nowMs(), url: urlFor(t, fileIndex) };
    },
    async prefetch(fileIndex): Promise<Opened> {
      const t0 = nowMs();
      const t = current();
      const file = t.files[fileIndex];
      if (!file) throw new Error(`no file ${fileIndex}`);
      await selectAndAwaitFirstPiece(file, t.pieceLength, (i) => Boolean(t.bitfield?.get(i)));
      return { t0, t1: nowMs(), url: urlFor(t, fileIndex) };
    },
    ...WITHOUT_ENGINE_HOOKS,
    close: () =>
      new Promise<void>((resolve) => {
        server.destroy(() => client.destroy(() => resolve()));
      }),
  };
}
