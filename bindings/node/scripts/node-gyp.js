#!/usr/bin/env node
'use strict';
// Runs node-gyp offline: against the headers of the Node that runs this
// script (<prefix>/include/node, as Debian's nodejs and the official
// tarballs install them) instead of downloading a header tarball, which
// node-gyp does by default and which cannot work without a network.
// Used by `npm install` (package.json "install") and `make gyp`.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

function nodeDir() {
  const candidates = [
    process.env.npm_config_nodedir,
    process.env.NODEDIR,
    path.resolve(path.dirname(fs.realpathSync(process.execPath)), '..'),
  ];
  return candidates.find(
    (dir) => dir && fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h')));
}

function nodeGyp() {
  // npm tells its lifecycle scripts where its bundled node-gyp is.
  const candidates = [
    process.env.npm_config_node_gyp,
    path.resolve(path.dirname(fs.realpathSync(process.execPath)), '..',
      'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((file) => file && fs.existsSync(file));
}

const dir = nodeDir();
const gyp = nodeGyp();
if (!dir || !gyp) {
  console.error(`connect-dynamo: ${!dir ? 'no Node headers (include/node/node_api.h) found; set NODEDIR'
    : 'node-gyp not found; set npm_config_node_gyp'}`);
  process.exit(1);
}
const args = process.argv.slice(2);
const result = spawnSync(process.execPath, [gyp, ...(args.length ? args : ['rebuild']), `--nodedir=${dir}`],
  { cwd: path.resolve(__dirname, '..'), stdio: 'inherit' });
process.exit(result.status === null ? 1 : result.status);
