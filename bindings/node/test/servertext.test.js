'use strict';

// Text a server sends back reaches Node errors only through the library's
// one filter: scrubbed of the signature, credential and token, on one
// line, and capped. The project's fault server answers with an error that
// echoes the request, or a megabyte of it.

const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const { once } = require('node:events');
const { AWSConfigJSON, endpoint, openStore } = require('./support/env');

const TOKEN = 'node-server-text-session-token-c2VjcmV0';

// A fault server applying `fault` to every PutItem; stopped after the test.
async function faultProxy(t, fault) {
  const child = spawn('python3', [path.join(__dirname, 'support', 'faultproxy.py'), endpoint, fault, 'PutItem'],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => child.stdin.end());
  const [line] = await once(child.stdout, 'data');
  return String(line).trim();
}

async function putError(t, fault) {
  const url = await faultProxy(t, fault);
  const store = await openStore(t, {
    AWSConfigJSON: { ...AWSConfigJSON, endpoint: url, accessKeyId: 'AKIDNODESERVERTEXT', sessionToken: TOKEN },
    maxAttempts: 1,
  });
  const error = await store.set('x', { cookie: { maxAge: 60000 } }).then(() => null, (e) => e);
  assert.ok(error instanceof Error);
  assert.equal(error.code, 'CDYN_EVALIDATION');
  return error.message;
}

test('an echoed request leaves without its signature and on one line', async (t) => {
  const message = await putError(t, 'echo');
  assert.match(message, /Authorization: <redacted>/);
  for (const secret of ['AWS4-HMAC-SHA256', 'AKIDNODESERVERTEXT/', TOKEN]) assert.ok(!message.includes(secret), secret);
  assert.ok(!/[\r\n]/.test(message));
  assert.ok(message.includes('\\r\\nERROR forged log line'));
});

test('a megabyte of server text is cut', async (t) => {
  const message = await putError(t, 'bigerror');
  assert.ok(message.length < 1000, String(message.length));
  assert.match(message, /bytes in all\)/);
});
