'use strict';

// Hundreds of calls in flight from one process, completing correctly,
// without blocking the event loop and without libuv's thread pool.

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const { test } = require('node:test');

const { openStore } = require('./support/env');

const N = 512;
const cookie = { originalMaxAge: 600000, maxAge: 600000 };

test(`${N} calls in flight at once all complete correctly`, async (t) => {
  const store = await openStore(t);
  const sets = [];
  for (let i = 0; i < N; i++) sets.push(store.set(`c${i}`, { cookie, i, tag: `v${i}` }));
  assert.ok(store.stats().inFlight >= N, `in flight: ${store.stats().inFlight}`);
  await Promise.all(sets);
  assert.equal(store.stats().inFlight, 0);

  const gets = [];
  for (let i = 0; i < N; i++) gets.push(store.get(`c${i}`));
  const peak = store.stats().inFlight;
  const sessions = await Promise.all(gets);
  assert.ok(peak >= N);
  sessions.forEach((sess, i) => assert.deepEqual([sess.i, sess.tag], [i, `v${i}`]));
  assert.equal(await store.length(), N);
});

test('the event loop keeps turning while calls are in flight', async (t) => {
  const { monitorEventLoopDelay } = require('node:perf_hooks');
  const store = await openStore(t);
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  let ticks = 0;
  const timer = setInterval(() => { ticks += 1; }, 5);
  const started = Date.now();
  const calls = [];
  for (let i = 0; i < N; i++) calls.push(store.set(`l${i}`, { cookie, i }));
  histogram.enable();
  await Promise.all(calls);
  histogram.disable();
  clearInterval(timer);
  const elapsed = Date.now() - started;
  // A blocked loop would show one long delay and no ticks meanwhile.
  assert.ok(histogram.max / 1e6 < 500, `max event-loop delay ${histogram.max / 1e6} ms`);
  if (elapsed > 100) assert.ok(ticks >= 5, `${ticks} timer ticks in ${elapsed} ms`);
});

// In a child process whose only libuv pool thread is blocked (opening a
// FIFO that nobody writes to yet): store calls still complete.
test('calls complete while libuv\'s thread pool is blocked (UV_THREADPOOL_SIZE=1)', async () => {
  const fs = require('node:fs');
  const os = require('node:os');
  const { execFileSync } = require('node:child_process');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdyn-pool-'));
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const env = path.join(__dirname, 'support', 'env.js');
  const script = `
    const fs = require('node:fs');
    const { DynamoDBStore, options } = require(${JSON.stringify(env)});
    let poolFree = false;
    // Occupies the only pool thread until a writer opens the FIFO.
    fs.open(${JSON.stringify(fifo)}, 'r', (err, fd) => { poolFree = true; fs.closeSync(fd); });
    const store = new DynamoDBStore(options());
    const failed = (e) => { console.log(JSON.stringify({ error: e.code })); process.exit(1); };
    store.once('disconnect', failed);
    store.once('connect', async () => {
      store.off('disconnect', failed);
      const calls = [];
      for (let i = 0; i < 300; i++) calls.push(store.set('p' + i, { cookie: {}, i }).then(() => store.get('p' + i)));
      const inFlight = store.stats().inFlight;
      const sessions = await Promise.all(calls);
      const ok = sessions.every((s, i) => s.i === i);
      console.log(JSON.stringify({ ok, inFlight, poolFree }));
      fs.closeSync(fs.openSync(${JSON.stringify(fifo)}, 'w'));
      store.close();
    });
  `;
  const child = spawn(process.execPath, ['-e', script], {
    env: { ...process.env, UV_THREADPOOL_SIZE: '1' },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const code = await new Promise((resolve) => child.on('close', resolve));
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(code, 0, err);
  assert.deepEqual(JSON.parse(out), { ok: true, inFlight: 300, poolFree: false });
});
