'use strict';

// connect-dynamodb 3.x's own way of using the store, run unchanged but for
// the module name: mocha-style cases (support/mocha-lite.js), an SDK v3
// DynamoDBClient passed as `client` (support/sdk-v3-double.js: the SDK's
// shape, async config providers), spies as sinon's. Credentials come from
// the client's provider through the library's credentials callback; a
// moto that verifies signatures shows which keys signed each call.

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const { once } = require('node:events');
const path = require('node:path');
const readline = require('node:readline');

const { describe, it, before, after } = require('./support/mocha-lite');
const { DynamoDBClient } = require('./support/sdk-v3-double');
const { spy } = require('./support/spy');
const { endpoint, session, tableName, boto3, nowSeconds } = require('./support/env');
const connectDynamo = require('..');

const DynamoDBStore = connectDynamo({ session });

const keys = { accessKeyId: 'test', secretAccessKey: 'test' };
const client = () => new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: keys });

function untilConnectOrDisconnect(store) {
  return Promise.race([
    once(store, 'connect').then(() => null),
    once(store, 'disconnect').then(([error]) => error),
  ]);
}

describe('connect-dynamodb 3.x usage with an SDK v3 client', function () {
  const stores = [];
  const open = (options) => {
    const store = new DynamoDBStore({ table: tableName('dropin'), ...options });
    stores.push(store);
    return store;
  };
  // A table made before the cases that say `initialized`.
  const existing = tableName('dropin-existing');
  before(() => open({ client: client(), table: existing }).initialize());
  after(() => Promise.all(stores.map((store) => store.close())));

  it('takes the client, stays synchronous, and early calls wait for its settings', function (done) {
    const given = client();
    const store = open({ client: given });
    assert.equal(store.client, given);
    store.set('early', { cookie: { maxAge: 60000 }, n: 1 }, (error) => {
      if (error) return done(error);
      return store.get('early', (getError, sess) => {
        if (getError) return done(getError);
        assert.equal(sess.n, 1);
        assert.equal(store.settings.endpoint.replace(/\/$/, ''), endpoint);
        assert.equal(store.settings.region, 'us-east-1');
        assert.deepEqual(given.sent, [], 'the store never sends through the client');
        return done();
      });
    });
  });

  it('reads the endpoint back from the client as connect-dynamodb tests do', async function () {
    const store = open({ client: client() });
    const { hostname, port } = await store.client.config.endpoint();
    assert.equal(`http://${hostname}:${port}`, endpoint);
    await store.close();
  });

  it('has connect-dynamodb\'s instance properties, with its loose option types', async function () {
    const store = open({
      client: client(), prefix: 'p:', readCapacityUnits: '7', writeCapacityUnits: '9',
      specialKeys: [{ name: 'user', type: 'S' }], skipThrowMissingSpecialKeys: true, reapInterval: 60000,
      initialized: 1, table: existing,
    });
    assert.equal(store.initialized, true, 'a truthy initialized');
    await store.set('props', { cookie: {}, user: 'ada' });
    assert.equal(store.prefix, 'p:');
    assert.equal(store.hashKey, 'id');
    assert.equal(store.readCapacityUnits, 7);
    assert.equal(store.writeCapacityUnits, 9);
    assert.deepEqual(store.specialKeys, [{ name: 'user', type: 'S' }]);
    assert.equal(store.skipThrowMissingSpecialKeys, true);
    assert.equal(store.reapInterval, 60000);
    assert.equal(store.table, existing);
    store.clearInterval();
  });

  it('initialize() describes, and creates only a missing table; then initialized is true', async function () {
    const store = open({ client: client(), initialized: true });
    const calls = [];
    const describe = spy(store, 'describeSessionsTable', calls);
    const create = spy(store, 'createSessionsTable', calls);
    assert.equal(await store.initialize(), undefined);
    assert.deepEqual(calls, ['describeSessionsTable', 'createSessionsTable']);
    assert.equal(store.initialized, true);
    const { Table } = await store.describeSessionsTable();
    assert.equal(Table.TableStatus, 'ACTIVE', 'initialize waits for ACTIVE');
    assert.deepEqual(Table.KeySchema, [{ AttributeName: 'id', KeyType: 'HASH' }]);
    const [ttl] = await boto3([['describe_time_to_live', { TableName: store.table }]]);
    assert.equal(ttl.TimeToLiveDescription.AttributeName, 'expires');

    calls.length = 0;
    const again = open({ client: client(), table: store.table });
    spy(again, 'describeSessionsTable', calls);
    spy(again, 'createSessionsTable', calls);
    await again.initialize();
    assert.deepEqual(calls, ['describeSessionsTable'], 'an existing table is not created');
    assert.equal(describe.callCount, 2);
    assert.equal(create.callCount, 1);
  });

  it('createSessionsTable resolves to DynamoDB\'s answer; describe of a missing table rejects', async function () {
    const store = open({ client: client(), initialized: true, readCapacityUnits: '3' });
    await assert.rejects(store.describeSessionsTable(), { code: 'CDYN_ENOTABLE' });
    const { TableDescription } = await store.createSessionsTable();
    assert.equal(TableDescription.TableName, store.table);
    assert.equal(TableDescription.ProvisionedThroughput.ReadCapacityUnits, 3);
    await assert.rejects(store.createSessionsTable(), (error) => /^CDYN_E/.test(error.code));
  });

  it('getExpiresValue, getParsedSession and touch\'s {expires}', async function () {
    const store = open({ client: client() });
    await store.initialize();
    const now = Date.now();
    assert.equal(store.getExpiresValue({ cookie: { maxAge: 10000 } }, now), Math.ceil((now + 10000) / 1000));
    assert.equal(store.getExpiresValue({ cookie: {} }, now), Math.floor(now / 1000) + 86400,
      'no maxAge: the library\'s default TTL');
    await store.set('parsed', { cookie: { maxAge: 60000 }, v: 2 });
    const [output] = await boto3([['get_item', { TableName: store.table, Key: { id: { S: 'sess:parsed' } } }]]);
    assert.equal(store.getParsedSession(output).v, 2);
    assert.equal(store.getParsedSession({ Item: { ...output.Item, expires: { N: String(nowSeconds()) } } }), null);
    assert.equal(store.getParsedSession({ Item: { ...output.Item, sess: { S: '{nope' } } }), null);
    assert.equal(store.getParsedSession({ Item: { id: output.Item.id } }), null);
    // the library's rule, not a restatement: a sess that is not a JSON object is no session
    assert.equal(store.getParsedSession({ Item: { ...output.Item, sess: { S: '[1]' } } }), null);
    // plain values (a document client's) are typed for the library
    assert.equal(store.getParsedSession({ Item: {
      id: output.Item.id.S, sess: output.Item.sess.S, expires: nowSeconds() + 60 } }).v, 2);
    assert.equal(store.getParsedSession({}), null);
    store.touch('parsed', { cookie: { maxAge: 120000 } }, (error, result) => {
      assert.equal(error, null);
      assert.ok(result.expires >= nowSeconds() + 119);
    });
    const touched = await store.touch('parsed', { cookie: { maxAge: 120000 } });
    assert.ok(touched.expires >= nowSeconds() + 119);
  });

  it('exports SET_UPDATE_ONLY beside SET_CREATE_ONLY', function () {
    assert.equal(connectDynamo.SET_CREATE_ONLY, 1);
    assert.equal(connectDynamo.SET_UPDATE_ONLY, 2);
  });

  it('a region provider that rejects reaches early calls and emits disconnect', async function () {
    const failing = new DynamoDBClient({ region: new Error('no region configured'), endpoint, credentials: keys });
    const store = open({ client: failing });
    const event = untilConnectOrDisconnect(store);
    await assert.rejects(store.get('x'), /no region configured/);
    assert.match((await event).message, /no region configured/);
    await assert.rejects(store.set('x', { cookie: {} }), /no region configured/);
  });

  it('a credentials provider that rejects fails the calls and emits disconnect', async function () {
    const failing = new DynamoDBClient({
      region: 'us-east-1', endpoint, credentials: new Error('Could not load credentials from any providers'),
    });
    const store = open({ client: failing });
    const error = await untilConnectOrDisconnect(store);
    assert.equal(error.code, 'CDYN_ECREDENTIALS');
    assert.match(error.message, /Could not load credentials from any providers/);
    await assert.rejects(store.get('x'), { code: 'CDYN_ECREDENTIALS' });
  });

  it('credentials near their expiration are looked up again through the client', async function () {
    const soon = () => new Date(Date.now() + 60 * 1000); // inside the 10-minute window
    const renewing = new DynamoDBClient({
      region: 'us-east-1', endpoint, credentials: (n) => ({ ...keys, sessionToken: `t${n}`, expiration: soon() }),
    });
    const store = open({ client: renewing, initialized: true, table: existing });
    await store.get('r');
    const before = renewing.lookups.length;
    await store.get('r');
    assert.equal(renewing.lookups.length, before + 1);
    assert.deepEqual(renewing.lookups.at(-1), { forceRefresh: true });
  });
});

