'use strict';

// connect-dynamo as a drop-in for connect-dynamodb in an express app.
// Needs express and express-session (npm install express express-session):
// the only change from connect-dynamodb is the module name.
//
//   DYNAMODB_ENDPOINT=http://127.0.0.1:8000 node express-app.js
//   ... node express-app.js --check    serves on a free port, plays two
//                                      visits and a logout, then stops
//                                      (exit 0); `make test` runs this

const express = require('express');
const session = require('express-session');
const DynamoDBStore = require('connect-dynamo')({ session });

const endpoint = process.env.DYNAMODB_ENDPOINT;
const store = new DynamoDBStore({
  table: 'sessions',
  // A local DynamoDB; leave out for AWS (credentials from the environment).
  ...(endpoint && {
    AWSConfigJSON: { accessKeyId: 'local', secretAccessKey: 'local', region: 'us-east-1', endpoint },
  }),
  reapInterval: 0, // DynamoDB's TTL on `expires` deletes expired sessions
});
// Until the table answers, express-session serves without sessions; the
// check waits for it.
const ready = new Promise((resolve, reject) => {
  store.once('connect', resolve);
  store.once('disconnect', reject);
});
ready.catch(() => {}); // the store retries; only --check reports an outage

const app = express();
app.use(session({
  store,
  secret: process.env.SESSION_SECRET || 'keyboard cat',
  resave: false,
  saveUninitialized: false,
  cookie: { maxAge: 24 * 60 * 60 * 1000 },
}));

app.get('/', (req, res) => {
  req.session.views = (req.session.views || 0) + 1;
  res.send(`views: ${req.session.views}\n`);
});

app.get('/logout', (req, res, next) => {
  req.session.destroy((error) => (error ? next(error) : res.send('bye\n')));
});

const check = process.argv.includes('--check');
const server = app.listen(check ? 0 : process.env.PORT || 3000, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
  if (check) {
    runCheck(`http://127.0.0.1:${server.address().port}`).then(
      () => console.log('check passed'),
      (error) => { console.error(`check failed: ${error.message}`); process.exitCode = 1; },
    ).finally(() => server.close(() => store.close()));
  }
});
process.on('SIGTERM', () => server.close(() => store.close()));

// --check: a browser's visits over real HTTP, the session id in a cookie.
async function runCheck(base) {
  await ready;
  let cookie = '';
  const visit = async (path, expected) => {
    const res = await fetch(base + path, { headers: cookie ? { cookie } : {} });
    const body = await res.text();
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) cookie = setCookie.split(';')[0];
    if (res.status !== 200 || body !== expected) {
      throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(body)}, expected ${JSON.stringify(expected)}`);
    }
    console.log(`ok: GET ${path} -> ${body.trim()}`);
  };
  await visit('/', 'views: 1\n');
  await visit('/', 'views: 2\n');
  if ((await store.length()) < 1) throw new Error('the session is not in the table');
  await visit('/logout', 'bye\n');
  await visit('/', 'views: 1\n');
}
