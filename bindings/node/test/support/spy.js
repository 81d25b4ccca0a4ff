'use strict';

// sinon.spy(object, 'method'), as much as connect-dynamodb's tests use:
// wraps the method, records each call's arguments in order; restore().
function spy(object, method, log = []) {
  const original = object[method];
  const calls = [];
  object[method] = function spied(...args) {
    calls.push(args);
    log.push(method);
    return original.apply(this, args);
  };
  return {
    get called() { return calls.length > 0; },
    get callCount() { return calls.length; },
    calls,
    restore() { object[method] = original; },
  };
}

module.exports = { spy };
