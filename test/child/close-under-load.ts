// Child process for the soak test: prepares streams of one torrent from its real seeders,
// sends one request per stream, closes the session while every response is in flight, and
// prints what each request got as one JSON line. It ends by itself: no process.exit.
import { LOOPBACK_SETTINGS, Session } from '../../lib/index.ts';
import { tempDir } from '../helpers.ts';
import { fileSlice, httpGet } from '../http-client.ts';

interface Job {
  torrentPath: string;
  peers: string[];
  fileIndex: number;
  /** The file's source copy, to check what was served before the cut. */
  sourcePath: string;
  requests: number;
}

export interface CloseUnderLoadResult {
  /** Requests whose headers had arrived when close() was called. */
  inFlightAtClose: number;
  /** Per request: its status, whether its body was complete, and whether its bytes matched. */
  ended: { status: number; complete: boolean; exact: boolean; bytes: number }[];
  closeResolved: boolean;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]) as Job;
  const { readFile } = await import('node:fs/promises');
  const torrent = new Uint8Array(await readFile(job.torrentPath));
  const session = await Session.create({
    storagePath: tempDir(),
    settings: { ...LOOPBACK_SETTINGS },
  });
  const streams = [];
  for (let i = 0; i < job.requests; ++i) {
    streams.push(await session.prepare({ torrent, peers: job.peers, fileIndex: job.fileIndex }));
  }
  let started = 0;
  let allStarted: () => void = () => undefined;
  const allIn = new Promise<void>((resolve) => {
    allStarted = resolve;
  });
  const requests = streams.map((stream, i) => {
    // Spread over the file: the first ones read the verified prebuffer, the rest park on
    // pieces the throttled seeder has not sent yet.
    const first = Math.floor((stream.fileSize * i) / job.requests);
    return httpGet(stream.url, {
      headers: { Range: `bytes=${first}-` },
      onResponse: () => {
        started += 1;
        if (started === job.requests) allStarted();
      },
    }).then(async (result) => ({
      status: result.status,
      complete: result.complete,
      bytes: result.body.length,
      exact:
        result.body.length === 0 ||
        result.body.equals(await fileSlice(job.sourcePath, first, first + result.body.length - 1)),
    }));
  });
  await allIn;
  const inFlightAtClose = started;
  let closeResolved = false;
  await session.close().then(() => {
    closeResolved = true;
  });
  const ended = await Promise.all(requests);
  const result: CloseUnderLoadResult = { inFlightAtClose, ended, closeResolved };
  console.log(JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 3;
});
