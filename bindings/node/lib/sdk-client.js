'use strict';

// An AWS SDK for JavaScript v3 client (connect-dynamodb 3.x's `client`)
// keeps its settings in async providers: config.region(),
// config.endpoint() (-> {protocol, hostname, port, path}; absent for the
// region's own endpoint) and config.credentials() (-> {accessKeyId,
// secretAccessKey, sessionToken, expiration: Date}). Region and endpoint
// are read once, before the store opens; credentials are asked for by the
// library itself (the C API's credentials callback), at first use and
// again before each answer's expiration, so they renew as the SDK's do.

function isSdkV3Client(client) {
  return client !== null && typeof client === 'object'
    && client.config !== null && typeof client.config === 'object'
    && (typeof client.config.region === 'function' || typeof client.config.credentials === 'function');
}

// {protocol, hostname, port, path} as the URL text the library parses.
function endpointURL(endpoint) {
  if (typeof endpoint === 'string') return endpoint;
  if (endpoint instanceof URL) return endpoint.href;
  if (endpoint === null || typeof endpoint !== 'object' || typeof endpoint.hostname !== 'string') {
    return undefined;
  }
  const protocol = String(endpoint.protocol || 'https').replace(/:?$/, ':');
  const host = endpoint.hostname.includes(':') && !endpoint.hostname.startsWith('[')
    ? `[${endpoint.hostname}]` : endpoint.hostname;
  const port = endpoint.port ? `:${endpoint.port}` : '';
  const path = endpoint.path && endpoint.path !== '/' ? endpoint.path : '';
  return `${protocol}//${host}${port}${path}`;
}

// Calls a provider that may be a value, a function or an async function.
async function provided(value, ...args) {
  return typeof value === 'function' ? value(...args) : value;
}

// Resolves to {region, endpoint} (either undefined when the client has
// none; the library's own resolution then applies). Rejects with the
// provider's error.
async function clientSettings(client) {
  const { config } = client;
  const region = await provided(config.region);
  // The SDK sets endpoint only for a custom one; its default endpoint is
  // the region's, which the library works out the same way.
  let endpoint;
  if (config.endpoint !== undefined && config.isCustomEndpoint !== false) {
    endpoint = endpointURL(await provided(config.endpoint));
  }
  return { region: typeof region === 'string' && region !== '' ? region : undefined, endpoint };
}

// The credentialsProvider the addon calls as provider(answer): one fresh
// lookup through the client's own provider per question (forceRefresh:
// the SDK's memoized providers would otherwise hand back what is about to
// expire), answered with epoch seconds.
function credentialsProvider(client) {
  const source = client.config.credentials;
  if (typeof source !== 'function') return undefined;
  return (answer) => {
    Promise.resolve()
      .then(() => source({ forceRefresh: true }))
      .then((credentials) => {
        if (credentials === null || typeof credentials !== 'object') {
          return answer('the client\'s credentials provider resolved to no credentials');
        }
        const { expiration } = credentials;
        const time = expiration instanceof Date ? expiration.getTime() : Number(expiration) || 0;
        return answer(null, {
          accessKeyId: credentials.accessKeyId,
          secretAccessKey: credentials.secretAccessKey,
          sessionToken: credentials.sessionToken,
          expiration: time > 0 ? Math.floor(time / 1000) : 0,
        });
      }, (error) => answer((error && error.message) || String(error)));
  };
}

module.exports = { isSdkV3Client, clientSettings, credentialsProvider, endpointURL };
