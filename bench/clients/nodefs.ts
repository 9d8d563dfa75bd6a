import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nowMs } from '../lib/util.ts';
import type { Adapter, AddArgs, Added } from './adapter.ts';

/** The serving baseline: Node http + fs.createReadStream (default 64 KiB highWaterMark). */
export async function nodefsAdapter(): Promise<Adapter> {
  let filePath = '';
  let size = 0;
  const server = createServer((req, res) => {
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const end = m?.[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
    if (start >= size) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
      return;
    }
    const headers: Record<string, string | number> = {
      'Content-Type': 'audio/flac',
      'Accept-Ranges': 'bytes',
      'Content-Length': end - start + 1,
    };
    if (m) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    res.writeHead(m ? 206 : 200, headers);
    createReadStream(filePath, { start, end }).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/file`;

  return {
    async add(args: AddArgs): Promise<Added> {
      const t = nowMs();
      if (!args.filePath) throw new Error('nodefs needs filePath');
      filePath = args.filePath;
      size = statSync(filePath).size;
      return { tAdd: t, tReady: nowMs(), url };
    },
    open: async () => ({ t0: nowMs(), t1: nowMs(), url }),
    prefetch: async () => ({ t0: nowMs(), t1: nowMs(), url }),
    position() {},
    stats: () => null,
    release: async () => null,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
