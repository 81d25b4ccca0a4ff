'use strict';
// The Node binding's side of the concurrency benchmark (see
// bench/concurrency_capi.c): INFLIGHT promise chains of store.get against
// bench/slow_server.c for SECONDS, a pool as large as the calls in flight.
//   node concurrency_node.js URL INFLIGHT SECONDS
// Prints "ops N seconds S cpu_us_per_op C errors E" (process.cpuUsage:
// every thread of the process, the library's I/O thread included).
const path = require('path');
const { EventEmitter } = require('events');
const { promisify } = require('util');

const connectDynamo = require(path.join(__dirname, '..', 'bindings', 'node'));

async function main() {
  const [url, inflightText, secondsText] = process.argv.slice(2);
  const inflight = Number(inflightText);
  const Store = connectDynamo({ Store: EventEmitter });
  const store = new Store({
    table: 'bench', endpoint: url, initialized: true,
    AWSConfigJSON: { region: 'us-east-1', accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxConnections: Math.max(50, inflight),
  });
  const get = promisify(store.get.bind(store));
  await get('bench');  // the table check, one connection
  let ops = 0;
  let errors = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = Date.now() + Number(secondsText) * 1000;
  async function chain() {
    while (Date.now() < deadline) {
      try {
        if (!(await get('bench'))) errors++;
      } catch (error) {
        if (errors++ === 0) console.error(`concurrency_node: ${error.message}`);
      }
      ops++;
    }
  }
  await Promise.all(Array.from({ length: inflight }, chain));
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  const cpuUs = (used.user + used.system) / Math.max(ops, 1);
  console.log(`ops ${ops} seconds ${elapsed.toFixed(3)} cpu_us_per_op ${cpuUs.toFixed(2)} errors ${errors}`);
  store.close();
  process.exitCode = errors ? 1 : 0;
}

main();
