import * as path from 'node:path';
import type { NativeBinding } from '../binding';

/** Loads the addon from prebuilds/ or build/Release once per thread (node-gyp-build). */
let binding: NativeBinding | undefined;

/**
 * The addon this thread uses. `VOZDUXAN_ADDON_PATH`, when set, names a `.node` file loaded
 * instead of node-gyp-build's choice: a development override, e.g. the ASan build that
 * `scripts/asan-suite.sh` runs the suite on (`build-asan/Release/vozduxan.node`).
 */
export function loadBinding(): NativeBinding {
  if (!binding) {
    const override = process.env.VOZDUXAN_ADDON_PATH;
    if (override) {
      binding = require(path.resolve(override)) as NativeBinding;
    } else {
      const load = require('node-gyp-build') as (dir: string) => NativeBinding;
      binding = load(path.join(__dirname, '..'));
    }
  }
  return binding;
}
