'use strict';

// The Store contract, driven the way express-session drives it: real HTTP
// requests through Node's http module, a session middleware (the
// stand-in in support/mini-session.js) and this store underneath.

const assert = require('node:assert/strict');
const http = require('node:http');
const { test } = require('node:test');

const { openStore, session } = require('./support/env');

const SECRET = 'keyboard cat';

// An app with a few routes that use the session as applications do.
function app(store, { maxAge = 60 * 60 * 1000 } = {}) {
  const middleware = session({ store, secret: SECRET, cookie: { maxAge } });
  const calls = [];
  for (const method of ['get', 'set', 'touch', 'destroy']) {
    const original = store[method];
    store[method] = function spy(...args) {
      calls.push(method);
      return original.apply(this, args);
    };
  }
  const routes = {
    '/count': (req, res) => {
      req.session.count = (req.session.count || 0) + 1;
      res.end(JSON.stringify({ count: req.session.count }));
    },
    '/peek': (req, res) => res.end(JSON.stringify({ count: req.session.count ?? null })),
    '/login': (req, res) => req.session.regenerate((err) => {
      if (err) throw err;
      req.session.user = 'ada';
      res.end(JSON.stringify({ user: 'ada' }));
    }),
    '/reload': (req, res) => req.session.reload((err) => {
      res.end(JSON.stringify({ error: err ? err.message : null, count: req.session.count ?? null }));
    }),
    '/logout': (req, res) => req.session.destroy((err) => {
      res.end(JSON.stringify({ destroyed: !err }));
    }),
    '/whoami': (req, res) => res.end(JSON.stringify({
      user: req.session ? req.session.user ?? null : 'no session',
    })),
  };
  const server = http.createServer((req, res) => {
    middleware(req, res, (err) => {
      if (err) {
        res.statusCode = 500;
        res.end(JSON.stringify({ error: err.code || err.message }));
        return;
      }
      routes[req.url](req, res);
    });
  });
  return { server, calls };
}

// A browser with one cookie.
function client(server) {
  let cookie = null;
  return async function request(path) {
    const { port } = server.address();
    return new Promise((resolve, reject) => {
      const req = http.get({ port, path, headers: cookie ? { cookie } : {} }, (res) => {
        let body = '';
        res.on('data', (chunk) => { body += chunk; });
        res.on('end', () => {
          const setCookie = res.headers['set-cookie'];
          if (setCookie) cookie = setCookie[0].split(';')[0];
          resolve({ status: res.statusCode, body: JSON.parse(body), setCookie, cookie });
        });
      });
      req.on('error', reject);
    });
  };
}

function sidOf(cookie) {
  const value = decodeURIComponent(cookie.split('=')[1]);
  return value.slice(2, value.lastIndexOf('.'));
}

async function listen(t, server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
}

test('a session is issued, loaded, modified, saved and touched', async (t) => {
  const store = await openStore(t);
  const { server, calls } = app(store);
  await listen(t, server);
  const browser = client(server);

  const first = await browser('/count');
  assert.equal(first.status, 200);
  assert.equal(first.body.count, 1);
  assert.ok(first.setCookie, 'a cookie is issued for a new, modified session');
  const sid = sidOf(first.cookie);
  assert.equal((await store.get(sid)).count, 1, 'the session was saved');
  assert.deepEqual(calls.splice(0), ['set', 'get']);

  const second = await browser('/count');
  assert.equal(second.body.count, 2);
  assert.equal(sidOf(second.cookie), sid);
  assert.equal((await store.get(sid)).count, 2);
  assert.deepEqual(calls.splice(0), ['get', 'set', 'get']);

  const peek = await browser('/peek');
  assert.equal(peek.body.count, 2);
  assert.deepEqual(calls.splice(0), ['get', 'touch'], 'an unmodified session is touched, not saved');
});

test('touch moves the item expiry forward', async (t) => {
  const store = await openStore(t);
  const { server } = app(store, { maxAge: 120 * 1000 });
  await listen(t, server);
  const browser = client(server);
  const { cookie } = await browser('/count');
  const sid = sidOf(cookie);
  const { boto3 } = require('./support/env');
  const expires = async () => Number((await boto3([['get_item',
    { TableName: store.table, Key: { id: { S: `sess:${sid}` } } }]]))[0].Item.expires.N);
  const first = await expires();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await browser('/peek');
  assert.ok(await expires() > first, 'touch moved the expiry');
});

test('regenerate replaces the session and deletes the old one', async (t) => {
  const store = await openStore(t);
  const { server } = app(store);
  await listen(t, server);
  const browser = client(server);
  const { cookie } = await browser('/count');
  const oldSid = sidOf(cookie);
  const login = await browser('/login');
  assert.equal(login.body.user, 'ada');
  const newSid = sidOf(login.cookie);
  assert.notEqual(newSid, oldSid);
  assert.equal(await store.get(oldSid), null, 'the old session is gone');
  assert.equal((await store.get(newSid)).user, 'ada');
  assert.equal((await browser('/whoami')).body.user, 'ada');
});

test('reload reads the stored session again', async (t) => {
  const store = await openStore(t);
  const { server } = app(store);
  await listen(t, server);
  const browser = client(server);
  const { cookie } = await browser('/count');
  const sid = sidOf(cookie);
  const stored = await store.get(sid);
  await store.set(sid, { ...stored, count: 40 });
  const reload = await browser('/reload');
  assert.deepEqual(reload.body, { error: null, count: 40 });
});

test('destroy deletes the session; the old cookie then starts afresh', async (t) => {
  const store = await openStore(t);
  const { server } = app(store);
  await listen(t, server);
  const browser = client(server);
  await browser('/login');
  const { cookie } = await browser('/count');
  const sid = sidOf(cookie);
  assert.deepEqual((await browser('/logout')).body, { destroyed: true });
  assert.equal(await store.get(sid), null);
  assert.equal((await browser('/whoami')).body.user, null, 'a fresh, empty session');
  assert.equal((await store.ids()).includes(sid), false, 'touching the destroyed id created nothing');
});

test('a closed store: the middleware reports the error; disconnect stops its use', async (t) => {
  const store = await openStore(t);
  const { server } = app(store);
  await listen(t, server);
  const browser = client(server);
  await browser('/count');
  await store.close();
  // After 'disconnect' express-session serves requests without a session.
  assert.deepEqual((await browser('/whoami')).body, { user: 'no session' });
  // Were the closed store used anyway, its error reaches the application.
  store.emit('connect');
  const response = await browser('/count');
  assert.equal(response.status, 500);
  assert.equal(response.body.error, 'CDYN_ECLOSED');
});

test('many browsers at once each keep their own session', async (t) => {
  const store = await openStore(t);
  const { server } = app(store);
  await listen(t, server);
  const browsers = Array.from({ length: 40 }, () => client(server));
  for (let round = 1; round <= 3; round++) {
    const answers = await Promise.all(browsers.map((browser) => browser('/count')));
    for (const answer of answers) assert.equal(answer.body.count, round);
  }
  assert.equal(await store.length(), 40);
});