// moto verifying SigV4 against IAM keys it made: the keys a call signs
// with are the ones that make it pass or fail.
describe('renewed credentials sign the calls after expiry', function () {
  let server;
  let rl;
  let signing;
  before(async function () {
    server = spawn('python3', [path.join(__dirname, 'support', 'signing-dynamo.py')],
      { stdio: ['pipe', 'pipe', 'inherit'] });
    rl = readline.createInterface({ input: server.stdout });
    const [line] = await once(rl, 'line');
    signing = JSON.parse(line);
  });
  after(async function () {
    rl.close();
    server.stdin.end();
    await once(server, 'close');
  });

  it('signs with each answer of the provider in turn', async function () {
    const [first, second] = signing.keys;
    const soon = () => new Date(Date.now() + 60 * 1000); // inside the 10-minute window
    let current = { accessKeyId: first.id, secretAccessKey: first.secret, expiration: soon() };
    const provider = new DynamoDBClient({ region: 'us-east-1', endpoint: signing.url, credentials: () => current });
    const store = new DynamoDBStore({ client: provider, table: tableName('signed') });
    try {
      assert.equal(await untilConnectOrDisconnect(store), null, 'the first keys sign the table check');
      // the answer once the first one nears expiry has a wrong secret: the
      // call signed with it is refused
      current = { accessKeyId: first.id, secretAccessKey: `${first.secret}x`, expiration: soon() };
      let lookups = provider.lookups.length;
      await assert.rejects(store.set('s', { cookie: {} }), { code: 'CDYN_EAUTH' });
      assert.equal(provider.lookups.length, lookups + 1);
      current = { accessKeyId: second.id, secretAccessKey: second.secret };
      lookups = provider.lookups.length;
      await store.set('s', { cookie: {}, signed: true });
      assert.equal(provider.lookups.length, lookups + 1, 'the second keys were asked for');
      assert.deepEqual(await store.get('s'), { cookie: {}, signed: true });
      assert.equal(provider.lookups.length, lookups + 1, 'keys without an expiration are kept');
    } finally {
      await store.close();
    }
  });
});

