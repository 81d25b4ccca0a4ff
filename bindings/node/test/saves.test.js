'use strict';

// Versioned saves through express-session's request cycle (the stand-in in
// support/mini-session.js, over real HTTP): parallel requests of one user
// lose no update, and a logout while requests are in flight sticks. Also
// the per-session memory of reads that makes it work (lib/reads.js), and
// connect-dynamodb's last-writer-wins behind its option.

const assert = require('node:assert/strict');
const http = require('node:http');
const { test } = require('node:test');

const { openStore, session, boto3 } = require('./support/env');
const { RecentReads } = require('../lib/reads');

const SECRET = 'keyboard cat';
const N = 8;

// An app whose requests wait at a gate (so that all are in flight at
// once) before changing the session.
function app(store) {
  const middleware = session({ store, secret: SECRET, cookie: { maxAge: 3600 * 1000 } });
  let open;
  const gate = { opened: new Promise((resolve) => { open = resolve; }), open: () => open() };
  let arrived = 0;
  const server = http.createServer((req, res) => middleware(req, res, (err) => {
    if (err) {
      res.statusCode = 500;
      return res.end(JSON.stringify({ error: err.code || err.message }));
    }
    const [, route, arg] = req.url.split('/');
    if (route === 'start') {
      req.session.user = 'ada';
      return res.end('{}');
    }
    if (route === 'logout') return req.session.destroy(() => res.end('{}'));
    if (route === 'add') {
      arrived += 1;
      return gate.opened.then(() => {
        req.session[`k${arg}`] = Number(arg);
        res.end('{}');
      });
    }
    res.statusCode = 404;
    return res.end('{}');
  }));
  return { server, gate, arrived: () => arrived };
}

function request(server, path, cookie) {
  return new Promise((resolve, reject) => {
    const { port } = server.address();
    http.get({ port, path, headers: cookie ? { cookie } : {} }, (res) => {
      let body = '';
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({
        status: res.statusCode,
        body,
        cookie: res.headers['set-cookie'] ? res.headers['set-cookie'][0].split(';')[0] : null,
      }));
    }).on('error', reject);
  });
}

// The item as DynamoDB holds it (boto3), or null.
async function itemOf(store, sid) {
  const [answer] = await boto3([['get_item', { TableName: store.table, Key: { id: { S: `sess:${sid}` } },
    ConsistentRead: true }]]);
  return answer.Item ?? null;
}

function sidOf(cookie) {
  const value = decodeURIComponent(cookie.split('=')[1]);
  return value.slice(2, value.lastIndexOf('.'));
}

async function started(t, store) {
  const { server, gate, arrived } = app(store);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const { cookie } = await request(server, '/start');
  return { server, gate, arrived, cookie, sid: sidOf(cookie) };
}

async function allArrived(arrived) {
  while (arrived() < N) await new Promise((resolve) => setTimeout(resolve, 5));
}

test(`${N} parallel requests of one user each adding a key keep every key`, async (t) => {
  const store = await openStore(t);
  const { server, gate, arrived, cookie, sid } = await started(t, store);
  const requests = [];
  for (let i = 0; i < N; i++) requests.push(request(server, `/add/${i}`, cookie));
  await allArrived(arrived);
  gate.open();
  const answers = await Promise.all(requests);
  answers.forEach((answer) => assert.equal(answer.status, 200, answer.body));
  const saved = await store.get(sid);
  assert.equal(saved.user, 'ada');
  for (let i = 0; i < N; i++) assert.equal(saved[`k${i}`], i, `k${i} of ${JSON.stringify(saved)}`);
});

test('a logout while requests are in flight stays a logout', async (t) => {
  const store = await openStore(t);
  const { server, gate, arrived, cookie, sid } = await started(t, store);
  const requests = [];
  for (let i = 0; i < N; i++) requests.push(request(server, `/add/${i}`, cookie));
  await allArrived(arrived);
  assert.equal((await request(server, '/logout', cookie)).status, 200);
  gate.open();
  const answers = await Promise.all(requests);
  // the requests end normally: their sessions are gone, not failed
  answers.forEach((answer) => assert.equal(answer.status, 200, answer.body));
  assert.equal(await store.get(sid), null);
  assert.equal(await itemOf(store, sid), null);
});

test('with lastWriterWins, saves are connect-dynamodb\'s unconditional puts', async (t) => {
  const store = await openStore(t, { lastWriterWins: true });
  const { server, gate, arrived, cookie, sid } = await started(t, store);
  const requests = [];
  for (let i = 0; i < N; i++) requests.push(request(server, `/add/${i}`, cookie));
  await allArrived(arrived);
  assert.equal((await request(server, '/logout', cookie)).status, 200);
  gate.open();
  await Promise.all(requests);
  // the logout is undone and each request's key overwrote the others'
  const revived = await store.get(sid);
  assert.ok(revived, 'a request in flight brought the session back');
  assert.equal(Object.keys(revived).filter((k) => k.startsWith('k')).length, 1);
  const item = await itemOf(store, sid);
  assert.deepEqual(Object.keys(item).sort(), ['expires', 'id', 'sess', 'type']);
});

