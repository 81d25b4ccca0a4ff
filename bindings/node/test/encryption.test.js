'use strict';

// encryptionKeys from Node: the key ring as an array of {id, key}, a Map or
// an object, keys as Buffers or base64; sessions stored encrypted (checked
// with boto3), rotation between two stores, reencrypt(), and no key
// material in any error.

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { boto3, openStore, DynamoDBStore, options } = require('./support/env');

const K1 = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const K2 = Buffer.from(Array.from({ length: 32 }, (_, i) => 100 + i));

async function rawItem(store, sid) {
  const [answer] = await boto3([['get_item', { TableName: store.table, Key: { id: { S: `sess:${sid}` } } }]]);
  return answer.Item;
}

test('sessions are stored encrypted and read back', async (t) => {
  const store = await openStore(t, { encryptionKeys: [{ id: 'k1', key: K1 }] });
  await store.set('a', { cookie: {}, token: 'bearer-node-secret' });
  assert.equal((await store.get('a')).token, 'bearer-node-secret');
  assert.equal(store.settings.encryptionKeyCount, 1);
  assert.equal(store.settings.encryptionKeyId, 'k1');
  const item = await rawItem(store, 'a');
  assert.equal(item.sess, undefined);
  assert.ok(item.sesse && !JSON.stringify(item).includes('bearer-node-secret'));
});

test('rotation between two rings, and reencrypt', async (t) => {
  const old = await openStore(t, { encryptionKeys: new Map([['k1', K1.toString('base64')]]) });
  const fresh = await openStore(t, { table: old.table, encryptionKeys: { k2: K2, k1: new Uint8Array(K1) } });
  for (let n = 0; n < 3; n += 1) await old.set(`s${n}`, { cookie: {}, n });
  assert.equal((await fresh.get('s1')).n, 1);
  assert.equal(await fresh.reencrypt({ writeBudget: 100 }), 3);
  assert.equal(await old.get('s1'), null);
  assert.equal((await fresh.get('s2')).n, 2);
  assert.equal(await new Promise((resolve, reject) => fresh.reencrypt((e, n) => (e ? reject(e) : resolve(n)))), 0);
  await assert.rejects(fresh.reencrypt({ readBudget: -1 }), { code: 'CDYN_EINVAL' });
  const clear = await openStore(t, { table: old.table });
  await assert.rejects(clear.reencrypt(), { code: 'CDYN_EINVAL', message: /encryption_keys/ });
});

test('bad rings are refused without showing the key', () => {
  const cases = [
    [{ k1: K1.subarray(0, 31) }, /must be 32 bytes/],
    [[{ id: 'k1', key: K1 }, { id: 'k1', key: K2 }], /duplicate/],
    [{ k1: 'not base64!' }, /not base64/],
    [{ k1: 42 }, /Buffer or base64/],
    ['k1', /encryptionKeys must be/],
  ];
  for (const [ring, message] of cases) {
    assert.throws(() => new DynamoDBStore(options({ encryptionKeys: ring })), (error) => {
      assert.match(error.message, message);
      const text = `${error.message} ${error.stack}`;
      assert.ok(!text.includes(K1.toString('base64')) && !text.includes(K1.toString('hex')));
      return true;
    });
  }
});
