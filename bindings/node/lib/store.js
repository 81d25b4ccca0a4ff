'use strict';

// The express-session store: a small subclass of the Store it is given,
// whose methods hand each call to the addon and shape the answer the way
// express-session (and connect-dynamodb's users) expect.

const native = require('./native');
const { parseOptions } = require('./options');
const { expiresOf } = require('./expiry');
const { storeError } = require('./errors');

const RETRY_MIN_MS = 1000;
// cdyn_reap_target
const REAP_EXPIRED = 0;
const REAP_ALL = 1;
const RETRY_MAX_MS = 60 * 1000;

// Runs start(done) so that `callback` is called exactly once and never
// synchronously: a throw before the call was queued (bad input, closed
// store) is delivered on the next tick. Without a callback, a Promise.
// Each start() must queue its native call as its last step.
function settle(callback, start) {
  if (typeof callback !== 'function') {
    return new Promise((resolve, reject) => {
      settle((error, value) => (error ? reject(error) : resolve(value)), start);
    });
  }
  try {
    start(callback);
  } catch (error) {
    process.nextTick(callback, error);
  }
  return undefined;
}

// The session as JSON text, refusing what express-session could not load
// back (Store#createSession reads session.cookie) or what cannot be
// serialized at all.
function sessionJSON(session) {
  checkSession(session);
  let json;
  try {
    json = JSON.stringify(session);
  } catch (cause) {
    throw storeError('CDYN_EINVAL', `the session cannot be serialized: ${cause.message}`, { cause });
  }
  if (typeof json !== 'string') throw storeError('CDYN_EINVAL', 'the session serializes to nothing');
  return json;
}

function checkSession(session) {
  if (session === null || typeof session !== 'object') {
    throw storeError('CDYN_EINVAL', 'the session must be an object');
  }
  if (session.cookie === null || typeof session.cookie !== 'object') {
    throw storeError('CDYN_EINVAL', 'the session has no cookie object');
  }
  return session;
}

// [error, session] from stored JSON text.
function parseSession(json, sid) {
  try {
    return [null, JSON.parse(json)];
  } catch (cause) {
    return [storeError('CDYN_EPROTOCOL', `session ${sid} is not valid JSON`, { cause }), null];
  }
}

function baseStore(connect) {
  const Store = connect && (connect.Store || (connect.session && connect.session.Store));
  if (typeof Store !== 'function') {
    throw new TypeError('connect-dynamo: pass express-session (or {session}), connect or '
      + 'express: something with a .Store or .session.Store');
  }
  return Store;
}

