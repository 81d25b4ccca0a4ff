'use strict';

// The process and its threads come and go around the store: an idle or
// forgotten store never keeps a process alive, calls in flight do until
// they complete, and teardown (exit, worker termination, garbage
// collection) with calls in flight neither crashes nor hangs.

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const { test } = require('node:test');

const envModule = JSON.stringify(path.join(__dirname, 'support', 'env.js'));

function node(script, args = []) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...args, '-e', script], { env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: stdout.trim(), stderr });
    });
  });
}

test('an open, idle store does not keep the process alive', async () => {
  const result = await node(`
    const { DynamoDBStore, options } = require(${envModule});
    const store = new DynamoDBStore(options({ reapInterval: 1000 }));
    store.on('connect', () => console.log('connected'));
  `);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'connected', 'the table check in flight kept it alive until done');
});

test('calls in flight keep the process alive until their callbacks ran', async () => {
  const result = await node(`
    const { DynamoDBStore, options } = require(${envModule});
    const store = new DynamoDBStore(options());
    let done = 0;
    for (let i = 0; i < 300; i++) store.set('k' + i, { cookie: {} }, (err) => { if (!err) done += 1; });
    process.on('exit', () => console.log(done));
  `);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, '300');
});

test('process.exit with calls in flight exits cleanly', async () => {
  const result = await node(`
    const { DynamoDBStore, options } = require(${envModule});
    const store = new DynamoDBStore(options());
    for (let i = 0; i < 500; i++) store.set('k' + i, { cookie: {} }, () => {});
    setImmediate(() => process.exit(7));
  `);
  assert.equal(result.signal, null, result.stderr);
  assert.equal(result.code, 7, result.stderr);
});

test('terminating a worker thread with calls in flight', async () => {
  // Each worker has its own Node-API environment, hence its own addon state.
  const worker = `
    const { parentPort } = require('node:worker_threads');
    const { DynamoDBStore, options } = require(${envModule});
    const store = new DynamoDBStore(options());
    // Terminate once the store has done I/O, with hundreds of calls still
    // in flight (not after they drain: that took minutes on a busy machine).
    store.set('w0', { cookie: {} }, () => parentPort.postMessage('one done'));
    for (let i = 1; i < 400; i++) store.set('w' + i, { cookie: {} }, () => {});
  `;
  const result = await node(`
    const { Worker } = require('node:worker_threads');
    (async () => {
      for (let round = 0; round < 8; round++) {
        const worker = new Worker(${JSON.stringify(worker)}, { eval: true });
        await new Promise((resolve) => worker.once('message', resolve));
        await worker.terminate();
      }
      console.log('terminated 8');
    })();
  `);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'terminated 8');
});

test('stores that are never closed are collected', async () => {
  const result = await node(`
    const { DynamoDBStore, options } = require(${envModule});
    (async () => {
      for (let i = 0; i < 50; i++) {
        const store = new DynamoDBStore(options({ initialized: true }));
        await store.get('x').catch(() => {});
      }
      for (let i = 0; i < 5; i++) { global.gc(); await new Promise((r) => setTimeout(r, 50)); }
      console.log('collected');
    })();
  `, ['--expose-gc']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'collected');
});

test('closing a store with calls in flight completes them with CDYN_ECLOSED or their result', async () => {
  const result = await node(`
    const { DynamoDBStore, options } = require(${envModule});
    const store = new DynamoDBStore(options());
    store.once('connect', () => {
      const outcomes = {};
      let pending = 200;
      for (let i = 0; i < 200; i++) {
        store.set('k' + i, { cookie: {} }, (err) => {
          const key = err ? err.code : 'ok';
          outcomes[key] = (outcomes[key] || 0) + 1;
          if (--pending === 0) console.log(JSON.stringify(outcomes));
        });
      }
      store.close();
    });
  `);
  assert.equal(result.code, 0, result.stderr);
  const outcomes = JSON.parse(result.stdout);
  assert.deepEqual(Object.keys(outcomes).filter((k) => k !== 'ok' && k !== 'CDYN_ECLOSED'), []);
  assert.equal(Object.values(outcomes).reduce((a, b) => a + b, 0), 200);
});
