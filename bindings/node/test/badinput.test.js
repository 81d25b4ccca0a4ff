'use strict';

// Bad input gives an Error with a .code - never a crash, a hang, or a
// callback that runs twice or synchronously.

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { DynamoDBStore, boto3, openStore, options } = require('./support/env');

const cookie = () => ({ originalMaxAge: 60000, maxAge: 60000 });

// The callback's arguments; asserts it ran asynchronously, exactly once.
function callback(store, method, ...args) {
  return new Promise((resolve) => {
    let sync = true;
    let calls = 0;
    store[method](...args, (...result) => {
      calls += 1;
      assert.equal(sync, false, `${method} called back synchronously`);
      assert.equal(calls, 1);
      setImmediate(() => resolve(result));
    });
    sync = false;
  });
}

test('a session that cannot be serialized', async (t) => {
  const store = await openStore(t);
  const circular = { cookie: cookie() };
  circular.self = circular;
  for (const sess of [circular, { cookie: cookie(), big: 10n }, { cookie: cookie(), toJSON: () => undefined }]) {
    const [error] = await callback(store, 'set', 'bad', sess);
    assert.ok(error instanceof TypeError);
    assert.equal(error.code, 'CDYN_EINVAL');
    await assert.rejects(store.set('bad', sess), { code: 'CDYN_EINVAL' });
  }
  assert.equal(await store.get('bad'), null, 'nothing was written');
});

test('a session without a cookie, or not an object', async (t) => {
  const store = await openStore(t);
  for (const sess of [{ user: 1 }, { cookie: null }, { cookie: 'x' }, null, undefined, 'text', 42]) {
    for (const method of ['set', 'touch']) {
      const [error] = await callback(store, method, 'nocookie', sess);
      assert.equal(error.code, 'CDYN_EINVAL', `${method} ${JSON.stringify(sess)}`);
      assert.match(error.message, /cookie|object/);
    }
  }
  assert.equal(await store.get('nocookie'), null);
});

test('an oversized session is refused with CDYN_ETOOLARGE and nothing is written', async (t) => {
  const store = await openStore(t);
  await store.set('big', { cookie: cookie(), v: 1 });
  const [error] = await callback(store, 'set', 'big', { cookie: cookie(), blob: 'x'.repeat(420 * 1024) });
  assert.equal(error.code, 'CDYN_ETOOLARGE');
  assert.equal((await store.get('big')).v, 1, 'the old session is intact');
  // Just under the limit is fine.
  await store.set('fits', { cookie: cookie(), blob: 'y'.repeat(350 * 1024) });
  assert.equal((await store.get('fits')).blob.length, 350 * 1024);
});

test('bad session ids', async (t) => {
  const store = await openStore(t);
  for (const sid of ['', 'nul\u0000inside', 42, null, undefined, {}, 'x'.repeat(3000)]) {
    for (const [method, args] of [['get', []], ['set', [{ cookie: cookie() }]],
      ['touch', [{ cookie: cookie() }]], ['destroy', []]]) {
      const [error] = await callback(store, method, sid, ...args);
      assert.ok(error instanceof Error, `${method}(${String(sid).slice(0, 10)})`);
      assert.equal(error.code, 'CDYN_EINVAL', `${method}(${String(sid).slice(0, 10)})`);
    }
  }
});

test('a session id holding a lone surrogate is refused, not aliased to U+FFFD', async (t) => {
  const store = await openStore(t);
  await store.set('victim\uFFFD', { cookie: cookie(), owner: 'victim' });
  await store.set('x\uFFFD', { cookie: cookie(), owner: 'x' });
  for (const sid of ['victim\uD800', 'victim\uDFFF', 'x\uDC00', '\uDE00\uD83D', 'a\uD83Db']) {
    for (const [method, args] of [['get', []], ['set', [{ cookie: cookie(), owner: 'attacker' }]],
      ['touch', [{ cookie: cookie() }]], ['destroy', []]]) {
      const [error] = await callback(store, method, sid, ...args);
      assert.ok(error instanceof TypeError, `${method}(${JSON.stringify(sid)})`);
      assert.equal(error.code, 'CDYN_EINVAL', `${method}(${JSON.stringify(sid)})`);
      assert.match(error.message, /session id.*lone surrogate/);
    }
  }
  assert.equal((await store.get('victim\uFFFD')).owner, 'victim', 'the other session is intact');
  assert.equal((await store.get('x\uFFFD')).owner, 'x', 'the other session is not deleted');
  // A whole surrogate pair is ordinary text.
  await store.set('smile\uD83D\uDE00', { cookie: cookie(), owner: 'smile' });
  assert.equal((await store.get('smile\uD83D\uDE00')).owner, 'smile');
  // Names in the options alias the same way: refused too.
  for (const opts of [{ table: `${store.table}\uD800` }, { prefix: 'sess\uDC00:' }]) {
    assert.throws(() => new DynamoDBStore(options({ ...opts, initialized: true })),
      (error) => error instanceof TypeError && error.code === 'CDYN_EINVAL'
        && /lone surrogate/.test(error.message), JSON.stringify(opts));
  }
});

