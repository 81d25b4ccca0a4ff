'use strict';

// What every test file shares: the local DynamoDB (CDYN_TEST_ENDPOINT, set
// by `make test`), the store class over the express-session stand-in, a
// table per test, and the two independent sides of the interop tests -
// boto3 (dynamo.py) and the C API (examples/c/session_tool).

const { spawn } = require('node:child_process');
const path = require('node:path');
const { once } = require('node:events');
const { threadId } = require('node:worker_threads');

const session = require('./mini-session');
const connectDynamo = require('../..');

const endpoint = process.env.CDYN_TEST_ENDPOINT;
if (!endpoint) {
  throw new Error('CDYN_TEST_ENDPOINT is not set: run `make test` (it starts a local DynamoDB), '
    + 'or `python3 ../../scripts/localdynamo.py run -- node --test test/*.test.js`');
}

const root = path.resolve(__dirname, '..', '..');
const DynamoDBStore = connectDynamo({ session });
const AWSConfigJSON = Object.freeze({
  accessKeyId: 'test', secretAccessKey: 'test', region: 'us-east-1', endpoint,
});

let serial = 0;
function tableName(label) {
  serial += 1;
  // threadId too: worker threads share the pid, and each counts from 1
  return `node-${label}-${process.pid}-${threadId}-${serial}`;
}

function options(extra = {}) {
  return { AWSConfigJSON, table: tableName('t'), ...extra };
}

// A store on a fresh table, ready (its 'connect' seen), closed after the test.
async function openStore(t, extra = {}) {
  const store = new DynamoDBStore(options(extra));
  t.after(() => store.close());
  const [event, error] = await Promise.race([
    once(store, 'connect').then(() => ['connect']),
    once(store, 'disconnect').then(([e]) => ['disconnect', e]),
  ]);
  if (event !== 'connect') throw error;
  return store;
}

function run(file, args, input, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input || '');
  });
}

// boto3: [[operation, kwargs], ...] -> answers.
async function boto3(calls) {
  const { code, stdout, stderr } = await run('python3', [path.join(__dirname, 'dynamo.py')],
    JSON.stringify(calls));
  if (code !== 0) throw new Error(`dynamo.py failed (${code}): ${stderr}`);
  return JSON.parse(stdout);
}

// The C API, through examples/c/session_tool: cTool(TABLE, PREFIX, op, sid,
// args...) -> {code, stdout, stderr}; code 2 means no such session.
function cTool(table, prefix, op, ...args) {
  return run(path.join(root, 'build', 'test', 'session_tool'), [op, table, ...args.map(String)],
    undefined, { CDYN_PREFIX: prefix, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

module.exports = {
  AWSConfigJSON, DynamoDBStore, boto3, cTool, endpoint, nowSeconds, openStore,
  options, root, run, session, tableName,
};
