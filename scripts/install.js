#!/usr/bin/env node
// npm `install` hook: use a prebuilt addon when one loads, else build from source with cmake-js.
// A prebuilt install runs no compiler and downloads nothing more: cmake-js is not a dependency,
// and only a source build fetches it (npm exec), after check-system.js found the toolchain.
const path = require('node:path');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');

try {
  // Loads (dlopens) prebuilds/<platform>-<arch>/*.node or build/Release/*.node: proves it links too.
  require('node-gyp-build')(root);
  process.exit(0);
} catch (error) {
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  console.error(`vozduxan: no prebuilt addon loads here (${reason}); building from source`);
}

const check = spawnSync(process.execPath, [path.join(__dirname, 'check-system.js')], {
  stdio: 'inherit',
});
if (check.status !== 0) process.exit(1);

/** cmake-js from a development checkout, or else fetched by npm for this one build. */
function cmakeJsCommand() {
  const local = path.join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
  if (fs.existsSync(local)) return [process.execPath, local];
  const npm = process.env.npm_execpath;
  const exec = ['exec', '--yes', '--package=cmake-js@^8', '--', 'cmake-js'];
  return npm ? [process.execPath, npm, ...exec] : ['npm', ...exec];
}

const [command, ...args] = cmakeJsCommand();
const build = spawnSync(command, [...args, 'rebuild'], { cwd: root, stdio: 'inherit' });
if (build.error) {
  console.error(`vozduxan: could not run cmake-js: ${build.error.message}`);
  process.exit(1);
}
process.exit(build.status ?? 1);
