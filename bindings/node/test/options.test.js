'use strict';

// connect-dynamodb's option names and defaults, mapped onto the library's
// options; and the expiry computation. No DynamoDB needed.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test } = require('node:test');

const { parseOptions } = require('../lib/options');
const { expiresOf } = require('../lib/expiry');

test('what is not set is passed as unset, for the library\'s defaults', () => {
  const { native, reapInterval } = parseOptions({});
  // but one: the Node store keeps connect-dynamodb's touch on every request
  // unless touchAfter is given (the library's own default is lazy)
  assert.deepEqual(Object.entries(native).filter(([k, v]) => v !== undefined && k !== 'touchAfterSeconds'), []);
  assert.equal(native.touchAfterSeconds, -1);
  assert.equal(reapInterval, 0);
  assert.deepEqual(parseOptions(undefined), parseOptions({}));
});

test('names map onto the library\'s options', () => {
  const { native, reapInterval } = parseOptions({
    table: 't', hashKey: 'h', prefix: '', AWSRegion: 'eu-west-1', readCapacityUnits: 10,
    writeCapacityUnits: 2, reapInterval: 60000, initialized: true,
    specialKeys: [{ name: 'userId', type: 'S' }], skipThrowMissingSpecialKeys: true,
    consistentRead: false, connectTimeout: 100, requestTimeout: 2000, maxAttempts: 2,
    maxConnections: 7, billingMode: 'PAY_PER_REQUEST', profile: 'dev', endpoint: 'http://127.0.0.1:8000/',
    lastWriterWins: true, touchAfter: 300,
  });
  assert.deepEqual(
    Object.fromEntries(Object.entries(native).filter(([, v]) => v !== undefined)),
    {
      table: 't', hashKey: 'h', prefix: '', region: 'eu-west-1', endpoint: 'http://127.0.0.1:8000/',
      profile: 'dev', readCapacityUnits: 10, writeCapacityUnits: 2, billingMode: 1,
      createTable: false, consistentReads: false, connectTimeoutMs: 100, requestTimeoutMs: 2000,
      maxAttempts: 2, maxConnections: 7, specialKeys: [{ name: 'userId', type: 'S' }], skipMissingSpecialKeys: true,
      lastWriterWins: true, touchAfterSeconds: 300,
    },
  );
  assert.equal(reapInterval, 60000);
});

test('touchAfter: unset or 0 touches every time, as connect-dynamodb does', () => {
  assert.equal(parseOptions({}).native.touchAfterSeconds, -1);
  assert.equal(parseOptions({ touchAfter: 0 }).native.touchAfterSeconds, -1);
  // a fraction is no whole second: the binding cannot pass it on
  assert.throws(() => parseOptions({ touchAfter: 1.5 }), { code: 'CDYN_EINVAL' });
  // a negative one is passed on: the rule is the library's
  assert.equal(parseOptions({ touchAfter: -5 }).native.touchAfterSeconds, -5);
});

test('skipThrowMissingSpecialKeys means its own value, not !!specialKeys', () => {
  const keys = [{ name: 'u', type: 'S' }];
  assert.equal(parseOptions({ specialKeys: keys }).native.skipMissingSpecialKeys, undefined);
  assert.equal(parseOptions({ skipThrowMissingSpecialKeys: true }).native.skipMissingSpecialKeys, true);
});

test('AWSConfigJSON gives credentials, region and endpoint; AWSRegion is the fallback', () => {
  const config = {
    accessKeyId: 'AK', secretAccessKey: 'SK', sessionToken: 'ST', region: 'ap-south-1',
    endpoint: 'http://localhost:8000',
  };
  const { native } = parseOptions({ AWSConfigJSON: config, AWSRegion: 'us-west-2' });
  assert.equal(native.accessKeyId, 'AK');
  assert.equal(native.secretAccessKey, 'SK');
  assert.equal(native.sessionToken, 'ST');
  assert.equal(native.region, 'ap-south-1');
  assert.equal(native.endpoint, 'http://localhost:8000');
  const noRegion = parseOptions({ AWSConfigJSON: { accessKeyId: 'A', secretAccessKey: 'S' }, AWSRegion: 'us-west-2' });
  assert.equal(noRegion.native.region, 'us-west-2');
  const v3 = parseOptions({ AWSConfigJSON: { region: 'r', credentials: { accessKeyId: 'A', secretAccessKey: 'S' } } });
  assert.equal(v3.native.accessKeyId, 'A');
});

test('AWSConfigPath is read like AWSConfigJSON and wins over it', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cdyn-')), 'config.json');
  fs.writeFileSync(file, JSON.stringify({ accessKeyId: 'FILE', secretAccessKey: 'S', region: 'eu-north-1' }));
  const { native } = parseOptions({ AWSConfigPath: file, AWSConfigJSON: { region: 'other' } });
  assert.equal(native.accessKeyId, 'FILE');
  assert.equal(native.region, 'eu-north-1');
});

test('client: an SDK v2 client or a plain settings object; the endpoint option wins', () => {
  const v2 = { endpoint: { href: 'http://localhost:8000/' }, config: { region: 'us-east-2', credentials: { accessKeyId: 'A', secretAccessKey: 'S' } } };
  const { native } = parseOptions({ client: v2 });
  assert.equal(native.endpoint, 'http://localhost:8000/');
  assert.equal(native.region, 'us-east-2');
  assert.equal(native.accessKeyId, 'A');
  assert.equal(parseOptions({ client: { endpoint: 'http://a:1' } }).native.endpoint, 'http://a:1');
  assert.equal(parseOptions({ client: { endpoint: 'http://a:1' }, endpoint: 'http://b:2' }).native.endpoint, 'http://b:2');
  assert.equal(parseOptions({ endpoint: new URL('http://c:3') }).native.endpoint, 'http://c:3/');
});

test('expiry: now + cookie.maxAge rounded up to whole seconds, else 0 for the library\'s default TTL', () => {
  const now = 1_700_000_000_123;
  assert.equal(expiresOf({ cookie: { maxAge: 60_000 } }, now), 1_700_000_061);
  assert.equal(expiresOf({ cookie: { maxAge: 59_877 } }, now), 1_700_000_060);
  assert.equal(expiresOf({ cookie: {} }, now), 0);
  assert.equal(expiresOf({ cookie: { maxAge: null } }, now), 0);
  assert.equal(expiresOf({ cookie: { maxAge: NaN } }, now), 0);
  assert.equal(expiresOf({ cookie: { maxAge: '60000' } }, now), 0, 'only a number counts');
  assert.equal(expiresOf({ cookie: { maxAge: -5000 } }, now), 1_699_999_996, 'already expired');
  assert.equal(expiresOf({ cookie: { maxAge: -now * 2 } }, now), 1, 'never 0 (the C API\'s "default")');
});

test('expiry follows express-session\'s live Cookie.maxAge', () => {
  const session = require('./support/mini-session');
  const cookie = new session.Cookie({ maxAge: 30_000 });
  const expires = expiresOf({ cookie });
  const expected = Math.ceil((Date.now() + 30_000) / 1000);
  assert.ok(Math.abs(expires - expected) <= 1);
});
