import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import peerflix, { type Engine } from 'peerflix';
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
 * torrent-stream behind peerflix's HTTP server (/<file index>, Range supported). torrent-stream
 * speaks TCP only; DHT and trackers off.
 */
export async function peerflixAdapter(): Promise<Adapter> {
  let engine: Engine | undefined;
  let port = 0;

  const current = (): Engine => {
    if (!engine) throw new Error('no torrent');
    return engine;
  };
  const urlFor = (fileIndex: number): string => `http://127.0.0.1:${port}/${fileIndex}`;

  return {
    async add(args: AddArgs): Promise<Added> {
      const id = args.torrentPath ? await readFile(args.torrentPath) : (args.magnet as string);
      const tAdd = nowMs();
      const e = peerflix(id, {
        path: args.savePath,
        tmp: args.savePath,
        dht: false,
        tracker: false,
        index: args.fileIndex,
        hostname: '127.0.0.1',
      });
      engine = e;
      for (const peer of args.peers) e.connect(peer);
      await new Promise<void>((resolve) => e.once('ready', () => resolve()));
      const tMeta = nowMs();
      if (!e.server.listening)
        await new Promise<void>((resolve) => e.server.once('listening', () => resolve()));
      port = (e.server.address() as AddressInfo).port;
      return { tAdd, tMeta, tReady: nowMs(), url: urlFor(args.fileIndex) };
    },
    async open(fileIndex) {
      const t0 = nowMs();
      current().files[fileIndex]?.select();
      return { t0, t1: nowMs(), url: urlFor(fileIndex) };
    },
    async prefetch(fileIndex): Promise<Opened> {
      const t0 = nowMs();
      const e = current();
      const file = e.files[fileIndex];
      if (!file) throw new Error(`no file ${fileIndex}`);
      await selectAndAwaitFirstPiece(file, e.torrent.pieceLength, (i) => e.bitfield.get(i));
      return { t0, t1: nowMs(), url: urlFor(fileIndex) };
    },
    ...WITHOUT_ENGINE_HOOKS,
    close: () =>
      new Promise<void>((resolve) => {
        if (!engine) return resolve();
        const e = engine;
        e.server.close();
        e.destroy(() => resolve());
      }),
  };
}
