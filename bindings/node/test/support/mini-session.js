'use strict';

// A small stand-in for express-session, which cannot be installed here. It
// reproduces what a store sees from express-session: its Store base class
// (regenerate, load, createSession on an EventEmitter), its Cookie (maxAge
// as a live countdown, toJSON), its Session (save, reload, destroy,
// regenerate, touch) and the middleware's request cycle - load the session
// named by a signed cookie, or generate one; at the end of the response
// save it when it changed, else touch it; issue the cookie; stop using the
// store between 'disconnect' and 'connect'.

const crypto = require('node:crypto');
const { EventEmitter } = require('node:events');

class Cookie {
  constructor(options) {
    this.path = '/';
    this.maxAge = null;
    this.httpOnly = true;
    if (options) {
      if (typeof options !== 'object') throw new TypeError('cookie options must be an object');
      for (const key of Object.keys(options)) this[key] = options[key];
    }
    if (this.originalMaxAge === undefined || this.originalMaxAge === null) {
      this.originalMaxAge = this.maxAge;
    }
  }

  set expires(date) {
    this._expires = date;
    this.originalMaxAge = this.maxAge;
  }

  get expires() {
    return this._expires;
  }

  // Milliseconds left, counting down: what the store reads to set expiry.
  set maxAge(ms) {
    this.expires = typeof ms === 'number' ? new Date(Date.now() + ms) : ms;
  }

  get maxAge() {
    return this.expires instanceof Date ? this.expires.valueOf() - Date.now() : this.expires;
  }

  get data() {
    return {
      originalMaxAge: this.originalMaxAge,
      expires: this._expires,
      secure: this.secure,
      httpOnly: this.httpOnly,
      domain: this.domain,
      path: this.path,
      sameSite: this.sameSite,
    };
  }

  toJSON() {
    return this.data;
  }

  serialize(name, value) {
    let text = `${name}=${encodeURIComponent(value)}; Path=${this.path}`;
    if (this._expires instanceof Date) text += `; Expires=${this._expires.toUTCString()}`;
    if (this.httpOnly) text += '; HttpOnly';
    return text;
  }
}

class Session {
  constructor(req, data) {
    Object.defineProperty(this, 'req', { value: req });
    Object.defineProperty(this, 'id', { value: req.sessionID });
    if (data !== null && typeof data === 'object') {
      for (const key of Object.keys(data)) if (!(key in this)) this[key] = data[key];
    }
  }

  touch() {
    this.cookie.maxAge = this.cookie.originalMaxAge;
    return this;
  }

  save(fn) {
    this.req.sessionStore.set(this.id, this, fn || (() => {}));
    return this;
  }

  reload(fn) {
    const { req } = this;
    const store = req.sessionStore;
    store.get(this.id, (err, sess) => {
      if (err) return fn(err);
      if (!sess) return fn(new Error('failed to load session'));
      store.createSession(req, sess);
      return fn();
    });
    return this;
  }

  destroy(fn) {
    delete this.req.session;
    this.req.sessionStore.destroy(this.id, fn);
    return this;
  }

  regenerate(fn) {
    this.req.sessionStore.regenerate(this.req, fn);
    return this;
  }
}

// The abstract Store, as express-session exports it.
class Store extends EventEmitter {
  regenerate(req, fn) {
    this.destroy(req.sessionID, (err) => {
      this.generate(req);
      fn(err);
    });
  }

  load(sid, fn) {
    this.get(sid, (err, sess) => {
      if (err) return fn(err);
      if (!sess) return fn();
      let session = null;
      let error = null;
      try {
        session = this.createSession({ sessionID: sid, sessionStore: this }, sess);
      } catch (e) {
        error = e;
      }
      return fn(error, session);
    });
  }

  createSession(req, sess) {
    const { expires, originalMaxAge } = sess.cookie;
    sess.cookie = new Cookie(sess.cookie);
    if (typeof expires === 'string') sess.cookie.expires = new Date(expires);
    sess.cookie.originalMaxAge = originalMaxAge;
    req.session = new Session(req, sess);
    return req.session;
  }
}

function sign(value, secret) {
  const mac = crypto.createHmac('sha256', secret).update(value).digest('base64url');
  return `s:${value}.${mac}`;
}

