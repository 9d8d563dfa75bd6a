import { readFile } from 'node:fs/promises';
import { LOOPBACK_SETTINGS, Session, type SettingValue, type StreamInfo } from '../../lib/index.ts';
import { nowMs } from '../lib/util.ts';
import type { Adapter, AddArgs, Added, Opened } from './adapter.ts';

/** vozduxan itself: one Session, streams prepared per file index. */
export async function oursAdapter(
  settings: Record<string, SettingValue>,
  savePath: string,
): Promise<Adapter> {
  const session = await Session.create({
    storagePath: savePath,
    settings: { ...LOOPBACK_SETTINGS, ...settings },
  });
  const streams = new Map<number, StreamInfo>();
  let input: { torrent?: Uint8Array; magnet?: string; peers: string[] } = { peers: [] };

  // Diagnosis: when prepare first reported progress (the file's first piece verified) and the
  // fraction it reported then, which gives the prebuffer target it was aiming for.
  let firstProgress: { t: number; fraction: number } | null = null;
  const prepare = async (
    fileIndex: number,
    main: boolean,
  ): Promise<Opened & { firstProgress?: { t: number; fraction: number } }> => {
    firstProgress = null;
    const t0 = nowMs();
    const stream = await session.prepare({
      ...input,
      fileIndex,
      main,
      onProgress: (fraction) => {
        if (!firstProgress && fraction > 0) firstProgress = { t: nowMs(), fraction };
      },
    });
    const t1 = nowMs();
    streams.set(fileIndex, stream);
    return { t0, t1, url: stream.url, ...(firstProgress ? { firstProgress } : {}) };
  };

  return {
    async add(args: AddArgs): Promise<Added> {
      const torrent = args.torrentPath ? await readFile(args.torrentPath) : undefined;
      input = torrent ? { torrent, peers: args.peers } : { magnet: args.magnet, peers: args.peers };
      const { t0, t1, url, firstProgress: first } = await prepare(args.fileIndex, true);
      return { tAdd: t0, tReady: t1, url, ...(first ? { firstProgress: first } : {}) };
    },
    open: (fileIndex) => prepare(fileIndex, true),
    prefetch: (fileIndex) => prepare(fileIndex, false),
    position(fileIndex, byte) {
      const stream = streams.get(fileIndex);
      if (stream) session.notifyPosition(stream.token, byte);
    },
    async release(fileIndex) {
      const stream = streams.get(fileIndex);
      if (!stream) throw new Error(`no stream for file ${fileIndex}`);
      const t0 = nowMs();
      await session.release(stream.token);
      return { t0, t1: nowMs() };
    },
    stats(fileIndex) {
      const stream = streams.get(fileIndex);
      return stream ? { ...session.stats(stream.token) } : null;
    },
    close: () => session.close(),
  };
}