function connectDynamo(connect) {
  const Store = baseStore(connect);

  class DynamoDBStore extends Store {
    #handle;
    // What the library made of the options (cdyn_store_info): defaults
    // applied, region and endpoint resolved, no secret.
    #info;
    #reaper = null;
    #reaping = false;
    #retry = null;

    constructor(options) {
      const { native: settings, reapInterval } = parseOptions(options);
      super(options);
      this.#handle = new native.Store(settings);
      this.#info = Object.freeze(this.#handle.info());
      if (this.#info.createTable) this.#watchTable(0);
      else process.nextTick(() => this.#handle.closed || this.emit('connect'));
      if (reapInterval > 0) {
        this.#reaper = setInterval(() => this.#reapInBackground(), reapInterval);
        this.#reaper.unref();
      }
    }

    // express-session stops using a store between 'disconnect' and
    // 'connect'. The table check (and creation) runs at once, and again
    // with backoff after a failure, so that an outage at start-up ends.
    // Calls made meanwhile get the failure in their callbacks.
    #watchTable(attempt) {
      this.#handle.ensureTable((error) => {
        if (this.#handle.closed) return;
        if (!error) {
          this.emit('connect');
          return;
        }
        if (attempt === 0) this.emit('disconnect', error);
        const delay = Math.min(RETRY_MIN_MS * 2 ** attempt, RETRY_MAX_MS);
        this.#retry = setTimeout(() => this.#handle.closed || this.#watchTable(attempt + 1), delay);
        this.#retry.unref();
      });
    }

    #reapInBackground() {
      if (this.#reaping || this.#handle.closed) return;
      this.#reaping = true;
      this.reap((error, count) => {
        this.#reaping = false;
        this.emit('reap', error, count);
      });
    }

    get(sid, callback) {
      return settle(callback, (done) => this.#handle.get(sid, (error, json) => {
        // express-session: no session is (null, null), not an error.
        if (error) return done(error.code === 'CDYN_ENOTFOUND' ? null : error, null);
        const [parseError, session] = parseSession(json, sid);
        return done(parseError, session);
      }));
    }

    set(sid, session, callback) {
      return settle(callback, (done) => {
        const json = sessionJSON(session);
        this.#handle.set(sid, json, expiresOf(session), native.SET_DEFAULT,
          (error) => done(error));
      });
    }

    // Moves the expiry only; never creates an item. A session that is gone
    // (destroyed, expired) has nothing to touch: that is not an error,
    // since express-session touches on every request that did not save.
    touch(sid, session, callback) {
      return settle(callback, (done) => {
        const expires = expiresOf(checkSession(session));
        this.#handle.touch(sid, expires,
          (error) => done(error && error.code !== 'CDYN_ENOTFOUND' ? error : null));
      });
    }

    destroy(sid, callback) {
      return settle(callback, (done) => this.#handle.destroy(sid, (error) => done(error)));
    }

    // Every live session, as an array; each carries its id as a
    // non-enumerable `id` (so saving it back does not store the id).
    all(callback) {
      return settle(callback, (done) => this.#handle.all((error, items) => {
        if (error) return done(error, null);
        const sessions = [];
        for (const { id, data } of items) {
          const [parseError, session] = parseSession(data, id);
          if (parseError) return done(parseError, null);
          Object.defineProperty(session, 'id', { value: id, configurable: true, writable: true });
          sessions.push(session);
        }
        return done(null, sessions);
      }));
    }

    length(callback) {
      return settle(callback, (done) => this.#handle.length(done));
    }

    ids(callback) {
      return settle(callback, (done) => this.#handle.ids(done));
    }

    // Deletes every session of this store's prefix; calls back (err, count).
    // Takes reap's options.
    clear(options, callback) {
      if (options === undefined || typeof options === 'function') {
        return settle(options, (done) => this.#handle.clear(done));
      }
      return this.#sweep(REAP_ALL, options, callback);
    }

    // Deletes expired sessions (DynamoDB's TTL deletes them too, within
    // days); calls back (err, count). With options, the library's budgeted
    // reaper: { segments, readBudget, writeBudget (capacity units per
    // second), pageSize, dryRun (count, delete nothing), signal (an
    // AbortSignal: stop after the pages in flight) }; it emits
    // 'reapProgress' with the counts after every page and once more at the
    // end (finished: true), before the callback.
    reap(options, callback) {
      if (options === undefined || typeof options === 'function') {
        return settle(options, (done) => this.#handle.reap(done));
      }
      return this.#sweep(REAP_EXPIRED, options, callback);
    }

    #sweep(target, options, callback) {
      return settle(callback, (done) => {
        if (options === null || typeof options !== 'object') {
          throw storeError('CDYN_EINVAL', 'reap options must be an object');
        }
        // The library reads this flag after every page (see src/reap.c);
        // the completion callback below keeps it alive until then.
        const stop = new Int32Array(1);
        const { signal } = options;
        const onAbort = () => Atomics.store(stop, 0, 1);
        if (signal) {
          if (signal.aborted) onAbort();
          else signal.addEventListener('abort', onAbort, { once: true });
        }
        // Reports and the completion travel on different queues: the
        // callback waits for the final report, which a reap that ran sends.
        let finalSeen = false;
        let result = null;
        const finish = (error, count) => {
          if (signal) signal.removeEventListener('abort', onAbort);
          done(error, count);
        };
        const progress = (report) => {
          this.emit('reapProgress', report);
          if (!report.finished) return;
          finalSeen = true;
          if (result) finish(...result);
        };
        this.#handle.reapRun({
          target,
          dryRun: options.dryRun ? 1 : 0,
          segments: options.segments,
          readBudget: options.readBudget,
          writeBudget: options.writeBudget,
          pageSize: options.pageSize,
        }, progress, stop, (error, count) => {
          if (stop.length !== 1) return; // (never: keeps `stop` referenced)
          if (error || finalSeen) finish(error, count);
          else result = [error, count];
        });
      });
    }

    // Stops the reaper, completes calls in flight with CDYN_ECLOSED and
    // releases the store; later calls fail with CDYN_ECLOSED. Idempotent.
    close(callback) {
      return settle(callback, (done) => {
        clearInterval(this.#reaper);
        clearTimeout(this.#retry);
        const wasOpen = !this.#handle.closed;
        this.#handle.close();
        if (wasOpen) this.emit('disconnect');
        process.nextTick(done, null);
      });
    }

    // The library's counters, and how many calls are in flight.
    // Throws CDYN_ECLOSED once closed.
    stats() {
      return { ...this.#handle.stats(), inFlight: this.#handle.inFlight };
    }

    get closed() {
      return this.#handle.closed;
    }

    // As connect-dynamodb exposes them (read-only here), as the library
    // runs with them.
    get table() {
      return this.#info.table;
    }

    get hashKey() {
      return this.#info.hashKey;
    }

    get prefix() {
      return this.#info.prefix;
    }

    // Every effective setting: {table, hashKey, prefix, region, endpoint,
    // defaultTtlSeconds, readCapacityUnits, ...}; never a secret.
    get settings() {
      return this.#info;
    }

    // What console.log and util.inspect show: where the sessions are.
    [Symbol.for('nodejs.util.inspect.custom')]() {
      const { table, prefix, region, endpoint } = this.#info;
      const state = this.#handle.closed ? 'closed' : 'open';
      return `DynamoDBStore { table: '${table}', prefix: '${prefix}', region: '${region}', `
        + `endpoint: '${endpoint}', ${state} }`;
    }
  }

  return DynamoDBStore;
}

module.exports = connectDynamo;
