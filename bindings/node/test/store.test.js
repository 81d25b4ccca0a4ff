'use strict';

// Every method of the store, in both callback and Promise form, against
// the local DynamoDB.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { once } = require('node:events');

const { DynamoDBStore, boto3, nowSeconds, openStore, options, session } = require('./support/env');

const cookie = (maxAge = 60 * 60 * 1000) => ({ originalMaxAge: maxAge, maxAge, path: '/', httpOnly: true });

// Calls method(...args, callback) and resolves with the callback's
// arguments, failing if the callback runs more than once.
function viaCallback(store, method, ...args) {
  return new Promise((resolve) => {
    let calls = 0;
    store[method](...args, (...result) => {
      calls += 1;
      assert.equal(calls, 1, `${method} called back twice`);
      setImmediate(() => resolve(result));
    });
  });
}

test('it extends the Store it is given', () => {
  const store = new DynamoDBStore(options({ initialized: true }));
  try {
    assert.ok(store instanceof session.Store);
    for (const method of ['regenerate', 'load', 'createSession', 'on', 'emit']) {
      assert.equal(typeof store[method], 'function', method);
    }
  } finally {
    store.close();
  }
});

test('the factory takes express-session, {session}, connect or express', () => {
  const connectDynamo = require('..');
  for (const arg of [session, { session }, { session: { Store: session.Store } }]) {
    const Store = connectDynamo(arg);
    assert.ok(Store.prototype instanceof session.Store);
  }
  assert.throws(() => connectDynamo({}), TypeError);
  assert.throws(() => connectDynamo(), TypeError);
});

test('set then get returns the session, callback and Promise', async (t) => {
  const store = await openStore(t);
  const sess = { cookie: cookie(), user: 'ada', n: 1, nested: { list: [1, 'two', null] } };
  assert.deepEqual(await viaCallback(store, 'set', 'sid-1', sess), [null]);
  const [error, got] = await viaCallback(store, 'get', 'sid-1');
  assert.equal(error, null);
  assert.deepEqual(got, JSON.parse(JSON.stringify(sess)));
  assert.equal(await store.set('sid-2', { ...sess, n: 2 }), undefined);
  assert.equal((await store.get('sid-2')).n, 2);
});

test('get of an unknown session calls back (null, null)', async (t) => {
  const store = await openStore(t);
  assert.deepEqual(await viaCallback(store, 'get', 'nobody'), [null, null]);
  assert.equal(await store.get('nobody'), null);
});

test('set writes expires from cookie.maxAge, or one day, as whole epoch seconds', async (t) => {
  const store = await openStore(t);
  const before = Date.now();
  await store.set('short', { cookie: cookie(90 * 1000) });
  await store.set('default', { cookie: { originalMaxAge: null, expires: null } });
  const after = Date.now();
  const [short, dflt] = await boto3([
    ['get_item', { TableName: store.table, Key: { id: { S: 'sess:short' } } }],
    ['get_item', { TableName: store.table, Key: { id: { S: 'sess:default' } } }],
  ]);
  const expires = (answer) => answer.Item.expires.N;
  assert.match(expires(short), /^\d+$/);
  assert.ok(Number(expires(short)) >= Math.ceil((before + 90000) / 1000));
  assert.ok(Number(expires(short)) <= Math.ceil((after + 90000) / 1000));
  // Without maxAge: the library's default TTL, connect-dynamodb's one day.
  assert.equal(store.settings.defaultTtlSeconds, 86400);
  assert.ok(Number(expires(dflt)) >= Math.floor(before / 1000) + 86400);
  assert.ok(Number(expires(dflt)) <= Math.ceil(after / 1000) + 86400);
  assert.equal(short.Item.type.S, 'connect-session');
  assert.equal(JSON.parse(short.Item.sess.S).cookie.originalMaxAge, 90000);
});

test('an expired session is not found, and reap deletes it', async (t) => {
  const store = await openStore(t);
  await store.set('old', { cookie: cookie(-60 * 1000) });
  await store.set('live', { cookie: cookie() });
  assert.equal(await store.get('old'), null);
  assert.deepEqual(await store.ids(), ['live']);
  assert.deepEqual(await viaCallback(store, 'reap'), [null, 1]);
  assert.equal(await store.reap(), 0);
  const [scan] = await boto3([['scan', { TableName: store.table }]]);
  assert.deepEqual(scan.Items.map((item) => item.id.S), ['sess:live']);
});