test('a session set without a read of this process replaces the one there', async (t) => {
  const store = await openStore(t);
  const cookie = { originalMaxAge: 60000, maxAge: 60000 };
  await store.set('direct', { cookie, a: 1 });
  await store.set('direct', { cookie, b: 2 });
  assert.deepEqual(Object.keys(await store.get('direct')).sort(), ['b', 'cookie']);
});

test('reads are matched to the save they came from, used once, bounded and short-lived', () => {
  let now = 1000;
  const reads = new RecentReads({ maxEntries: 3, maxAgeMs: 100, now: () => now });
  reads.remember('s', '{"n":1}', 1, 0, { n: 1 });
  reads.remember('s', '{"n":1,"x":5}', 2, 0, { n: 1, x: 5 });
  // the save of {n:1, x:5, y} came from version 2; of {n:1, z} from 1
  assert.equal(reads.take('s', { n: 1, x: 5, y: 1 }).version, 2);
  assert.equal(reads.take('s', { n: 1, z: 1 }).version, 1);
  assert.equal(reads.take('s', { n: 1 }), null);

  // a tie goes to the oldest read
  reads.remember('t', '{"a":1}', 3, 0, { a: 1 });
  reads.remember('t', '{"a":2}', 4, 0, { a: 2 });
  assert.equal(reads.take('t', { a: 9 }).version, 3);
  reads.take('t', {});

  // at most maxEntries, the oldest dropped first
  for (let i = 0; i < 5; i++) reads.remember(`u${i}`, '{}', i, 0, {});
  assert.equal(reads.size, 3);
  assert.equal(reads.take('u0', {}), null);
  assert.equal(reads.take('u4', {}).version, 4);

  // a read older than maxAgeMs is forgotten
  reads.remember('v', '{}', 7, 0, {});
  now += 101;
  assert.equal(reads.take('v', {}), null);
});

test('touch writes every time by default, as connect-dynamodb does', async (t) => {
  const store = await openStore(t);
  const cookie = { originalMaxAge: 3600 * 1000, maxAge: 3600 * 1000 };
  await store.set('s', { cookie });
  const session = await store.get('s');
  const before = store.stats().requests;
  await store.touch('s', session);
  assert.equal(store.stats().requests, before + 1);
});

test('with touchAfter, a touch gaining less than that writes nothing', async (t) => {
  const store = await openStore(t, { touchAfter: 600 });
  const cookie = { originalMaxAge: 3600 * 1000, maxAge: 3600 * 1000 };
  await store.set('s', { cookie });
  const session = await store.get('s');
  const before = store.stats().requests;
  await store.touch('s', session); // gains seconds, not 600
  assert.equal(store.stats().requests, before);
  // a touch without a read of this process writes
  await store.touch('s', session);
  assert.equal(store.stats().requests, before + 1);
});

test('maxAgeSeconds ends a session that old, however active', async (t) => {
  const store = await openStore(t, { maxAgeSeconds: 3600 });
  const now = Math.floor(Date.now() / 1000);
  const sess = JSON.stringify({ cookie: {}, n: 1 });
  await boto3([['put_item', { TableName: store.table, Item: {
    id: { S: 'sess:old' }, expires: { N: String(now + 3600) }, type: { S: 'connect-session' },
    sess: { S: sess }, ver: { N: '2' }, wtok: { S: 'x' }, created: { N: String(now - 3600) },
  } }]]);
  assert.equal(await store.get('old'), null);
  assert.throws(() => new (require('./support/env').DynamoDBStore)({ maxAgeSeconds: -5 }),
    { code: 'CDYN_EINVAL' });
});

test('the library refuses a negative touchAfter with its own message', () => {
  const { DynamoDBStore, options } = require('./support/env');
  assert.throws(() => new DynamoDBStore(options({ touchAfter: -5 })),
    { code: 'CDYN_EINVAL', message: /touch_after_seconds must be positive/ });
});

test('compressThreshold stores large sessions compressed, read back whole', async (t) => {
  const store = await openStore(t, { compressThreshold: 1024 });
  const session = { cookie: { originalMaxAge: 60000, maxAge: 60000 }, blob: 'abc'.repeat(200000) };
  await store.set('big', session);
  assert.equal((await store.get('big')).blob, session.blob);
  const item = await itemOf(store, 'big');
  assert.ok(item.sessz && !item.sess);
});
