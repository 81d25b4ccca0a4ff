'use strict';
// The Node binding's side of bench/bindings.py: against URL, N gets, then
// N request cycles (express-session's get, then set of the session it
// read: a versioned save), one call at a time, each awaited.
//   node bindings_node.js URL N SESSION_JSON
// Prints "get <us> cycle <us>": CPU microseconds per get and per cycle
// (process.cpuUsage: every thread of the process, the library's I/O thread
// included), as bench/bindings_capi.c prints them for the C API.
const path = require('path');
const { EventEmitter } = require('events');
const { promisify } = require('util');

const connectDynamo = require(path.join(__dirname, '..', 'bindings', 'node'));

function cpuUs(since) {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

async function main() {
  const [url, nText, sessionText] = process.argv.slice(2);
  const n = Number(nText);
  const session = JSON.parse(sessionText);
  const Store = connectDynamo({ Store: EventEmitter });
  const store = new Store({
    table: 'bench', endpoint: url, initialized: true,
    AWSConfigJSON: { region: 'us-east-1', accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  const get = promisify(store.get.bind(store));
  const set = promisify(store.set.bind(store));
  await set('bench-node', session);  // warm up: the table check, a connection
  await get('bench-node');
  // The gets alone under an id of their own: each read is kept for the save
  // that would end its request (lib/reads.js), and the cycles' saves must
  // not search thousands of them.
  await set('bench-node-get', session);
  let start = process.cpuUsage();
  for (let i = 0; i < n; i++) await get('bench-node-get');
  const getUs = cpuUs(start) / n;
  start = process.cpuUsage();
  for (let i = 0; i < n; i++) await set('bench-node', await get('bench-node'));
  const cycleUs = cpuUs(start) / n;
  console.log(`get ${getUs.toFixed(1)} cycle ${cycleUs.toFixed(1)}`);
  store.close();
}

main().catch((error) => { console.error(error); process.exitCode = 1; });