test('touch moves the expiry of a live session', async (t) => {
  const store = await openStore(t);
  const sess = { cookie: cookie(60 * 1000), keep: true };
  await store.set('t1', sess);
  const [error, { expires }] = await viaCallback(store, 'touch', 't1', { cookie: cookie(3600 * 1000) });
  assert.equal(error, null);
  const [answer] = await boto3([['get_item', { TableName: store.table, Key: { id: { S: 'sess:t1' } } }]]);
  assert.ok(Number(answer.Item.expires.N) >= nowSeconds() + 3500);
  assert.equal(Number(answer.Item.expires.N), expires, 'the callback gets the expiry written');
  assert.equal(JSON.parse(answer.Item.sess.S).keep, true, 'touch keeps the data');
});

test('touch of a missing session succeeds and creates nothing', async (t) => {
  const store = await openStore(t);
  const [error, result] = await viaCallback(store, 'touch', 'ghost', { cookie: cookie() });
  assert.equal(error, null);
  assert.equal(typeof result.expires, 'number', 'connect-dynamodb\'s (null, {expires})');
  assert.equal(typeof (await store.touch('ghost', { cookie: cookie() })).expires, 'number');
  const [answer] = await boto3([['get_item', { TableName: store.table, Key: { id: { S: 'sess:ghost' } } }]]);
  assert.equal(answer.Item, undefined);
});

test('destroy deletes; destroying a missing session is fine', async (t) => {
  const store = await openStore(t);
  await store.set('d1', { cookie: cookie() });
  assert.deepEqual(await viaCallback(store, 'destroy', 'd1'), [null]);
  assert.equal(await store.get('d1'), null);
  assert.equal(await store.destroy('d1'), undefined);
});

test('all, length, ids and clear see only this prefix', async (t) => {
  const table = options().table;
  const store = await openStore(t, { table });
  const other = await openStore(t, { table, prefix: 'other:' });
  await other.set('x', { cookie: cookie(), who: 'other' });
  for (const id of ['a', 'b', 'c']) await store.set(id, { cookie: cookie(), who: id });
  await store.set('gone', { cookie: cookie(-1000) });

  assert.deepEqual(await viaCallback(store, 'length'), [null, 3]);
  assert.deepEqual((await store.ids()).sort(), ['a', 'b', 'c']);
  const [error, sessions] = await viaCallback(store, 'all');
  assert.equal(error, null);
  assert.deepEqual(sessions.map((s) => [s.id, s.who]).sort(), [['a', 'a'], ['b', 'b'], ['c', 'c']]);
  assert.equal(JSON.stringify(sessions[0]).includes('"id"'), false, 'id is not enumerable');

  const [clearError, cleared] = await viaCallback(store, 'clear');
  assert.equal(clearError, null);
  assert.equal(cleared, 4, 'clear deletes live and expired sessions');
  assert.equal(await store.length(), 0);
  assert.deepEqual(await store.all(), []);
  assert.equal(await other.length(), 1, 'another prefix is untouched');
});

test('prefix and hashKey shape the item', async (t) => {
  const table = options().table;
  const store = await openStore(t, { table, prefix: 'app1:', hashKey: 'sessionKey' });
  await store.set('s', { cookie: cookie() });
  const [answer] = await boto3([['get_item', { TableName: table, Key: { sessionKey: { S: 'app1:s' } } }]]);
  assert.equal(answer.Item.type.S, 'connect-session');
  const empty = await openStore(t, { table: options().table, prefix: '' });
  await empty.set('bare', { cookie: cookie() });
  const [bare] = await boto3([['get_item', { TableName: empty.table, Key: { id: { S: 'bare' } } }]]);
  assert.ok(bare.Item);
});

test('the table is created with the capacities asked for, and TTL on expires', async (t) => {
  const store = await openStore(t, { readCapacityUnits: 7, writeCapacityUnits: 3 });
  const [described, ttl] = await boto3([
    ['describe_table', { TableName: store.table }],
    ['describe_time_to_live', { TableName: store.table }],
  ]);
  assert.equal(described.Table.TableStatus, 'ACTIVE');
  assert.deepEqual(described.Table.KeySchema, [{ AttributeName: 'id', KeyType: 'HASH' }]);
  assert.equal(described.Table.ProvisionedThroughput.ReadCapacityUnits, 7);
  assert.equal(described.Table.ProvisionedThroughput.WriteCapacityUnits, 3);
  assert.equal(ttl.TimeToLiveDescription.AttributeName, 'expires');
});

test('initialized: true skips the table check; a missing table reaches the callback', async (t) => {
  const store = new DynamoDBStore(options({ initialized: true }));
  t.after(() => store.close());
  await once(store, 'connect');
  const [error, sess] = await viaCallback(store, 'get', 'x');
  assert.ok(error instanceof Error);
  assert.equal(typeof error.code, 'string');
  assert.match(error.code, /^CDYN_E/);
  assert.equal(sess, null);
  const [described] = await boto3([['describe_table', { TableName: store.table }]]);
  assert.equal(described.error, 'ResourceNotFoundException', 'no table was created');
});

