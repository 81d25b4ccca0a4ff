#!/usr/bin/env node
'use strict';
// `npm install` of this package. A tarball made by `npm pack` carries a
// prebuilt addon and libconnectdynamo for its platform (prebuilt/<platform>-
// <arch>/, see `make prebuilt`): when it loads, there is nothing to build,
// so installing needs no compiler and no network. Otherwise (a checkout, or
// another platform) the addon is built with node-gyp, offline, against
// Node's own headers (scripts/node-gyp.js).

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const prebuilt = path.join(__dirname, '..', 'prebuilt', `${process.platform}-${process.arch}`, 'connectdynamo.node');
try {
  require(prebuilt);
  console.log(`connect-dynamo: using the prebuilt addon ${path.relative(process.cwd(), prebuilt)}`);
  process.exit(0);
} catch (error) {
  if (error.code !== 'MODULE_NOT_FOUND') {
    console.log(`connect-dynamo: the prebuilt addon does not load here (${error.message}); building it`);
  }
}
const result = spawnSync(process.execPath, [path.join(__dirname, 'node-gyp.js'), 'rebuild'], { stdio: 'inherit' });
process.exit(result.status === null ? 1 : result.status);
