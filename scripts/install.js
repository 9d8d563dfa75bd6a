#!/usr/bin/env node
// npm `install` hook: use a prebuilt addon when one loads, else build from source with cmake-js.
const path = require('node:path');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');

try {
  // Loads (dlopens) prebuilds/<platform>-<arch>/*.node or build/Release/*.node: proves it links too.
  require('node-gyp-build')(root);
  process.exit(0);
} catch {
  // Nothing usable: fall through to a source build.
}

const check = spawnSync(process.execPath, [path.join(__dirname, 'check-system.js')], {
  stdio: 'inherit',
});
if (check.status !== 0) process.exit(1);

function cmakeJs() {
  const local = path.join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
  if (fs.existsSync(local)) return local;
  return require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
}

const build = spawnSync(process.execPath, [cmakeJs(), 'rebuild'], { cwd: root, stdio: 'inherit' });
if (build.error) {
  console.error(`vozduxan: could not run cmake-js: ${build.error.message}`);
  process.exit(1);
}
process.exit(build.status ?? 1);