test('a session value holding a lone surrogate round-trips as a JSON escape', async (t) => {
  const store = await openStore(t);
  await store.set('cut', { cookie: cookie(), text: 'cut \uD83D' });
  assert.equal((await store.get('cut')).text, 'cut \uD83D');
});

test('a callback that is not a function throws a TypeError at once', async (t) => {
  const store = await openStore(t);
  const sess = { cookie: cookie() };
  const calls = [['get', ['x']], ['set', ['x', sess]], ['touch', ['x', sess]], ['destroy', ['x']],
    ['all', []], ['length', []], ['ids', []],
    // clear and reap read a first argument that is not a function as options.
    ['clear', [{}]], ['reap', [{}]], ['reap', [{ dryRun: true }]]];
  for (const notAFunction of [42, 'cb', {}, null, true]) {
    for (const [method, args] of calls) {
      assert.throws(() => store[method](...args, notAFunction),
        (error) => error instanceof TypeError && error.code === 'CDYN_EINVAL'
          && /callback must be a function/.test(error.message),
        `${method}(..., ${JSON.stringify(notAFunction)})`);
    }
  }
  assert.equal(store.stats().inFlight, 0, 'nothing was started');
  assert.equal(await store.length(), 0, 'nothing was written');
});

test('a cookie.maxAge past the latest expiry names maxAge as the cause', async (t) => {
  const store = await openStore(t);
  for (const maxAge of [9e18, Number.MAX_VALUE, 9.1e15 * 1000]) {
    for (const method of ['set', 'touch']) {
      const [error] = await callback(store, method, 'far', { cookie: { originalMaxAge: maxAge, maxAge } });
      assert.equal(error.code, 'CDYN_EINVAL', `${method} maxAge ${maxAge}`);
      assert.match(error.message, /cookie\.maxAge out of range/);
    }
  }
  assert.equal(await store.get('far'), null, 'nothing was written');
});

test('a stored session that is not a JSON object is no session, for get and all', async (t) => {
  const store = await openStore(t);
  const expires = { N: String(Math.floor(Date.now() / 1000) + 600) };
  await boto3(['{not json', '[1,2]'].map((sess, i) => ['put_item', {
    TableName: store.table,
    Item: { id: { S: `sess:garbage${i}` }, expires, type: { S: 'connect-session' }, sess: { S: sess } },
  }]));
  await store.set('good', { cookie: cookie(), n: 1 });
  for (const sid of ['garbage0', 'garbage1']) {
    const [error, session] = await callback(store, 'get', sid);
    assert.equal(error, null);
    assert.equal(session, null);
  }
  const all = await store.all();
  assert.deepEqual(all.map((s) => s.id), ['good']);
});

test('an item that is not a session (a touch stub, a String expires) is none for every call', async (t) => {
  const store = await openStore(t);
  const future = { N: '9999999999' };
  await boto3([
    ['put_item', { TableName: store.table, Item: { id: { S: 'sess:stub' }, expires: future } }],
    ['put_item', { TableName: store.table, Item: { id: { S: 'sess:text' }, expires: { S: '9999999999' },
      type: { S: 'connect-session' }, sess: { S: '{"cookie":{}}' } } }],
  ]);
  for (const sid of ['stub', 'text']) {
    assert.equal(await store.get(sid), null, sid);
    await store.touch(sid, { cookie: cookie() });  // not found is not an error for express-session
  }
  assert.equal(await store.length(), 0);
  assert.deepEqual(await store.ids(), []);
  assert.deepEqual(await store.all(), []);
  const [answer] = await boto3([['get_item', { TableName: store.table, Key: { id: { S: 'sess:text' } } }]]);
  assert.deepEqual(answer.Item.expires, { S: '9999999999' });  // touch did not make it a session
});

test('bad options throw a TypeError with code CDYN_EINVAL', () => {
  const bad = [
    'not an object', 42,
    { table: '' }, { table: 5 }, { hashKey: '' }, { prefix: 7 },
    { readCapacityUnits: -1 }, { writeCapacityUnits: 1.5 }, { readCapacityUnits: 'five' },
    { reapInterval: -1 }, { reapInterval: 'soon' }, { reapInterval: Infinity },
    { specialKeys: 'userId' }, { specialKeys: [{ name: 'a', type: 'X' }] },
    { specialKeys: [{ type: 'S' }] }, { specialKeys: [null] },
    { skipThrowMissingSpecialKeys: 1 }, { endpoint: 'ftp://x' }, { endpoint: 5 },
    { AWSConfigJSON: 'x' }, { AWSConfigJSON: { accessKeyId: 'only-half' } },
    { client: 5 },
    { maxAttempts: 21 }, { billingMode: 'FREE' }, { AWSConfigPath: 7 },
  ];
  for (const opts of bad) {
    assert.throws(() => new DynamoDBStore(opts), (error) => error instanceof TypeError
      && error.code === 'CDYN_EINVAL', JSON.stringify(opts));
  }
});

