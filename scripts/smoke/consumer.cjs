// A user's program, CommonJS: lists a torrent from its magnet, streams one track over the
// stream URL and checks its sha256. Only `vozduxan` and Node itself: it runs in a clean room.
// Input (env): SMOKE_MAGNET, SMOKE_TORRENT (file), SMOKE_FILE_INDEX, SMOKE_SHA256, SMOKE_STORAGE.
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const http = require('node:http');
const { LOOPBACK_SETTINGS, Session, buildInfo } = require('vozduxan');

function sha256OfUrl(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`GET ${url}: ${res.statusCode}`));
        const hash = createHash('sha256');
        let bytes = 0;
        res.on('data', (chunk) => {
          bytes += chunk.length;
          hash.update(chunk);
        });
        res.on('end', () => resolve({ sha256: hash.digest('hex'), bytes }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function main() {
  const env = process.env;
  const session = await Session.create({
    storagePath: env.SMOKE_STORAGE,
    settings: LOOPBACK_SETTINGS,
  });
  try {
    const files = await session.listFiles({ magnet: env.SMOKE_MAGNET });
    const index = Number(env.SMOKE_FILE_INDEX);
    const stream = await session.prepare({
      torrent: readFileSync(env.SMOKE_TORRENT),
      fileIndex: index,
    });
    const got = await sha256OfUrl(stream.url);
    if (got.sha256 !== env.SMOKE_SHA256)
      throw new Error(`sha256 ${got.sha256}, expected ${env.SMOKE_SHA256}`);
    await session.release(stream.token);
    const build = buildInfo();
    console.log(
      `smoke ok (cjs): node ${process.version} ${process.arch}, ${files.length} files, ` +
        `${files[index].name} ${got.bytes} bytes byte-exact, self-contained ${build.selfContained}`,
    );
  } finally {
    await session.close();
  }
}

main().catch((error) => {
  console.error(`smoke failed: ${error?.stack ?? error}`);
  process.exit(1);
});
