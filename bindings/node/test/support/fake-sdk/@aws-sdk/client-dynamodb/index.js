'use strict';

// Stands in for @aws-sdk/client-dynamodb when a test puts fake-sdk/ on
// NODE_PATH (no SDK can be installed here): its DynamoDBClient is the
// shape double, recording the settings it was made with.
const { DynamoDBClient: Double } = require('../../../sdk-v3-double');

class DynamoDBClient extends Double {
  constructor(settings = {}) {
    super(settings);
    this.settings = settings;
  }
}

module.exports = { DynamoDBClient };
