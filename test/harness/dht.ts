// A DHT on loopback: libtorrent nodes (Python bindings) on 127.0.0.1, bootstrapped to each other,
// one of which seeds a torrent it announced into the DHT only. The one place the suite turns the
// DHT on, and only inside the hermetic namespace (scripts/hermetic.sh).
import { fileURLToPath } from 'node:url';
import { freePort, LOOPBACK } from './net.ts';
import { PYTHON, spawnTied } from './proc.ts';
import { startOrKill } from './seeders.ts';

const LT_DHT_NODE = fileURLToPath(new URL('./lt_dht_node.py', import.meta.url));

/**
 * libtorrent settings that make a DHT work when every node is 127.0.0.1 (the same as
 * lt_dht_node.py's): by default it keeps one node per IP in its routing table and searches,
 * prefers node IDs derived from the IP (BEP 42), bans an IP that sends more than 5 messages a
 * second for 5 minutes, and answers at most 8 KB/s of queries.
 */
export const LOOPBACK_DHT_SETTINGS: Readonly<Record<string, boolean | number>> = Object.freeze({
  enable_dht: true,
  dht_restrict_routing_ips: false,
  dht_restrict_search_ips: false,
  dht_ignore_dark_internet: false,
  dht_prefer_verified_node_ids: false,
  dht_enforce_node_id: false,
  dht_block_ratelimit: 100_000,
  dht_upload_rate_limit: 1 << 24,
});

/** Settings for a session that joins the DHT only through `nodes` ('127.0.0.1:PORT'). */
export function loopbackDhtSettings(
  nodes: readonly string[],
): Record<string, boolean | number | string> {
  for (const node of nodes) {
    if (!node.startsWith(`${LOOPBACK}:`)) throw new Error(`not a loopback DHT node: ${node}`);
  }
  // Replaces libtorrent's default routers (dht.libtorrent.org and friends).
  return { ...LOOPBACK_DHT_SETTINGS, dht_bootstrap_nodes: nodes.join(',') };
}

export interface DhtNode {
  port: number;
  /** '127.0.0.1:PORT', for dht_bootstrap_nodes. */
  node: string;
  output(): string;
  /** Connections a seeding node closed because the leecher said it was upload-only. */
  uploadOnlyDrops(): number;
  stop(): Promise<void>;
}

export interface DhtNodeOptions {
  /** Nodes to bootstrap from ('127.0.0.1:PORT'); none for the first node. */
  bootstrap?: readonly string[];
  /** Seed this torrent (content in dataDir) and announce it into the DHT. */
  seed?: { torrentPath: string; dataDir: string };
  readyTimeoutMs?: number;
}

/**
 * Starts a node. With `seed` it resolves only once the seeder found itself in the DHT (a
 * get_peers from it returned its own endpoint from another node), so a lookup by any node
 * can find it.
 */
export async function startDhtNode(opts: DhtNodeOptions = {}): Promise<DhtNode> {
  const port = await freePort();
  const args = [LT_DHT_NODE, '--port', String(port)];
  for (const node of opts.bootstrap ?? []) args.push('--bootstrap', node);
  if (opts.seed) args.push('--torrent', opts.seed.torrentPath, '--save-path', opts.seed.dataDir);
  const proc = spawnTied(PYTHON, args, { guard: 'stdin' });
  let drops = 0;
  proc.onLine((line) => {
    if (line.startsWith('DROPPED upload-only ')) drops += 1;
  });
  const ready = opts.seed ? /^ANNOUNCED \d+$/ : /^READY \d+$/;
  await startOrKill(proc, async () => {
    await proc.waitForLine(ready, opts.readyTimeoutMs ?? 30_000);
  });
  return {
    port,
    node: `${LOOPBACK}:${port}`,
    output: () => proc.output(),
    uploadOnlyDrops: () => drops,
    stop: () => proc.stop(),
  };
}

export interface LoopbackDht {
  /** The plain nodes, then the seeder. */
  nodes: readonly DhtNode[];
  seeder: DhtNode;
  /** Every node's '127.0.0.1:PORT', for a session's dht_bootstrap_nodes. */
  bootstrap: readonly string[];
  output(): string;
  stop(): Promise<void>;
}

/**
 * `plainNodes` DHT nodes, each bootstrapped to the ones before it, and a seeder of the torrent
 * bootstrapped to all of them, announced into the DHT.
 */
export async function startLoopbackDht(
  seed: { torrentPath: string; dataDir: string },
  { plainNodes = 2 }: { plainNodes?: number } = {},
): Promise<LoopbackDht> {
  const nodes: DhtNode[] = [];
  const stop = () => Promise.all(nodes.map((n) => n.stop())).then(() => undefined);
  try {
    for (let i = 0; i < plainNodes; i++) {
      nodes.push(await startDhtNode({ bootstrap: nodes.map((n) => n.node) }));
    }
    const seeder = await startDhtNode({ bootstrap: nodes.map((n) => n.node), seed });
    nodes.push(seeder);
    return {
      nodes,
      seeder,
      bootstrap: nodes.map((n) => n.node),
      output: () => nodes.map((n) => `--- ${n.node} ---\n${n.output()}`).join('\n'),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
