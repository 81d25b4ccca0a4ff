'use strict';

// A stand-in with the shape of AWS SDK for JavaScript v3's DynamoDBClient,
// as connect-dynamodb 3.x users pass it (no SDK can be installed here):
// `config` holds async providers - region(), endpoint() resolving to
// {protocol, hostname, port, path} (absent unless an endpoint was given),
// credentials() resolving to {accessKeyId, secretAccessKey, sessionToken,
// expiration: Date} - plus a send() and a middlewareStack that the store
// must not need. `credentials` may be an object, an Error (the provider
// rejects) or a function (n) => object|Error for the n-th lookup.
class DynamoDBClient {
  constructor({ region, endpoint, credentials } = {}) {
    this.lookups = [];
    this.sent = [];
    const url = endpoint === undefined ? undefined : new URL(endpoint);
    this.config = {
      region: async () => {
        if (region instanceof Error) throw region;
        return region;
      },
      isCustomEndpoint: url !== undefined,
      credentials: async (options) => {
        this.lookups.push(options);
        const next = typeof credentials === 'function' ? credentials(this.lookups.length) : credentials;
        if (next instanceof Error) throw next;
        return next;
      },
    };
    if (url !== undefined) {
      this.config.endpoint = async () => ({
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port === '' ? undefined : Number(url.port),
        path: url.pathname,
      });
    }
    this.middlewareStack = { add() {}, remove() {}, use() {} };
  }

  send(command) {
    this.sent.push(command);
    return Promise.reject(new Error('the SDK double sends nothing'));
  }

  destroy() {}
}

module.exports = { DynamoDBClient };
