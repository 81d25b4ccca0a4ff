'use strict';

// Hashed ids and the user index (log out everywhere) through the Node
// binding, checked in the table with boto3.

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { test } = require('node:test');

const { boto3, openStore } = require('./support/env');

const SECRET = Buffer.from('a node test secret of 32 bytes..');
const cookie = { originalMaxAge: 3600000, maxAge: 3600000, path: '/' };
const hmac = (text) => crypto.createHmac('sha256', SECRET).update(text).digest('hex');
const sha = (text) => crypto.createHash('sha256').update(text).digest('hex');

test('under hashIds the table holds the HMAC of each id and no id', async (t) => {
  const store = await openStore(t, { hashIds: true, idHashSecret: SECRET.toString('base64') });
  await store.set('node-sid-1', { cookie, user: 'ada' });
  assert.equal((await store.get('node-sid-1')).user, 'ada');
  const [scan] = await boto3([['scan', { TableName: store.table }]]);
  assert.deepEqual(scan.Items.map((item) => item.id.S), [`sess:${hmac('node-sid-1')}`]);
  assert.ok(!JSON.stringify(scan).includes('node-sid-1'));
  assert.deepEqual(await store.ids(), [hmac('node-sid-1')]);
  assert.equal(store.settings.hashIds, true);
});

test('a bad secret is refused with the library\'s message', async () => {
  const connectDynamo = require('..');
  const DynamoDBStore = connectDynamo({ session: require('./support/mini-session') });
  assert.throws(() => new DynamoDBStore({ hashIds: true, idHashSecret: Buffer.from('short'), initialized: true,
    endpoint: 'http://127.0.0.1:9' }), /at least 16 bytes/);
  assert.throws(() => new DynamoDBStore({ idHashSecret: 'not base64!', initialized: true }), /Buffer or base64/);
});

for (const hashIds of [false, true]) {
  test(`userSessions and destroyUserSessions (hashIds ${hashIds})`, async (t) => {
    const store = await openStore(t, { hashIds, userField: 'passport.user' });
    for (const sid of ['n-ada-1', 'n-ada-2']) await store.set(sid, { cookie, passport: { user: 'ada' } });
    await store.set('n-bob-1', { cookie, passport: { user: 'bob' } });
    const listed = await store.userSessions('ada');
    assert.deepEqual(listed.map((s) => s.id).sort(),
      hashIds ? [sha('n-ada-1'), sha('n-ada-2')].sort() : ['n-ada-1', 'n-ada-2']);
    assert.ok(listed.every((s) => s.expires > Date.now() / 1000));
    assert.equal(store.settings.userField, 'passport.user');
    assert.equal(store.settings.userIndex, 'uid-index');
    const count = await new Promise((resolve, reject) => {
      store.destroyUserSessions('ada', (error, n) => (error ? reject(error) : resolve(n)));
    });
    assert.equal(count, 2);
    assert.equal(await store.get('n-ada-1'), null);
    assert.equal((await store.get('n-bob-1')).passport.user, 'bob');
    await assert.rejects(store.userSessions(''), { code: 'CDYN_EINVAL' });
  });
}

test('the user calls need userField', async (t) => {
  const store = await openStore(t);
  await assert.rejects(store.destroyUserSessions('ada'), { code: 'CDYN_EINVAL', message: /user_field/ });
});
