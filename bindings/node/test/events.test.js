'use strict';

// connect and disconnect, as express-session listens for them; a failed
// table check reaches both the listeners and the callbacks of calls.

const assert = require('node:assert/strict');
const net = require('node:net');
const { once } = require('node:events');
const { test } = require('node:test');

const { AWSConfigJSON, DynamoDBStore, endpoint, options } = require('./support/env');

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// A TCP relay from `port` to the local DynamoDB: "the network came back".
async function relay(t, port) {
  const target = new URL(endpoint);
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
}

test('initialized: true emits connect on the next tick', async (t) => {
  const store = new DynamoDBStore(options({ initialized: true }));
  t.after(() => store.close());
  let connected = false;
  store.on('connect', () => { connected = true; });
  assert.equal(connected, false, 'not synchronously: listeners attach after construction');
  await once(store, 'connect');
});

test('a failed table check emits disconnect and reaches the callbacks; connect follows recovery', async (t) => {
  const port = await freePort();
  const store = new DynamoDBStore({
    AWSConfigJSON: { ...AWSConfigJSON, endpoint: `http://127.0.0.1:${port}` },
    table: options().table,
    maxAttempts: 1,
    connectTimeout: 500,
  });
  t.after(() => store.close());
  const [error] = await once(store, 'disconnect');
  assert.ok(error instanceof Error);
  assert.equal(error.code, 'CDYN_ENET');

  const [getError, sess] = await new Promise((resolve) => {
    store.get('x', (...args) => resolve(args));
  });
  assert.equal(getError.code, 'CDYN_ENET');
  assert.equal(sess, null);
  await assert.rejects(store.set('x', { cookie: {} }), { code: 'CDYN_ENET' });

  // The check is retried with backoff (its timer unref'd, so keep the
  // test alive meanwhile); once DynamoDB answers, connect.
  const keepAlive = setTimeout(() => {}, 20000);
  await relay(t, port);
  await once(store, 'connect');
  clearTimeout(keepAlive);
  await store.set('x', { cookie: {}, back: true });
  assert.equal((await store.get('x')).back, true);
});

test('close emits disconnect once and stops the retries', async (t) => {
  const port = await freePort();
  const store = new DynamoDBStore({
    endpoint: `http://127.0.0.1:${port}`, AWSConfigJSON, table: options().table, maxAttempts: 1,
  });
  await once(store, 'disconnect');
  let events = 0;
  store.on('disconnect', () => { events += 1; });
  store.on('connect', () => { events += 100; });
  await store.close();
  await store.close();
  await relay(t, port);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.equal(events, 1);
});
