// The few parts of WebTorrent 3 and peerflix/torrent-stream the benchmark uses (neither ships types).

declare module 'webtorrent' {
  import type { EventEmitter } from 'node:events';
  import type { AddressInfo } from 'node:net';

  export interface TorrentFile {
    path: string;
    offset: number;
    length: number;
    select(priority?: number): void;
    deselect(): void;
  }

  export interface Torrent extends EventEmitter {
    infoHash: string;
    ready: boolean;
    files: TorrentFile[];
    pieceLength: number;
    bitfield: { get(index: number): boolean } | null;
    addPeer(peer: string): boolean;
  }

  export interface NodeServer {
    listen(port: number, host: string, cb: () => void): void;
    address(): AddressInfo | string | null;
    destroy(cb: () => void): void;
  }

  export interface Options {
    dht?: boolean;
    tracker?: boolean;
    lsd?: boolean;
    utp?: boolean;
    utPex?: boolean;
    webSeeds?: boolean;
    natUpnp?: boolean;
    natPmp?: boolean;
  }

  export interface AddOptions {
    path?: string;
    deselect?: boolean;
    announce?: string[];
  }

  export default class WebTorrent extends EventEmitter {
    constructor(opts?: Options);
    add(id: Buffer | string, opts?: AddOptions): Torrent;
    createServer(): NodeServer;
    destroy(cb: () => void): void;
  }
}

declare module 'peerflix' {
  import type { EventEmitter } from 'node:events';
  import type { Server } from 'node:http';

  export interface EngineFile {
    name: string;
    offset: number;
    length: number;
    select(): void;
    deselect(): void;
  }

  export interface Engine extends EventEmitter {
    files: EngineFile[];
    torrent: { pieceLength: number };
    bitfield: { get(index: number): boolean };
    server: Server;
    connect(addr: string): void;
    destroy(cb: () => void): void;
  }

  export interface Options {
    path?: string;
    tmp?: string;
    dht?: boolean;
    tracker?: boolean;
    index?: number;
    hostname?: string;
    port?: number;
  }

  export default function peerflix(torrent: Buffer | string, opts?: Options): Engine;
}
