export interface MagnetOptions {
  /** 'host:port' peer hints, sent as x.pe. */
  peers?: readonly string[];
  trackers?: readonly string[];
  name?: string;
}

export function magnetFor(infoHash: string, opts: MagnetOptions = {}): string {
  if (!/^[0-9a-f]{40}$/i.test(infoHash)) throw new Error(`not a v1 info hash: ${infoHash}`);
  let uri = `magnet:?xt=urn:btih:${infoHash.toLowerCase()}`;
  if (opts.name !== undefined) uri += `&dn=${encodeURIComponent(opts.name)}`;
  for (const tr of opts.trackers ?? []) uri += `&tr=${encodeURIComponent(tr)}`;
  // Peer hints stay readable: libtorrent accepts host:port unescaped.
  for (const pe of opts.peers ?? []) uri += `&x.pe=${pe}`;
  return uri;
}
