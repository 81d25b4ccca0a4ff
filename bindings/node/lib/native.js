'use strict';

// The compiled addon. node-gyp (`npm install`) and the plain Makefile both
// build it into build/Release; requiring it loads libconnectdynamo (see
// src/cdyn_api.c), so a missing library fails here, with code 'CDYN_ELOAD'.
const path = require('node:path');
const { storeError } = require('./errors');

const root = path.resolve(__dirname, '..');

function load() {
  // A build of this checkout first, then what `npm pack` shipped.
  const candidates = ['Release', 'Debug'].map(
    (type) => path.join(root, 'build', type, 'connectdynamo.node'))
    .concat(path.join(root, 'prebuilt', `${process.platform}-${process.arch}`, 'connectdynamo.node'));
  for (const file of candidates) {
    try {
      return require(file);
    } catch (error) {
      if (error.code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  throw storeError('CDYN_ELOAD', `the addon is not built; run \`npm install\` or \`make\` in ${root}`);
}

module.exports = load();
