'use strict';

// The Node leg of bench/write_units.py: the same traffic driven through
// express-session's request cycle (bindings/node/test/support/mini-session.js,
// the stand-in the binding's tests use, since express-session cannot be
// installed here) over the binding's DynamoDBStore. write_units.py runs it
// with its settings in the environment and reads one JSON line back:
// {views, changed, failed, lost, seconds, sessions: [[sid, changes], ...]}.

const path = require('node:path');
const { once } = require('node:events');

const root = path.resolve(__dirname, '..');
const session = require(path.join(root, 'bindings', 'node', 'test', 'support', 'mini-session'));
const connectDynamo = require(path.join(root, 'bindings', 'node'));

const env = process.env;
const USERS = Number(env.BENCH_USERS);
const VIEWS = Number(env.BENCH_VIEWS);
const DAY = Number(env.BENCH_DAY);
const LIFETIME = Number(env.BENCH_LIFETIME);
const MODIFY = Number(env.BENCH_MODIFY);
const BURST = Number(env.BENCH_BURST);
const SECRET = 'bench';

// The same seeded sequence as write_units.py's random.Random(7) is not
// needed: only the traffic's shape must match, not its exact draws.
function mulberry32(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6D2B79F5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// One request through the middleware: `handle(req)` is the view; resolves
// to {status, setCookie} once the store has saved or touched.
function request(middleware, cookie, handle) {
  return new Promise((resolve) => {
    const headers = {};
    const req = { headers: cookie ? { cookie } : {} };
    const res = {
      statusCode: 200,
      headersSent: false,
      setHeader(name, value) { headers[name.toLowerCase()] = value; },
      end() { resolve({ status: this.statusCode, setCookie: headers['set-cookie'] }); },
    };
    middleware(req, res, (error) => {
      if (error) {
        res.statusCode = 500;
        res.end();
        return;
      }
      handle(req);
      res.end();
    });
  });
}

async function main() {
  const DynamoDBStore = connectDynamo({ session });
  const options = JSON.parse(env.BENCH_STORE_OPTIONS);
  const store = new DynamoDBStore({
    table: env.BENCH_TABLE,
    AWSConfigJSON: {
      accessKeyId: 'bench', secretAccessKey: 'bench', region: 'us-east-1', endpoint: env.BENCH_ENDPOINT,
    },
    ...options,
  });
  await once(store, 'connect');
  const middleware = session({ store, secret: SECRET, cookie: { maxAge: LIFETIME * 1000 } });

  const cookies = [];
  const sids = [];
  for (let user = 0; user < USERS; user += 1) {
    // eslint-disable-next-line no-await-in-loop
    const { setCookie } = await request(middleware, undefined, (req) => {
      req.session.user = 'u';
      req.session.profile = 'x'.repeat(300);
    });
    const value = decodeURIComponent(setCookie.split(';')[0].split('=').slice(1).join('='));
    cookies.push(`connect.sid=${encodeURIComponent(value)}`);
    sids.push(value.slice(2, value.lastIndexOf('.')));
  }
  // write_units.py resets its counter when it sees this line
  process.stdout.write('ready\n');
  await once(process.stdin, 'data');
  process.stdin.destroy(); // an open stdin would keep the process alive

  const random = mulberry32(7);
  const added = sids.map(() => new Set());
  let serial = 0;
  let changed = 0;
  let failed = 0;
  const one = (user, modify) => {
    let key;
    if (modify) {
      serial += 1;
      key = `k${serial}`;
      added[user].add(key);
      changed += 1;
    }
    return request(middleware, cookies[user], (req) => {
      if (key) req.session[key] = 1;
      else void req.session.user; // eslint-disable-line no-void
    }).then(({ status }) => { if (status !== 200) failed += 1; });
  };

  // Requests start on schedule whether or not earlier ones have finished
  // (at most IN_FLIGHT at once), as in write_units.py.
  const IN_FLIGHT = 16;
  const inFlight = new Set();
  const start = (promise) => {
    inFlight.add(promise);
    promise.finally(() => inFlight.delete(promise));
  };
  const started = Date.now();
  let views = 0;
  while (views < VIEWS) {
    // paced: view i at i * DAY / VIEWS seconds into the "day"
    const delay = started + (views * DAY * 1000) / VIEWS - Date.now();
    // eslint-disable-next-line no-await-in-loop
    if (delay > 0) await new Promise((resolve) => { setTimeout(resolve, delay); });
    // eslint-disable-next-line no-await-in-loop
    while (inFlight.size > IN_FLIGHT) await Promise.race(inFlight);
    const user = Math.floor(random() * USERS);
    const n = random() < BURST ? 3 : 1;
    for (let i = 0; i < n; i += 1) start(one(user, random() < MODIFY));
    views += n;
  }
  await Promise.all(inFlight);
  const seconds = (Date.now() - started) / 1000;

  let lost = 0;
  for (let user = 0; user < USERS; user += 1) {
    // eslint-disable-next-line no-await-in-loop
    const stored = (await store.get(sids[user])) || {};
    for (const key of added[user]) if (!(key in stored)) lost += 1;
  }
  store.close();
  process.stdout.write(`${JSON.stringify({
    views, changed, failed, lost, seconds, sessions: sids.map((sid, user) => [sid, added[user].size]),
  })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
