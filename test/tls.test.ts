// HTTPS trackers: the prebuilt addon carries its own OpenSSL, so it must find the system's CAs
// and a caFile by itself. Trust is process-wide (one OpenSSL), so the refusal runs first.
import test, { type ExecutionContext } from 'ava';
import { buildInfo } from '../lib/index.ts';
import { magnetFor, startHttpsTracker, startSwarm } from './harness/index.ts';
import { openSession, rejectsWithCode, sharedFixtures, tempDir } from './helpers.ts';

test.serial('the addon reports what it carries and finds the system CA bundle', (t) => {
  const info = buildInfo();
  t.regex(info.libtorrent, /^2\.0\./);
  t.is(info.systemCaBundle, '/etc/ssl/certs/ca-certificates.crt'); // Debian's
  // test:shipped sets this: the suite must then run on the prebuilt addon, not a source build.
  if (process.env.VOZDUXAN_EXPECT_PREBUILT === '1') t.true(info.selfContained);
  if (info.selfContained) t.regex(info.openssl, /^OpenSSL 3\.0\./);
  else t.is(info.openssl, '');
});

async function httpsSwarm(t: ExecutionContext) {
  const { single } = await sharedFixtures();
  const swarm = await startSwarm(single, { seeders: ['libtorrent'] });
  t.teardown(() => swarm.stop());
  const tracker = await startHttpsTracker(tempDir('vz-tls-'), swarm.peers);
  t.teardown(() => tracker.stop());
  // No x.pe hint: the only way to the seeder is the HTTPS tracker's answer.
  const magnet = magnetFor(single.infoHash, { trackers: [tracker.announceUrl] });
  return { single, tracker, magnet };
}

test.serial('an https tracker whose CA nobody trusts is refused before any announce', async (t) => {
  const { tracker, magnet } = await httpsSwarm(t);
  const session = await openSession(t);
  await rejectsWithCode(
    t,
    session.listFiles({ magnet, metadataTimeoutMs: 4000 }),
    'METADATA_TIMEOUT',
  );
  t.is(tracker.announces(), 0);
});

test.serial(
  'a magnet whose only tracker is https resolves once caFile trusts its CA',
  async (t) => {
    const { single, tracker, magnet } = await httpsSwarm(t);
    const session = await openSession(t, { caFile: tracker.caFile });
    const files = await session.listFiles({ magnet });
    t.deepEqual(
      files.map((f) => [f.name, f.size]),
      single.files.map((f) => [f.path, f.size]),
    );
    t.true(tracker.announces() > 0);
  },
);

test.serial('a caFile that does not exist is BAD_INPUT', async (t) => {
  await rejectsWithCode(t, openSession(t, { caFile: '/nonexistent/ca.pem' }), 'BAD_INPUT');
});