test('an unreadable AWSConfigPath throws CDYN_ECREDENTIALS', () => {
  for (const file of ['/nonexistent/aws.json', __filename]) {
    assert.throws(() => new DynamoDBStore({ AWSConfigPath: file }), { code: 'CDYN_ECREDENTIALS' });
  }
});

test('a rule of the library reaches Node with the library\'s own message', () => {
  // The rules live once, in the core: Node restates none of them.
  const cases = [
    [{ maxAttempts: 21 }, /max_attempts must be 1-20/],
    [{ maxConnections: 0 }, /max_connections must be 1-4096/],
    [{ AWSRegion: 'bad region!' }, /region "bad region!" is not a region name/],
    [{ endpoint: 'http://[::1' }, /endpoint "http:\/\/\[::1"/],
    [{ endpoint: 'http://127.0.0.1:99999' }, /endpoint "http:\/\/127.0.0.1:99999"/],
  ];
  for (const [extra, message] of cases) {
    assert.throws(() => new DynamoDBStore({ endpoint: 'http://127.0.0.1:1', initialized: true, ...extra }),
      (error) => error.code === 'CDYN_EINVAL' && message.test(error.message), JSON.stringify(extra));
  }
});

test('an empty endpoint means the default, as in C and Python', () => {
  const store = new DynamoDBStore({ endpoint: '', AWSRegion: 'eu-west-1', initialized: true });
  try {
    assert.equal(store.settings.endpoint, 'https://dynamodb.eu-west-1.amazonaws.com/');
  } finally {
    store.close();
  }
});

test('what is not set takes the library\'s defaults, shown by the store\'s settings', () => {
  const store = new DynamoDBStore({ endpoint: 'http://127.0.0.1:1', initialized: true });
  try {
    assert.equal(store.table, 'sessions');
    assert.equal(store.hashKey, 'id');
    assert.equal(store.prefix, 'sess:');
    const { settings } = store;
    assert.equal(settings.endpoint, 'http://127.0.0.1:1/');
    assert.equal(settings.readCapacityUnits, 5);
    assert.equal(settings.defaultTtlSeconds, 86400);
    assert.equal(settings.maxAttempts, 4);
    assert.equal(settings.maxConnections, 50);
    assert.equal(settings.createTable, false);
    assert.equal(settings.explicitCredentials, false);
    assert.ok(!JSON.stringify(settings).includes('secret'));
    assert.equal(require('node:util').inspect(store), 'DynamoDBStore { table: \'sessions\', '
      + `prefix: 'sess:', region: '${settings.region}', endpoint: 'http://127.0.0.1:1/', open }`);
  } finally {
    store.close();
  }
});

test('maxConnections reaches the library and its settings', () => {
  const store = new DynamoDBStore({ endpoint: 'http://127.0.0.1:1', initialized: true, maxConnections: 7 });
  try {
    assert.equal(store.settings.maxConnections, 7);
  } finally {
    store.close();
  }
});

test('a callback that throws is reported once, as an uncaught exception', async () => {
  const { spawn } = require('node:child_process');
  const path = require('node:path');
  const script = `
    const { DynamoDBStore, options } = require(${JSON.stringify(path.join(__dirname, 'support', 'env.js'))});
    const store = new DynamoDBStore(options({ initialized: true }));
    let calls = 0;
    process.on('uncaughtException', (e) => { console.log('uncaught', e.message, calls); store.close(); });
    store.get('x', () => { calls += 1; throw new Error('boom'); });
  `;
  const child = spawn(process.execPath, ['-e', script], { env: process.env });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0);
  assert.equal(out.trim(), 'uncaught boom 1');
});

test('methods called on something that is not a store throw, not crash', () => {
  const native = require('../lib/native');
  const store = new native.Store({ table: 'xyz', createTable: false, endpoint: 'http://127.0.0.1:9' });
  try {
    // V8 refuses a foreign receiver itself ("Illegal invocation"); the
    // addon's type tag check is the second line of defence.
    assert.throws(() => native.Store.prototype.get.call({}, 'x', () => {}), TypeError);
    assert.throws(() => native.Store.prototype.get.call(Object.create(native.Store.prototype), 'x', () => {}), TypeError);
    assert.throws(() => store.get('x', 'not a function'), { code: 'CDYN_EINVAL' });
    assert.throws(() => store.set('x', '{}', -1, 0, () => {}), { code: 'CDYN_EINVAL' });
    assert.throws(() => store.set('x', '{}', 1.5, 0, () => {}), { code: 'CDYN_EINVAL' });
    assert.throws(() => native.Store({}), { code: 'CDYN_EINVAL' });
    assert.throws(() => new native.Store({ table: 5 }), { code: 'CDYN_EINVAL' });
  } finally {
    store.close();
  }
});