function unsign(raw, secret) {
  if (!raw || !raw.startsWith('s:')) return undefined;
  const value = raw.slice(2, raw.lastIndexOf('.'));
  const expected = sign(value, secret);
  const a = Buffer.from(expected);
  const b = Buffer.from(raw);
  return a.length === b.length && crypto.timingSafeEqual(a, b) ? value : undefined;
}

function readCookie(header, name) {
  for (const part of (header || '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) {
      return decodeURIComponent(part.slice(at + 1).trim());
    }
  }
  return undefined;
}

// Like express-session's hash(): the session without its cookie.
function hash(sess) {
  const text = JSON.stringify(sess, function replacer(key, value) {
    return this === sess && key === 'cookie' ? undefined : value;
  });
  return crypto.createHash('sha1').update(text).digest('hex');
}

// The middleware: session({store, secret, cookie, name, rolling}) with
// resave: false and saveUninitialized: false, the settings recommended by
// express-session's documentation.
function session({ store, secret, cookie: cookieOptions = {}, name = 'connect.sid', rolling = false }) {
  store.generate = (req) => {
    req.sessionID = crypto.randomBytes(18).toString('base64url');
    req.session = new Session(req);
    req.session.cookie = new Cookie(cookieOptions);
  };
  let storeReady = true;
  store.on('disconnect', () => { storeReady = false; });
  store.on('connect', () => { storeReady = true; });

  return function middleware(req, res, next) {
    if (req.session) return next();
    if (!storeReady) return next();
    req.sessionStore = store;
    const cookieId = unsign(readCookie(req.headers.cookie, name), secret);
    req.sessionID = cookieId;
    let originalId;
    let originalHash;
    let savedHash;

    const isModified = (sess) => originalId !== sess.id || originalHash !== hash(sess);
    const isSaved = (sess) => originalId === sess.id && savedHash === hash(sess);
    const shouldSave = () => (typeof req.sessionID === 'string'
      && (!savedHash && cookieId !== req.sessionID ? isModified(req.session) : !isSaved(req.session)));
    const shouldTouch = () => typeof req.sessionID === 'string'
      && cookieId === req.sessionID && !shouldSave();
    const shouldSetCookie = () => typeof req.sessionID === 'string' && (cookieId !== req.sessionID
      ? isModified(req.session)
      : rolling || (req.session.cookie.expires != null && isModified(req.session)));

    const wrap = (sess) => {
      const save = sess.save;
      Object.defineProperty(sess, 'save', {
        configurable: true,
        enumerable: false,
        writable: true,
        value(fn) {
          savedHash = hash(this);
          return save.call(this, fn);
        },
      });
    };
    const generate = () => {
      store.generate(req);
      originalId = req.sessionID;
      originalHash = hash(req.session);
      wrap(req.session);
    };
    const inflate = (sess) => {
      store.createSession(req, sess);
      originalId = req.sessionID;
      originalHash = hash(sess);
      savedHash = originalHash;
      wrap(req.session);
    };

    const end = res.end;
    let ended = false;
    res.end = function endWithSession(...args) {
      if (ended) return false;
      ended = true;
      const finish = (err) => {
        if (err) {
          res.statusCode = 500;
          return end.call(res, `store error: ${err.code}`);
        }
        return end.apply(res, args);
      };
      if (!req.session) return end.apply(res, args);
      req.session.touch();
      if (shouldSetCookie() && !res.headersSent) {
        res.setHeader('Set-Cookie', req.session.cookie.serialize(name, sign(req.sessionID, secret)));
      }
      if (shouldSave()) {
        req.session.save(finish);
      } else if (typeof store.touch === 'function' && shouldTouch()) {
        store.touch(req.sessionID, req.session, finish);
      } else {
        end.apply(res, args);
      }
      return true;
    };

    if (!req.sessionID) {
      generate();
      return next();
    }
    return store.get(req.sessionID, (err, sess) => {
      if (err && err.code !== 'ENOENT') return next(err);
      try {
        if (err || !sess) generate();
        else inflate(sess);
      } catch (e) {
        return next(e);
      }
      return next();
    });
  };
}

session.Store = Store;
session.Cookie = Cookie;
session.Session = Session;

module.exports = session;
