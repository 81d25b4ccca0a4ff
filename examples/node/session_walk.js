'use strict';

// A session's life in connect-dynamo, driven by hand the way
// express-session drives it: set, get, touch, list, destroy.
//
//   npm install && node session_walk.js        (in examples/node)
//   make -C bindings/node example              (starts a local DynamoDB)
//
// DynamoDB: DYNAMODB_ENDPOINT or CDYN_TEST_ENDPOINT for a local one (with
// dummy credentials), else AWS with the usual credentials and region.

const { EventEmitter, once } = require('node:events');
const connectDynamo = require('connect-dynamo');

// express-session's Store would be passed here: require('connect-dynamo')({ session }).
// This walk needs no express, so it passes a bare stand-in.
class Store extends EventEmitter {}
const DynamoDBStore = connectDynamo({ Store });

const endpoint = process.env.DYNAMODB_ENDPOINT || process.env.CDYN_TEST_ENDPOINT;
const options = { table: 'connect-dynamo-example', reapInterval: 10 * 60 * 1000 };
if (endpoint) {
  options.AWSConfigJSON = { accessKeyId: 'local', secretAccessKey: 'local', region: 'us-east-1', endpoint };
}

async function main() {
  console.log(`libconnectdynamo ${connectDynamo.libraryVersion}`);
  const store = new DynamoDBStore(options);
  store.once('disconnect', (error) => {
    console.error(`cannot reach the table: ${error.code}: ${error.message}`);
    process.exit(1);
  });
  await once(store, 'connect');
  console.log(`table ${store.table} is ready`);

  const sid = 'walk-1';
  const session = { cookie: { originalMaxAge: 3600000, maxAge: 3600000, httpOnly: true, path: '/' }, views: 1 };
  await store.set(sid, session);
  console.log('set   ', sid, JSON.stringify(session));

  const loaded = await store.get(sid);
  loaded.views += 1;
  await store.set(sid, loaded);
  console.log('get   ', sid, `views=${loaded.views}`);

  await store.touch(sid, { cookie: { maxAge: 7200000 } });
  console.log('touch ', sid, 'expires in two hours');

  console.log('length', await store.length());
  console.log('ids   ', (await store.ids()).join(', '));

  await store.destroy(sid);
  console.log('destroy', sid, '->', await store.get(sid));

  // A callback works as well as a Promise; errors carry a code.
  store.set('bad', { no: 'cookie' }, (error) => {
    console.log('error ', error.code, error.message);
    store.close(() => console.log('closed'));
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
