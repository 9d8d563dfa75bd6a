#!/usr/bin/env node
// Preflight for building the native addon from source: prints ONE line naming what is missing
// (instead of pages of CMake errors) and exits 1. No dependencies: runs before `npm install` ends.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

function onPath(cmd) {
  if (cmd.includes('/')) return isExecutable(cmd);
  return (process.env.PATH || '')
    .split(path.delimiter)
    .some((dir) => dir && isExecutable(path.join(dir, cmd)));
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

// Version from the CMake package's ConfigVersion file, e.g. set(PACKAGE_VERSION "2.0.8").
function cmakeConfigVersion() {
  const roots = ['/usr/lib', '/usr/local/lib', '/usr/lib64', '/usr/local/lib64'];
  if (process.env.CMAKE_PREFIX_PATH) {
    for (const p of process.env.CMAKE_PREFIX_PATH.split(path.delimiter))
      roots.push(path.join(p, 'lib'));
  }
  for (const root of roots) {
    let dirs;
    try {
      dirs = [root, ...fs.readdirSync(root).map((d) => path.join(root, d))]; // multiarch: lib/x86_64-linux-gnu
    } catch {
      continue;
    }
    for (const dir of dirs) {
      const base = path.join(dir, 'cmake', 'LibtorrentRasterbar');
      if (!fs.existsSync(path.join(base, 'LibtorrentRasterbarConfig.cmake'))) continue;
      try {
        const text = fs.readFileSync(
          path.join(base, 'LibtorrentRasterbarConfigVersion.cmake'),
          'utf8',
        );
        const m = /set\(PACKAGE_VERSION "([^"]+)"\)/.exec(text);
        if (m) return m[1];
      } catch {}
      return 'unknown';
    }
  }
  return null;
}

function pkgConfigVersion() {
  const r = spawnSync('pkg-config', ['--modversion', 'libtorrent-rasterbar'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function libtorrentOk() {
  const version = cmakeConfigVersion() ?? pkgConfigVersion();
  if (version === null) return false;
  return version === 'unknown' || Number(version.split('.')[0]) === 2;
}

function cxxOk() {
  if (process.env.CXX) return onPath(process.env.CXX.split(/\s+/)[0]);
  return ['c++', 'g++', 'clang++'].some(onPath);
}

function check() {
  const missing = [];
  if (!libtorrentOk()) missing.push('libtorrent-rasterbar 2.0 development files');
  if (!onPath('cmake')) missing.push('cmake');
  if (!cxxOk()) missing.push('a C++17 compiler');
  return missing;
}

if (require.main === module) {
  const missing = check();
  if (missing.length > 0) {
    console.error(
      `vozduxan: ${missing.join(', ')} not found; install them with: ` +
        'sudo apt-get install libtorrent-rasterbar-dev cmake g++ (or run scripts/install-system-deps.sh)',
    );
    process.exit(1);
  }
}

module.exports = { check };
