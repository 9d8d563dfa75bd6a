// scripts/hermetic.sh, run again from inside the suite's own namespace: each run's TMPDIR is its
// own, and goes when the run ends, with whatever the command left running in it.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import test from 'ava';

// Writes a file into TMPDIR, leaves a process behind that holds it open, and fails with 3.
const LEAVE_THINGS =
  'echo "$TMPDIR"; touch "${TMPDIR:?}/left"; sleep 600 > "$TMPDIR/held" & exit 3';

function hermetic(env: NodeJS.ProcessEnv = {}) {
  const outer = { ...process.env, ...env };
  delete outer.VOZDUXAN_HERMETIC; // a fresh run, not the pass-through the suite itself gets
  // Under scripts/asan-suite.sh the sanitizer runtime is preloaded into every process, bash too:
  // LeakSanitizer then ends bash with its own exit code (0) instead of the command's.
  delete outer.LD_PRELOAD;
  const run = spawnSync('scripts/hermetic.sh', ['bash', '-c', LEAVE_THINGS], {
    env: outer,
    encoding: 'utf8',
  });
  return { status: run.status, dir: run.stdout.trim(), stderr: run.stderr };
}

test('a hermetic run gets a TMPDIR of its own, removed when it ends; its exit code stays', (t) => {
  const { status, dir } = hermetic();
  t.is(status, 3);
  t.is(dirname(dir), tmpdir());
  t.not(dir, tmpdir());
  t.false(existsSync(dir), `${dir} is still there`);
});

test('VOZDUXAN_KEEP_TMP=1 keeps the run TMPDIR and names it', (t) => {
  const { status, dir, stderr } = hermetic({ VOZDUXAN_KEEP_TMP: '1' });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.is(status, 3);
  t.true(existsSync(`${dir}/left`));
  t.true(stderr.includes(`kept ${dir}`));
});
