'use strict';

// Mocha's describe/it/before/after/beforeEach/afterEach over node:test, so
// that test files written for connect-dynamodb (mocha, callbacks taking
// `done`) run here unchanged without npm. A function that takes an
// argument gets mocha's `done(error)`; one that returns a promise is
// awaited; a `this.timeout(ms)` inside is accepted and ignored.

const nodeTest = require('node:test');

const context = { timeout() {}, slow() {}, retries() {} };

function adapt(fn) {
  if (typeof fn !== 'function') return fn;
  return () => new Promise((resolve, reject) => {
    let result;
    const done = (error) => (error ? reject(error) : resolve());
    try {
      result = fn.length >= 1 ? fn.call(context, done) : fn.call(context);
    } catch (error) {
      reject(error);
      return;
    }
    if (fn.length < 1) Promise.resolve(result).then(() => resolve(), reject);
  });
}

module.exports = {
  describe: (name, fn) => nodeTest.describe(name, () => fn.call(context)),
  it: (name, fn) => nodeTest.it(name, adapt(fn)),
  before: (fn) => nodeTest.before(adapt(fn)),
  after: (fn) => nodeTest.after(adapt(fn)),
  beforeEach: (fn) => nodeTest.beforeEach(adapt(fn)),
  afterEach: (fn) => nodeTest.afterEach(adapt(fn)),
};
