'use strict';

// The budgeted reaper from Node: reap(options) and clear(options) with
// segments, budgets, page size and dry run; 'reapProgress' events with the
// counts after every page, the last one (finished) before the callback;
// an AbortSignal stopping it after the pages in flight.

const assert = require('node:assert/strict');
const { test } = require('node:test');

const { boto3, openStore } = require('./support/env');

async function seedExpired(store, n) {
  const calls = [];
  for (let start = 0; start < n; start += 25) {
    const items = [];
    for (let i = start; i < Math.min(n, start + 25); i += 1) {
      items.push({ PutRequest: { Item: {
        id: { S: `sess:old${String(i).padStart(3, '0')}` }, expires: { N: '1000' },
        type: { S: 'connect-session' }, sess: { S: '{"cookie":{}}' },
      } } });
    }
    calls.push(['batch_write_item', { RequestItems: { [store.table]: items } }]);
  }
  await boto3(calls);
}

async function countItems(store) {
  const [answer] = await boto3([['scan', { TableName: store.table, Select: 'COUNT' }]]);
  return answer.Count;
}

test('reap with options reports progress after each page, then calls back', async (t) => {
  const store = await openStore(t);
  await seedExpired(store, 60);
  const reports = [];
  store.on('reapProgress', (report) => reports.push(report));
  assert.equal(await store.reap({ dryRun: true }), 60);
  assert.equal(await countItems(store), 60);
  reports.length = 0;
  const deleted = await store.reap({ segments: 3, pageSize: 10, readBudget: 1000, writeBudget: 1000 });
  assert.equal(deleted, 60);
  assert.ok(reports.length >= 7, `${reports.length} reports`);
  const last = reports[reports.length - 1];
  assert.equal(last.finished, true);
  assert.equal(reports.filter((r) => r.finished).length, 1);
  assert.deepEqual([last.scanned, last.matched, last.deleted, last.cancelled], [60, 60, 60, false]);
  assert.ok(last.readUnits > 0 && last.writeUnits > 0 && last.pages >= 6 && last.elapsedSeconds >= 0);
  assert.equal(await countItems(store), 0);
});

test('an AbortSignal stops the reap after the pages in flight', async (t) => {
  const store = await openStore(t);
  await seedExpired(store, 100);
  const controller = new AbortController();
  const reports = [];
  store.on('reapProgress', (report) => {
    reports.push(report);
    controller.abort();
  });
  // A read budget of 2 units a second (moto charges one a page): time for
  // the abort to arrive before the reap could finish on its own.
  const deleted = await store.reap({ pageSize: 10, readBudget: 2, signal: controller.signal });
  const last = reports[reports.length - 1];
  assert.equal(last.cancelled, true);
  assert.ok(deleted > 0 && deleted < 100, `${deleted} deleted`);
  assert.equal(last.deleted, deleted);
  assert.equal(await countItems(store), 100 - deleted);
});

test('clear with options, and bad options refused', async (t) => {
  const store = await openStore(t);
  await seedExpired(store, 30);
  await store.set('live', { cookie: { maxAge: 60000 } });
  assert.equal(await store.clear({ pageSize: 7 }), 31);
  await assert.rejects(store.reap({ segments: 0 }), { code: 'CDYN_EINVAL' });
  await assert.rejects(store.reap({ readBudget: 'fast' }), { code: 'CDYN_EINVAL' });
  await assert.rejects(store.reap({ pageSize: 1.5 }), { code: 'CDYN_EINVAL' });
  assert.equal(await store.reap(), 0);
});
