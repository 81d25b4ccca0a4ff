'use strict';

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
  return Math.max(1, Math.ceil((now + maxAge) / 1000));
}

module.exports = { expiresOf };
