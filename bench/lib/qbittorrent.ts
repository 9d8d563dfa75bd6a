import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, LOOPBACK, tcpAccepts, waitFor } from '../../test/harness/net.ts';
import { spawnTied } from '../../test/harness/proc.ts';
import { startOrKill } from '../../test/harness/seeders.ts';
import type { Seeder } from './seeder.ts';

/**
 * The profile of a seeding-only qBittorrent on loopback (qBittorrent 4.5 keys): legal notice
 * accepted, web API without a login from localhost, several connections per IP, TCP only, bound
 * to 127.0.0.1, and everything that could reach beyond it off (DHT, LSD, PeX, UPnP/NAT-PMP, the
 * embedded tracker, extra trackers, the peer-country database). No queueing, no ratio limit.
 */
function profile(torrentPort: number, webPort: number): string {
  return [
    '[LegalNotice]',
    'Accepted=true',
    '',
    '[BitTorrent]',
    `Session\\Port=${torrentPort}`,
    'Session\\Interface=lo',
    'Session\\InterfaceName=lo',
    `Session\\InterfaceAddress=${LOOPBACK}`,
    'Session\\BTProtocol=TCP',
    'Session\\DHTEnabled=false',
    'Session\\LSDEnabled=false',
    'Session\\PeXEnabled=false',
    'Session\\TrackerEnabled=false',
    'Session\\AddTrackersEnabled=false',
    'Session\\MultiConnectionsPerIp=true',
    'Session\\QueueingSystemEnabled=false',
    'Session\\GlobalMaxRatio=-1',
    'Session\\AnonymousModeEnabled=false',
    '',
    '[Network]',
    'PortForwardingEnabled=false',
    '',
    '[Application]',
    'FileLogger\\Enabled=false',
    '',
    '[Preferences]',
    'Connection\\UPnP=false',
    'Connection\\ResolvePeerCountries=false',
    'General\\UseRandomPort=false',
    `WebUI\\Address=${LOOPBACK}`,
    `WebUI\\Port=${webPort}`,
    'WebUI\\LocalHostAuth=false',
    'WebUI\\CSRFProtection=false',
    'WebUI\\HostHeaderValidation=false',
    'WebUI\\UseUPnP=false',
    '',
  ].join('\n');
}

/** qBittorrent's states of a torrent that is seeding (4.5 web API names). */
const SEEDING = new Set(['uploading', 'stalledUP', 'forcedUP', 'queuedUP']);

/**
 * A fresh qbittorrent-nox (4.5, Debian) seeding one torrent from dataDir, its BitTorrent port
 * `port` (the Shaper's), the torrent added through its web API on loopback with the hash check
 * skipped. Resolves once the torrent is seeding and the port accepts connections.
 */
export async function startQbittorrent(
  torrentPath: string,
  dataDir: string,
  port: number,
  tmpRoot: string,
): Promise<Seeder> {
  const home = await mkdtemp(join(tmpRoot, 'qbt-'));
  const torrentPort = port || (await freePort());
  const webPort = await freePort();
  const configDir = join(home, 'qBittorrent', 'config');
  await mkdir(configDir, { recursive: true });
  await writeFile(join(configDir, 'qBittorrent.conf'), profile(torrentPort, webPort));
  const args = [`--profile=${home}`, `--webui-port=${webPort}`, `--torrenting-port=${torrentPort}`];
  // qbittorrent-nox does not watch its stdin: the kernel ends it with the runner.
  const proc = spawnTied('qbittorrent-nox', args, { guard: 'pdeathsig', cwd: home });
  const api = `http://${LOOPBACK}:${webPort}/api/v2`;
  await startOrKill(proc, async () => {
    await waitFor('the qBittorrent web API', async () =>
      (await fetch(`${api}/app/version`)).ok ? true : undefined,
    );
    const form = new FormData();
    form.append('torrents', new Blob([await readFile(torrentPath)]), 'seed.torrent');
    form.append('savepath', dataDir);
    form.append('skip_checking', 'true');
    form.append('paused', 'false');
    form.append('contentLayout', 'Original');
    const added = await fetch(`${api}/torrents/add`, { method: 'POST', body: form });
    const text = await added.text();
    if (!added.ok || text.trim() !== 'Ok.')
      throw new Error(`qBittorrent refused the torrent: HTTP ${added.status} ${text}`);
    await waitFor(
      'qBittorrent seeding',
      async () => {
        const info = (await (await fetch(`${api}/torrents/info`)).json()) as { state?: string }[];
        return info.some((t) => SEEDING.has(t.state ?? '')) ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
    await waitFor('the qBittorrent listen port', async () =>
      (await tcpAccepts(torrentPort)) ? true : undefined,
    );
  });
  return {
    peer: `${LOOPBACK}:${torrentPort}`,
    stop: async () => {
      await proc.stop(0, 'SIGKILL');
      await rm(home, { recursive: true, force: true });
    },
  };
}
