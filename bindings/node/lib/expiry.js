'use strict';

const { storeError } = require('./errors');

// The addon's bound on an expiry (src/store.c, get_expires): whole epoch
// seconds a double holds exactly, well inside the C API's int64.
const MAX_EXPIRES = 9.0e15;

// The session's expiry in epoch seconds, as connect-dynamodb computes it:
// now + cookie.maxAge when that is a number (express-session's Cookie
// gives the milliseconds left), else the default TTL. That default (one
// day, connect-dynamodb's) is the library's: 0 asks the C API for it.
// connect-dynamodb writes the fraction; the item format wants an integer,
// and rounding up means the item never expires before its cookie does.
// The caller has checked that `session.cookie` is an object.
function expiresOf(session, now = Date.now()) {
  const { maxAge } = session.cookie;
  if (typeof maxAge !== 'number' || !Number.isFinite(maxAge)) return 0;
  // 1, not 0: the C API reads 0 as "the default TTL", and a cookie that
  // expired before 1970 is simply expired.
  const expires = Math.max(1, Math.ceil((now + maxAge) / 1000));
  if (expires > MAX_EXPIRES) {
    throw storeError('CDYN_EINVAL', `cookie.maxAge out of range: ${maxAge} ms from now is past `
      + `the latest expiry the addon takes (${MAX_EXPIRES} epoch seconds)`);
  }
  return expires;
}

module.exports = { expiresOf, MAX_EXPIRES };
