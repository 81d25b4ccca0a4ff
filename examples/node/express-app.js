'use strict';

// connect-dynamo as a drop-in for connect-dynamodb in an express app.
// Needs express and express-session (npm install express express-session):
// the only change from connect-dynamodb is the module name.
//
//   DYNAMODB_ENDPOINT=http://127.0.0.1:8000 node express-app.js

const express = require('express');
const session = require('express-session');
const DynamoDBStore = require('connect-dynamo')({ session });

const endpoint = process.env.DYNAMODB_ENDPOINT;
const store = new DynamoDBStore({
  table: 'sessions',
  // A local DynamoDB; leave out for AWS (credentials from the environment).
  ...(endpoint && {
    AWSConfigJSON: { accessKeyId: 'local', secretAccessKey: 'local', region: 'us-east-1', endpoint },
  }),
  reapInterval: 0, // DynamoDB's TTL on `expires` deletes expired sessions
});

const app = express();
app.use(session({
  store,
  secret: process.env.SESSION_SECRET || 'keyboard cat',
  resave: false,
  saveUninitialized: false,
  cookie: { maxAge: 24 * 60 * 60 * 1000 },
}));

app.get('/', (req, res) => {
  req.session.views = (req.session.views || 0) + 1;
  res.send(`views: ${req.session.views}\n`);
});

app.get('/logout', (req, res, next) => {
  req.session.destroy((error) => (error ? next(error) : res.send('bye\n')));
});

const server = app.listen(process.env.PORT || 3000, () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => store.close()));
