'use strict';

// connect-dynamo: a DynamoDB session store for express-session and
// Connect, used exactly like connect-dynamodb:
//
//   const session = require('express-session');
//   const DynamoDBStore = require('connect-dynamo')({ session });
//   app.use(session({ store: new DynamoDBStore(options), secret }));

const native = require('./lib/native');
const connectDynamo = require('./lib/store');

module.exports = connectDynamo;
// The version of libconnectdynamo in use, and of the header built against.
module.exports.libraryVersion = native.version;
module.exports.headerVersion = native.headerVersion;
// Flags of the C API's cdyn_set, for callers that pass them on.
module.exports.SET_CREATE_ONLY = native.SET_CREATE_ONLY;
module.exports.SET_UPDATE_ONLY = native.SET_UPDATE_ONLY;
