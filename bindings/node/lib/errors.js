'use strict';

// Errors of the binding's own making. They carry the same `.code` names as
// the library's (cdyn_error_name), so that callers test one set of codes:
// a bad argument is a TypeError with code 'CDYN_EINVAL', as from the addon.
function storeError(code, message, options) {
  const ErrorType = code === 'CDYN_EINVAL' ? TypeError : Error;
  const error = new ErrorType(`connect-dynamo: ${message}`, options);
  error.code = code;
  return error;
}

module.exports = { storeError };
