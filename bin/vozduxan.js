#!/usr/bin/env node
'use strict';
// The `vozduxan` command: see lib/cli.ts (compiled to dist/cli.js).
require('../dist/cli.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
