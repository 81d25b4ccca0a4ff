'use strict';

// Sessions cross languages: items written by boto3 in connect-dynamodb's
// layout and by the C API are read here, and what Node writes is read by
// the C API and has exactly connect-dynamodb's layout.

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { boto3, cTool, nowSeconds, openStore } = require('./support/env');

const sess = (extra) => ({
  cookie: { originalMaxAge: 3600000, expires: new Date(Date.now() + 3600000).toISOString(), httpOnly: true, path: '/' },
  ...extra,
});

test('reads items that connect-dynamodb wrote (via boto3)', async (t) => {
  const store = await openStore(t);
  const expires = nowSeconds() + 600;
  const item = (id, value, expiresN) => ({
    id: { S: `sess:${id}` },
    expires: { N: expiresN },
    type: { S: 'connect-session' },
    sess: { S: JSON.stringify(sess({ value })) },
  });
  await boto3([
    ['put_item', { TableName: store.table, Item: item('int', 'integer expiry', String(expires)) }],
    // connect-dynamodb writes now + maxAge/1000 without rounding.
    ['put_item', { TableName: store.table, Item: item('frac', 'fractional expiry', `${expires}.998`) }],
    ['put_item', { TableName: store.table, Item: item('past', 'expired', `${nowSeconds() - 5}.5`) }],
    // Items without expires never expire on read.
    ['put_item', { TableName: store.table, Item: { id: { S: 'sess:forever' }, sess: { S: JSON.stringify(sess({ value: 'no expiry' })) } } }],
    ['put_item', { TableName: store.table, Item: { id: { S: 'sess:empty' }, expires: { N: String(expires) } } }],
  ]);
  assert.equal((await store.get('int')).value, 'integer expiry');
  assert.equal((await store.get('frac')).value, 'fractional expiry');
  assert.equal(await store.get('past'), null);
  assert.equal((await store.get('forever')).value, 'no expiry');
  assert.equal(await store.get('empty'), null, 'an item without sess is no session');
  assert.deepEqual((await store.ids()).sort(), ['forever', 'frac', 'int']);
  await store.touch('frac', sess());
  assert.equal((await store.get('frac')).value, 'fractional expiry');
});

test('what Node writes has connect-dynamodb\'s layout exactly', async (t) => {
  const store = await openStore(t);
  const data = sess({ user: 'ada', unicode: 'żółw 🐢' });
  await store.set('layout', data);
  const [answer] = await boto3([['get_item', { TableName: store.table, Key: { id: { S: 'sess:layout' } } }]]);
  // plus the versioned save's attributes, which connect-dynamodb ignores
  // (README, the item format); with lastWriterWins, exactly its four
  assert.deepEqual(Object.keys(answer.Item).sort(),
    ['created', 'expires', 'id', 'sess', 'type', 'ver', 'wtok']);
  assert.deepEqual(answer.Item.ver, { N: '1' });
  assert.deepEqual(answer.Item.id, { S: 'sess:layout' });
  assert.deepEqual(answer.Item.type, { S: 'connect-session' });
  assert.match(answer.Item.expires.N, /^\d+$/);
  assert.deepEqual(JSON.parse(answer.Item.sess.S), JSON.parse(JSON.stringify(data)));
});

test('reads what the C API wrote', async (t) => {
  const store = await openStore(t);
  const expires = nowSeconds() + 900;
  const data = JSON.stringify(sess({ from: 'C' }));
  const written = await cTool(store.table, 'sess:', 'set', 'from-c', data, expires);
  assert.equal(written.code, 0, written.stderr);
  assert.equal((await store.get('from-c')).from, 'C');
  const [answer] = await boto3([['get_item', { TableName: store.table, Key: { id: { S: 'sess:from-c' } } }]]);
  assert.equal(answer.Item.expires.N, String(expires));
});

test('the C API reads what Node wrote, and sees Node\'s touch and destroy', async (t) => {
  const store = await openStore(t);
  const data = sess({ from: 'Node', n: 3 });
  await store.set('from-node', data);
  const expiresOf = (result) => Number(/^expires (\d+)$/m.exec(result.stderr)[1]);
  const read = await cTool(store.table, 'sess:', 'get', 'from-node');
  assert.equal(read.code, 0, read.stderr);
  assert.deepEqual(JSON.parse(read.stdout), JSON.parse(JSON.stringify(data)));
  assert.ok(expiresOf(read) > nowSeconds() + 3500);

  await store.touch('from-node', { cookie: { maxAge: 10 * 60 * 1000 } });
  const touched = await cTool(store.table, 'sess:', 'get', 'from-node');
  assert.ok(expiresOf(touched) <= nowSeconds() + 601);

  await store.destroy('from-node');
  const gone = await cTool(store.table, 'sess:', 'get', 'from-node');
  assert.equal(gone.code, 2);
  assert.match(gone.stderr, /CDYN_ENOTFOUND/);
});
