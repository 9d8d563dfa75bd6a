import * as path from 'node:path';
import type { NativeBinding } from '../binding';

/** Loads the addon from prebuilds/ or build/Release once per thread (node-gyp-build). */
let binding: NativeBinding | undefined;

export function loadBinding(): NativeBinding {
  if (!binding) {
    const load = require('node-gyp-build') as (dir: string) => NativeBinding;
    binding = load(path.join(__dirname, '..'));
  }
  return binding;
}