describe('the library\'s log lines reach a logger', function () {
  it('an object with console\'s methods gets warnings by default, more with logLevel', async function () {
    const lines = [];
    const logger = {
      warn: (line) => lines.push(['warn', line]),
      info: (line) => lines.push(['info', line]),
      debug: (line) => lines.push(['debug', line]),
      error: (line) => lines.push(['error', line]),
    };
    // nothing listens on port 1: the table check fails, with an error line
    const quiet = new DynamoDBStore({ endpoint: 'http://127.0.0.1:1', AWSConfigJSON: keys, logger, maxAttempts: 1 });
    await once(quiet, 'disconnect');
    await quiet.close();
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(lines.length > 0, 'a failure is logged');
    assert.ok(lines.every(([level]) => level === 'warn' || level === 'error'), JSON.stringify(lines));
    assert.ok(lines.every(([, line]) => line.startsWith('connect-dynamo: ')));

    const seen = [];
    const verbose = new DynamoDBStore({
      table: tableName('logged'), endpoint, AWSConfigJSON: keys, logLevel: 'debug',
      log: (line, level) => seen.push(level),
    });
    await once(verbose, 'connect');
    await verbose.close();
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(seen.some((level) => level === 'debug' || level === 'info'), JSON.stringify(seen));
    assert.throws(() => new DynamoDBStore({ logger: 5 }), { code: 'CDYN_EINVAL' });
    assert.throws(() => new DynamoDBStore({ logLevel: 'loud' }), { code: 'CDYN_EINVAL' });
  });
});

describe('a B special key', function () {
  it('stores base64 text or a Buffer as DynamoDB binary', async function () {
    const store = new DynamoDBStore({
      table: tableName('binary'), endpoint, AWSConfigJSON: keys, specialKeys: [{ name: 'avatar', type: 'B' }],
    });
    try {
      await store.set('buffer', { cookie: {}, avatar: Buffer.from('hi!?') });
      await store.set('text', { cookie: {}, avatar: Buffer.from([0, 255]).toString('base64') });
      const [fromBuffer, fromText] = await boto3([
        ['get_item', { TableName: store.table, Key: { id: { S: 'sess:buffer' } } }],
        ['get_item', { TableName: store.table, Key: { id: { S: 'sess:text' } } }],
      ]);
      // dynamo.py prints boto3's bytes with str()
      assert.equal(fromBuffer.Item.avatar.B, "b'hi!?'");
      assert.equal(fromText.Item.avatar.B, "b'\\x00\\xff'");
      await assert.rejects(store.set('bad', { cookie: {}, avatar: 'not base64!' }), { code: 'CDYN_EINVAL' });
    } finally {
      await store.close();
    }
  });
});

describe('store.client without a client option', function () {
  it('is undefined without the SDK, and made from the resolved settings with it', async function () {
    const plain = new DynamoDBStore({ endpoint, AWSConfigJSON: keys, initialized: true });
    assert.equal(plain.client, undefined);
    await plain.close();
    // a child process with the stand-in SDK on NODE_PATH
    const script = `
      const session = require(${JSON.stringify(require.resolve('./support/mini-session'))});
      const DynamoDBStore = require(${JSON.stringify(path.resolve(__dirname, '..'))})({ session });
      const store = new DynamoDBStore({ endpoint: ${JSON.stringify(endpoint)}, AWSRegion: 'eu-west-1', initialized: true });
      const { client } = store;
      console.log(JSON.stringify({ settings: client.settings, same: client === store.client }));
      store.close();`;
    const child = spawn(process.execPath, ['-e', script], {
      env: { ...process.env, NODE_PATH: path.join(__dirname, 'support', 'fake-sdk') },
    });
    let out = '';
    child.stdout.on('data', (chunk) => { out += chunk; });
    const [code] = await once(child, 'close');
    assert.equal(code, 0);
    const { settings, same } = JSON.parse(out);
    assert.equal(settings.region, 'eu-west-1');
    assert.equal(settings.endpoint.replace(/\/$/, ''), endpoint);
    assert.equal(same, true);
  });
});
