'use strict';
// The Node binding's side of bench/bindings.py: N sets then N gets of one
// session, one call at a time (each awaited), against URL.
//   node bindings_node.js URL N SESSION_JSON
// Prints "set <us> get <us>": CPU microseconds per call (process.cpuUsage:
// every thread of the process, the library's I/O thread included), as
// bench/bench_capi.c prints for the C API.
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
  let start = process.cpuUsage();
  for (let i = 0; i < n; i++) await set('bench-node', session);
  const setUs = cpuUs(start) / n;
  start = process.cpuUsage();
  for (let i = 0; i < n; i++) await get('bench-node');
  const getUs = cpuUs(start) / n;
  console.log(`set ${setUs.toFixed(1)} get ${getUs.toFixed(1)}`);
  store.close();
}

main().catch((error) => { console.error(error); process.exitCode = 1; });
