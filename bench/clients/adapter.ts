import { sleep } from '../lib/util.ts';

/** What every benchmark client process implements; main.ts maps JSON-line commands onto it. */
export interface AddArgs {
  /** A fresh, empty folder for this run's downloads (cold storage). */
  savePath: string;
  /** Exactly one of torrentPath and magnet (a bare magnet: xt and dn only). */
  torrentPath?: string;
  magnet?: string;
  /** '127.0.0.1:PORT' of every seeder (or the delay line in front of it), added directly. */
  peers: string[];
  fileIndex: number;
  /** For the Node file-server baseline: the file to serve. */
  filePath?: string;
}

export interface Added {
  /** When the add call was made (CLOCK_MONOTONIC ms). */
  tAdd: number;
  /** When the metadata was known, for peers that say so. */
  tMeta?: number;
  /** When the URL became usable: for vozduxan, when prepare() resolved. */
  tReady: number;
  url: string;
  /** vozduxan only: the first progress report > 0 of prepare() (first piece verified). */
  firstProgress?: { t: number; fraction: number };
}

export interface Opened {
  t0: number;
  t1: number;
  url: string;
}

export interface Adapter {
  add(args: AddArgs): Promise<Added>;
  /** Makes fileIndex the playing file (vozduxan: prepare with main: true; peers: select it). */
  open(fileIndex: number): Promise<Opened>;
  /** Warms fileIndex and resolves once its first piece is verified. */
  prefetch(fileIndex: number): Promise<Opened>;
  /** The player's position, as `timeupdate` would report it (vozduxan: notifyPosition). */
  position(fileIndex: number, byte: number): void;
  /** Ends the stream of fileIndex; null when the client has no such operation. */
  release(fileIndex: number): Promise<{ t0: number; t1: number } | null>;
  /** Engine numbers for diagnosis (vozduxan: `stats(token)`); null for the peers. */
  stats(fileIndex: number): Record<string, unknown> | null;
  close(): Promise<void>;
}

/** What the peer libraries have no counterpart for: position reports, release, stats. */
export const WITHOUT_ENGINE_HOOKS: Pick<Adapter, 'position' | 'release' | 'stats'> = {
  position() {},
  release: async () => null,
  stats: () => null,
};

/** Selects a peer library's file and resolves once the piece holding its first byte is in. */
export async function selectAndAwaitFirstPiece(
  file: { offset: number; select(): void },
  pieceLength: number,
  hasPiece: (index: number) => boolean,
): Promise<void> {
  file.select();
  const first = Math.floor(file.offset / pieceLength);
  while (!hasPiece(first)) await sleep(5);
}
