'use strict';

// The express-session store: a small subclass of the Store it is given,
// whose methods hand each call to the addon and shape the answer the way
// express-session (and connect-dynamodb's users) expect.

const native = require('./native');
const { parseOptions } = require('./options');
const { expiresOf } = require('./expiry');
const { clientSettings, credentialsProvider } = require('./sdk-client');
const { storeError } = require('./errors');
const { RecentReads } = require('./reads');

const RETRY_MIN_MS = 1000;
// cdyn_reap_target
const REAP_EXPIRED = 0;
const REAP_ALL = 1;
const RETRY_MAX_MS = 60 * 1000;

// Runs start(done) so that `callback` is called exactly once and never
// synchronously: a throw before the call was queued (bad input, closed
// store) is delivered on the next tick. Without a callback, a Promise.
// A callback that is not a function throws at once: ignoring it would turn
// the call into a Promise nobody awaits, whose rejection ends the process.
// Each start() must queue its native call as its last step.
function settle(callback, start) {
  if (callback !== undefined && typeof callback !== 'function') {
    throw storeError('CDYN_EINVAL', `the callback must be a function, not ${callback === null ? 'null' : typeof callback}`);
  }
  if (callback === undefined) {
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

// The session in stored JSON text, or null when it cannot be read: the
// library already reads a `sess` that is not a JSON object as no session
// (and logs it); one that JavaScript still cannot parse is no session too,
// with a process warning, so that one bad item fails neither every request
// carrying its cookie (HTTP 500) nor a whole all().
function parseSession(json, sid) {
  try {
    return JSON.parse(json);
  } catch (cause) {
    process.emitWarning(`connect-dynamo: session ${JSON.stringify(sid)} read as no session: `
      + `it is not valid JSON (${cause.message})`, 'ConnectDynamoWarning');
    return null;
  }
}

// An item in DynamoDB's attribute-value JSON: attributes already in that
// form ({S: ...}, {N: ...}, ...) as they are, plain values typed as the
// document client would (string S, number N, boolean BOOL, Buffer B).
const ATTRIBUTE_TYPES = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS']);
function attributeValues(item) {
  const typed = {};
  for (const [name, value] of Object.entries(item)) {
    if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
      const keys = Object.keys(value);
      if (keys.length === 1 && ATTRIBUTE_TYPES.has(keys[0])) {
        typed[name] = value;
        continue;
      }
    }
    if (typeof value === 'string') typed[name] = { S: value };
    else if (typeof value === 'number') typed[name] = { N: String(value) };
    else if (typeof value === 'boolean') typed[name] = { BOOL: value };
    else if (Buffer.isBuffer(value)) typed[name] = { B: value.toString('base64') };
  }
  return typed;
}

// A DynamoDBClient of the AWS SDK v3 for the resolved settings, or null
// when the SDK cannot be required.
function sdkClientFor({ region, endpoint }) {
  let sdk;
  try {
    // eslint-disable-next-line global-require
    sdk = require('@aws-sdk/client-dynamodb');
  } catch {
    return null;
  }
  return new sdk.DynamoDBClient({ region, endpoint });
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
    // null until the store opens: at once, or once an SDK v3 client's
    // settings have resolved.
    #handle = null;
    // While an SDK v3 client's settings resolve: settles when the store
    // has opened or failed to (#openError).
    #opening = null;
    #openError = null;
    #closedEarly = false;
    // The table check has succeeded (connect-dynamodb's `initialized`).
    #tableReady = false;
    // What the library made of the options (cdyn_store_info): defaults
    // applied, region and endpoint resolved, no secret.
    #info = null;
    #given;
    #client;
    #reaper = null;
    #reaping = false;
    #retry = null;
    #reads = new RecentReads();

    constructor(options) {
      const { native: settings, reapInterval, sdkClient } = parseOptions(options);
      super(options);
      this.#given = options || {};
      this.#client = this.#given.client ?? undefined;
      if (sdkClient) {
        // The constructor stays synchronous: calls made meanwhile wait.
        this.#opening = clientSettings(sdkClient).then((resolved) => {
          if (this.#closedEarly) throw storeError('CDYN_ECLOSED', 'the store was closed');
          this.#open({
            ...settings,
            region: settings.region ?? resolved.region,
            endpoint: settings.endpoint ?? resolved.endpoint,
            credentialsProvider: credentialsProvider(sdkClient),
          });
        }).catch((error) => {
          this.#openError = error && typeof error === 'object' && error.code ? error
            : storeError('CDYN_ECREDENTIALS', `the client's settings could not be resolved: ${
              (error && error.message) || error}`, { cause: error });
          if (!this.#closedEarly) this.emit('disconnect', this.#openError);
        });
      } else {
        this.#open(settings);
      }
      if (reapInterval > 0) {
        this.#reaper = setInterval(() => this.#reapInBackground(), reapInterval);
        this.#reaper.unref();
      }
    }

    #open(settings) {
      this.#handle = new native.Store(settings);
      this.#info = Object.freeze(this.#handle.info());
      if (this.#info.createTable) this.#watchTable(0);
      else process.nextTick(() => this.#handle.closed || this.emit('connect'));
    }

    // Runs use(handle) now, or once the store has opened; a failure to
    // open reaches `done`. A throw from use() reaches settle's caller (now)
    // or `done` (later).
    #withHandle(done, use) {
      if (this.#handle) return use(this.#handle);
      if (this.#openError) throw this.#openError;
      if (this.#closedEarly || !this.#opening) throw storeError('CDYN_ECLOSED', 'the store is closed');
      this.#opening.then(() => {
        try {
          if (this.#openError || !this.#handle) return done(this.#openError);
          return use(this.#handle);
        } catch (error) {
          return done(error);
        }
      });
      return undefined;
    }

    // express-session stops using a store between 'disconnect' and
    // 'connect'. The table check (and creation) runs at once, and again
    // with backoff after a failure, so that an outage at start-up ends.
    // Calls made meanwhile get the failure in their callbacks.
    #watchTable(attempt) {
      this.#handle.ensureTable((error) => {
        if (this.#handle.closed) return;
        if (!error) this.#tableReady = true;
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
      if (this.#reaping || this.closed) return;
      this.#reaping = true;
      this.reap((error, count) => {
        this.#reaping = false;
        this.emit('reap', error, count);
      });
    }

    get(sid, callback) {
      return settle(callback, (done) => this.#withHandle(done, (handle) => handle.get(sid, (error, json, expires, version) => {
        // express-session: no session is (null, null), not an error.
        if (error) return done(error.code === 'CDYN_ENOTFOUND' ? null : error, null);
        const session = parseSession(json, sid);
        if (session !== null) this.#reads.remember(sid, json, version, expires, session);
        return done(null, session);
      })));
    }

    // A versioned save: written only if the session is still what this
    // request read, else this request's changes are merged onto the newer
    // session (see the library's cdyn_save). A session destroyed meanwhile
    // (a logout) is not written back, and that is no error: the request
    // had nothing left to save. With `lastWriterWins`, connect-dynamodb's
    // unconditional put.
    set(sid, session, callback) {
      return settle(callback, (done) => this.#withHandle(done, (handle) => {
        const json = sessionJSON(session);
        const read = this.#reads.take(sid, session);
        this.#save(handle, sid, json, expiresOf(session), read, done);
      }));
    }

    #save(handle, sid, json, expires, read, done) {
      handle.save(sid, json, expires, read ? read.json : null, read ? read.version : 0, (error) => {
        if (!error) return done(null);
        if (error.code === 'CDYN_ENOTFOUND') return done(null);
        if (error.code === 'CDYN_ECONDITION' && read === null) {
          // Saved without a read of this process (a read too old to keep,
          // or a set of an existing id called directly): the session there
          // is replaced, still never brought back once gone.
          return settle(done, (next) => handle.get(sid, (readError, current, currentExpires, version) => {
            if (readError) return next(readError.code === 'CDYN_ENOTFOUND' ? null : readError);
            return settle(next, (last) => handle.save(sid, json, expires, current, version,
              (saveError) => last(saveError && saveError.code !== 'CDYN_ENOTFOUND' ? saveError : null)));
          }));
        }
        return done(error);
      });
    }

    // Moves the expiry only; never creates an item. A session that is gone
    // (destroyed, expired) has nothing to touch: that is not an error,
    // since express-session touches on every request that did not save.
    // Calls back (null, {expires}) as connect-dynamodb does.
    touch(sid, session, callback) {
      return settle(callback, (done) => this.#withHandle(done, (handle) => {
        const expires = this.getExpiresValue(checkSession(session));
        const read = this.#reads.take(sid, session); // the request is over
        const finish = (error) => (error && error.code !== 'CDYN_ENOTFOUND'
          ? done(error) : done(null, { expires }));
        // With touchAfter, a touch gaining less than that over the expiry
        // get saw writes nothing (the library's lazy touch).
        if (read && read.expires > 0) handle.touchLazy(sid, expires, read.expires, finish);
        else handle.touch(sid, expires, finish);
      }));
    }

    destroy(sid, callback) {
      return settle(callback, (done) => this.#withHandle(done, (handle) => handle.destroy(sid, (error) => done(error))));
    }

    // Every live session, as an array; each carries its id as a
    // non-enumerable `id` (so saving it back does not store the id). An
    // item that is not a readable session is left out, not an error.
    all(callback) {
      return settle(callback, (done) => this.#withHandle(done, (handle) => handle.all((error, items) => {
        if (error) return done(error, null);
        const sessions = [];
        for (const { id, data } of items) {
          const session = parseSession(data, id);
          if (session === null || typeof session !== 'object') continue;
          Object.defineProperty(session, 'id', { value: id, configurable: true, writable: true });
          sessions.push(session);
        }
        return done(null, sessions);
      })));
    }

    length(callback) {
      return settle(callback, (done) => this.#withHandle(done, (handle) => handle.length(done)));
    }

    ids(callback) {
      return settle(callback, (done) => this.#withHandle(done, (handle) => handle.ids(done)));
    }

    // The user's live sessions through the user index (option userField):
    // calls back (err, [{id, expires}]), `id` the session id, or with
    // hashIds the hashed key (the table holds no id); `expires` epoch
    // seconds (0: none). The index is eventually consistent.
    userSessions(user, callback) {
      return settle(callback, (done) => this.#withHandle(done, (handle) => handle.userSessions(user,
        (error, items) => {
          if (error) return done(error, null);
          return done(null, items.map(({ id, expires }) => ({ id, expires })));
        })));
    }

    // Log out everywhere: deletes all of the user's sessions of this
    // prefix (and no one else's); calls back (err, count).
    destroyUserSessions(user, callback) {
      return settle(callback, (done) => this.#withHandle(done, (handle) => handle.destroyUserSessions(user, done)));
    }

    // Deletes every session of this store's prefix; calls back (err, count).
    // Takes reap's options.
    clear(options, callback) {
      if (options === undefined || typeof options === 'function') {
        return settle(options, (done) => this.#withHandle(done, (handle) => handle.clear(done)));
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
        return settle(options, (done) => this.#withHandle(done, (handle) => handle.reap(done)));
      }
      return this.#sweep(REAP_EXPIRED, options, callback);
    }

    #sweep(target, options, callback) {
      return settle(callback, (done) => this.#withHandle(done, (handle) => {
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
        handle.reapRun({
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
      }));
    }

    // Re-encrypts every live session not yet under the first key of
    // encryptionKeys (older keys, and sessions in the clear), one
    // conditional write each; { readBudget, writeBudget } in capacity units
    // per second (unset: no limit). Calls back (err, count re-encrypted).
    reencrypt(options, callback) {
      if (typeof options === 'function' || options === undefined) [options, callback] = [{}, options];
      return settle(callback, (done) => this.#withHandle(done, (handle) => {
        if (options === null || typeof options !== 'object') {
          throw storeError('CDYN_EINVAL', 'reencrypt options must be an object');
        }
        handle.reencrypt(options.readBudget ?? 0, options.writeBudget ?? 0, done);
      }));
    }

    // Stops the reaper, completes calls in flight with CDYN_ECLOSED and
    // releases the store; later calls fail with CDYN_ECLOSED. Idempotent.
    close(callback) {
      return settle(callback, (done) => {
        clearInterval(this.#reaper);
        clearTimeout(this.#retry);
        const wasOpen = !this.closed;
        this.#closedEarly = true;
        if (this.#handle) this.#handle.close();
        if (wasOpen) this.emit('disconnect');
        process.nextTick(done, null);
      });
    }

    // connect-dynamodb's initialize(): describeSessionsTable(), and
    // createSessionsTable() when the table is missing; then, beyond
    // connect-dynamodb, waits for ACTIVE and enables TTL on `expires` for
    // a table it created. `initialized` is true afterwards.
    async initialize() {
      let created = false;
      let createError = null;
      try {
        await this.describeSessionsTable();
      } catch (error) {
        if (!error || error.code !== 'CDYN_ENOTABLE') throw error;
        try {
          await this.createSessionsTable();
          created = true;
        } catch (failure) {
          // Someone else may have created it meanwhile (this store's own
          // check, another process): fine if the table now stands.
          createError = failure;
        }
      }
      try {
        await this.#call((handle, done) => handle.ensureTable(done));
      } catch (error) {
        throw createError || error;
      }
      if (created) await this.#call((handle, done) => handle.enableTtl(done));
      this.#tableReady = true;
    }

    // DynamoDB's DescribeTable answer ({Table: {...}}); rejects with
    // CDYN_ENOTABLE when the table does not exist.
    describeSessionsTable() {
      return this.#call((handle, done) => handle.describeTable(
        (error, json) => done(error, error ? undefined : JSON.parse(json))));
    }

    // Sends CreateTable (hashKey as the HASH key, the store's billing and
    // capacities); resolves to DynamoDB's answer ({TableDescription}).
    createSessionsTable() {
      return this.#call((handle, done) => handle.createTable(
        (error, json) => done(error, error ? undefined : JSON.parse(json))));
    }

    // A Promise of one native call, once the store is open.
    #call(start) {
      return settle(undefined, (done) => this.#withHandle(done, (handle) => start(handle, done)));
    }

    // connect-dynamodb's flag: the table is known to be there (checked, or
    // the `initialized` option said so).
    get initialized() {
      if (this.#tableReady) return true;
      if (this.#info) return !this.#info.createTable;
      return Boolean(this.#given.initialized);
    }

    // connect-dynamodb's getParsedSession: the session in a GetItem
    // output {Item}, or null when the item holds none by the library's rule
    // (cdyn_item_session: this store's key, a `sess` that is a JSON object,
    // not expired, not past maxAgeSeconds). Takes the SDK's attribute-value
    // form ({sess: {S}, expires: {N}}) or plain values.
    getParsedSession(output) {
      const item = output && output.Item;
      if (!item || typeof item !== 'object' || !this.#handle) return null;
      const found = this.#handle.itemSession(JSON.stringify(attributeValues(item)));
      return found === null ? null : parseSession(found[0], 'of the item');
    }

    // connect-dynamodb's name for stopping the reap timer.
    clearInterval() {
      clearInterval(this.#reaper);
      this.#reaper = null;
    }

    // connect-dynamodb's expiry of a session, in epoch seconds: now +
    // cookie.maxAge, else now + the library's default TTL (one day unless
    // changed), which express-session's "no maxAge" case gets.
    getExpiresValue(session, now = Date.now()) {
      return expiresOf(session, now) || Math.floor(now / 1000) + this.defaultTtlSeconds;
    }

    // The library's default TTL in seconds (what a session without
    // cookie.maxAge lives); undefined until an SDK v3 client's settings
    // have resolved.
    get defaultTtlSeconds() {
      return this.#info ? this.#info.defaultTtlSeconds : undefined;
    }

    // The library's counters, and how many calls are in flight.
    // Throws CDYN_ECLOSED once closed.
    stats() {
      if (!this.#handle) throw this.#openError || storeError('CDYN_ECLOSED', 'the store is not open yet');
      return { ...this.#handle.stats(), inFlight: this.#handle.inFlight };
    }

    get closed() {
      return this.#handle ? this.#handle.closed : this.#closedEarly;
    }

    // The client given in the options (connect-dynamodb's `client`). When
    // none was, and @aws-sdk/client-dynamodb can be required, one made on
    // first read from the settings the library resolved (region, endpoint;
    // credentials from the SDK's own chain), for code that sends its own
    // commands as connect-dynamodb's users could; else undefined. The store
    // itself never sends through it.
    get client() {
      if (this.#client === undefined && this.#info) this.#client = sdkClientFor(this.#info);
      return this.#client ?? undefined;
    }

    // As connect-dynamodb exposes them (read-only here), as the library
    // runs with them; while an SDK v3 client's settings resolve, as given.
    get table() {
      return this.#info ? this.#info.table : this.#given.table;
    }

    get hashKey() {
      return this.#info ? this.#info.hashKey : this.#given.hashKey;
    }

    get prefix() {
      return this.#info ? this.#info.prefix : this.#given.prefix;
    }

    get readCapacityUnits() {
      return this.#info ? this.#info.readCapacityUnits : this.#given.readCapacityUnits;
    }

    get writeCapacityUnits() {
      return this.#info ? this.#info.writeCapacityUnits : this.#given.writeCapacityUnits;
    }

    get specialKeys() {
      return this.#given.specialKeys ?? [];
    }

    get skipThrowMissingSpecialKeys() {
      return Boolean(this.#given.skipThrowMissingSpecialKeys);
    }

    get reapInterval() {
      return this.#given.reapInterval;
    }

    // Every effective setting: {table, hashKey, prefix, region, endpoint,
    // defaultTtlSeconds, readCapacityUnits, ...}; never a secret. null
    // while an SDK v3 client's settings resolve.
    get settings() {
      return this.#info;
    }

    // What console.log and util.inspect show: where the sessions are.
    [Symbol.for('nodejs.util.inspect.custom')]() {
      if (!this.#info) return `DynamoDBStore { ${this.closed ? 'closed' : 'opening'} }`;
      const { table, prefix, region, endpoint } = this.#info;
      const state = this.#handle.closed ? 'closed' : 'open';
      return `DynamoDBStore { table: '${table}', prefix: '${prefix}', region: '${region}', `
        + `endpoint: '${endpoint}', ${state} }`;
    }
  }

  return DynamoDBStore;
}

module.exports = connectDynamo;
