// The same user's program as consumer.cjs, as an ES module: named imports from a CommonJS package.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { buildInfo, LOOPBACK_SETTINGS, Session } from 'vozduxan';

const env = process.env;
const session = await Session.create({
  storagePath: env.SMOKE_STORAGE,
  settings: LOOPBACK_SETTINGS,
});
try {
  const files = await session.listFiles({ magnet: env.SMOKE_MAGNET });
  const index = Number(env.SMOKE_FILE_INDEX);
  const stream = await session.prepare({
    torrent: await readFile(env.SMOKE_TORRENT),
    fileIndex: index,
  });
  const body = Buffer.from(await (await fetch(stream.url)).arrayBuffer());
  const sha256 = createHash('sha256').update(body).digest('hex');
  if (sha256 !== env.SMOKE_SHA256)
    throw new Error(`sha256 ${sha256}, expected ${env.SMOKE_SHA256}`);
  await session.release(stream.token);
  console.log(
    `smoke ok (esm): node ${process.version} ${process.arch}, ${files.length} files, ` +
      `${files[index].name} ${body.length} bytes byte-exact, self-contained ${buildInfo().selfContained}`,
  );
} finally {
  await session.close();
}
