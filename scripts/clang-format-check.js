#!/usr/bin/env node
// Checks (or with --fix, rewrites) the formatting of native/**/*.{cc,c,h} and include/ against .clang-format.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const fix = process.argv.includes('--fix');
const isSource = (f) => /\.(cc|c|h)$/.test(f);

function fromGit() {
  // Tracked plus untracked-but-not-ignored, so new files are checked before their first commit.
  const r = spawnSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', 'native', 'include'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) return null;
  return r.stdout.split('\0').filter((f) => isSource(f) && fs.existsSync(path.join(root, f)));
}

function walk(dir, out = []) {
  let entries;
  try {
    entries = fs.readdirSync(path.join(root, dir), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) walk(rel, out);
    else if (e.isFile() && isSource(rel)) out.push(rel);
  }
  return out;
}

const files = (fromGit() ?? [...walk('native'), ...walk('include')]).sort();
if (files.length === 0) process.exit(0);

const args = fix ? ['-i'] : ['--dry-run', '--Werror'];
let failed = false;
for (let i = 0; i < files.length; i += 100) {
  const r = spawnSync('clang-format', [...args, ...files.slice(i, i + 100)], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.error) {
    console.error(
      `vozduxan: cannot run clang-format (${r.error.code}); install it with: sudo apt-get install clang-format`,
    );
    process.exit(1);
  }
  if (r.status !== 0) failed = true;
}
if (failed && !fix) console.error('clang-format: run `npm run format` to fix the files above');
process.exit(failed ? 1 : 0);