test('specialKeys are copied into top-level attributes', async (t) => {
  const store = await openStore(t, {
    specialKeys: [{ name: 'userId', type: 'S' }, { name: 'visits', type: 'N' }, { name: 'admin', type: 'BOOL' }],
  });
  await store.set('k', { cookie: cookie(), userId: 'u-42', visits: 7, admin: true });
  const [answer] = await boto3([['get_item', { TableName: store.table, Key: { id: { S: 'sess:k' } } }]]);
  assert.deepEqual(answer.Item.userId, { S: 'u-42' });
  assert.deepEqual(answer.Item.visits, { N: '7' });
  assert.deepEqual(answer.Item.admin, { BOOL: true });
  const [error] = await viaCallback(store, 'set', 'k2', { cookie: cookie(), visits: 1, admin: false });
  assert.equal(error.code, 'CDYN_EINVAL', 'a missing special key fails by default');
});

test('skipThrowMissingSpecialKeys writes the session without the missing key', async (t) => {
  const store = await openStore(t, {
    specialKeys: [{ name: 'userId', type: 'S' }], skipThrowMissingSpecialKeys: true,
  });
  await store.set('k', { cookie: cookie(), other: 1 });
  const [answer] = await boto3([['get_item', { TableName: store.table, Key: { id: { S: 'sess:k' } } }]]);
  assert.equal(answer.Item.userId, undefined);
  assert.equal(JSON.parse(answer.Item.sess.S).other, 1);
});

test('reapInterval reaps in the background and emits reap', async (t) => {
  const store = await openStore(t, { reapInterval: 200 });
  await store.set('old', { cookie: cookie(-5000) });
  // The reaper's timer is unref'd: keep this test's process alive meanwhile.
  const keepAlive = setTimeout(() => {}, 10000);
  const [error, count] = await once(store, 'reap');
  clearTimeout(keepAlive);
  assert.equal(error, null);
  assert.equal(count, 1);
});

test('credentials from AWSConfigPath, and the endpoint option', async (t) => {
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const { AWSConfigJSON } = require('./support/env');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cdyn-')), 'aws.json');
  fs.writeFileSync(file, JSON.stringify({ ...AWSConfigJSON, endpoint: undefined }));
  const { table } = options();
  const store = new DynamoDBStore({ AWSConfigPath: file, endpoint: AWSConfigJSON.endpoint, table });
  t.after(() => store.close());
  await once(store, 'connect');
  await store.set('p', { cookie: cookie(), via: 'path' });
  assert.equal((await store.get('p')).via, 'path');
});

test('client: an SDK v2-style client object gives the endpoint and credentials', async (t) => {
  const { AWSConfigJSON } = require('./support/env');
  const client = {
    endpoint: { href: `${AWSConfigJSON.endpoint}/` },
    config: { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
  };
  const store = new DynamoDBStore({ client, table: options().table });
  t.after(() => store.close());
  await once(store, 'connect');
  await store.set('c', { cookie: cookie() });
  assert.ok(await store.get('c'));
});

test('close completes, emits disconnect, and later calls fail with CDYN_ECLOSED', async (t) => {
  const store = await openStore(t);
  const disconnected = once(store, 'disconnect');
  assert.deepEqual(await viaCallback(store, 'close'), [null]);
  await disconnected;
  assert.equal(store.closed, true);
  for (const [method, args] of [['get', ['x']], ['set', ['x', { cookie: cookie() }]],
    ['touch', ['x', { cookie: cookie() }]], ['destroy', ['x']], ['all', []], ['length', []],
    ['ids', []], ['clear', []], ['reap', []]]) {
    const [error] = await viaCallback(store, method, ...args);
    assert.equal(error.code, 'CDYN_ECLOSED', method);
    await assert.rejects(store[method](...args), { code: 'CDYN_ECLOSED' });
  }
  assert.equal(await store.close(), undefined, 'close is idempotent');
});

test('regenerate, load and createSession work through the base Store', async (t) => {
  const store = await openStore(t);
  await store.set('old', { cookie: { originalMaxAge: 60000, expires: new Date(Date.now() + 60000) }, n: 5 });
  const loaded = await new Promise((resolve, reject) => {
    store.load('old', (err, sess) => (err ? reject(err) : resolve(sess)));
  });
  assert.ok(loaded instanceof session.Session);
  assert.ok(loaded.cookie instanceof session.Cookie);
  assert.equal(loaded.n, 5);
  assert.ok(loaded.cookie.expires instanceof Date);

  store.generate = (req) => { req.sessionID = 'new'; req.session = { fresh: true }; };
  const req = { sessionID: 'old' };
  await new Promise((resolve, reject) => store.regenerate(req, (err) => (err ? reject(err) : resolve())));
  assert.equal(req.sessionID, 'new');
  assert.equal(await store.get('old'), null);
});
