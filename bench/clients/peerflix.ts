import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import peerflix, { type Engine } from 'peerflix';
import { nowMs, sleep } from '../lib/util.ts';
import type { Adapter, AddArgs, Added, Opened } from './adapter.ts';

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
      e.connect(args.peer);
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
      file.select();
      const first = Math.floor(file.offset / e.torrent.pieceLength);
      while (!e.bitfield.get(first)) await sleep(5);
      return { t0, t1: nowMs(), url: urlFor(fileIndex) };
    },
    position() {},
    stats: () => null,
    async release() {
      return null;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (!engine) return resolve();
        const e = engine;
        e.server.close();
        e.destroy(() => resolve());
      }),
  };
}
