export { type BDict, type BValue, bdecode } from './bencode.ts';
export {
  type DhtNode,
  type DhtNodeOptions,
  LOOPBACK_DHT_SETTINGS,
  type LoopbackDht,
  loopbackDhtSettings,
  startDhtNode,
  startLoopbackDht,
} from './dht.ts';
export {
  type Fixture,
  type FixtureFile,
  type FixtureKey,
  type FixtureOptions,
  type Fixtures,
  makeFixtures,
  sha256File,
} from './fixtures.ts';
export { type HttpsTracker, startHttpsTracker } from './https-tracker.ts';
export { type FetchOptions, ltFetch } from './leecher.ts';
export { type MagnetOptions, magnetFor } from './magnet.ts';
export { freePort, LOOPBACK, sleep, tcpAccepts, waitFor } from './net.ts';
export { type PacedSeeder, type QueuedRequest, startPacedSeeder } from './paced-seeder.ts';
export {
  type Seeder,
  type SeederKind,
  type SeederOptions,
  startAria2Seeder,
  startLibtorrentSeeder,
  startSeeder,
} from './seeders.ts';
export { type Swarm, type SwarmOptions, startSwarm } from './swarm.ts';
export { makeTorrent, readTorrent, type TorrentFile, type TorrentMeta } from './torrent.ts';
export { type ScrapeResult, startTracker, type Tracker, type TrackerOptions } from './tracker.ts';
