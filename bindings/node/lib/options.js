'use strict';

// connect-dynamodb's option names mapped onto the fields of the C library's
// cdyn_store_options (by the names src/options.c reads), and the AWS SDK
// objects connect-dynamodb took read into plain settings. Nothing here
// restates a default or a rule of the library's: what the user did not set
// stays undefined (the library's default applies), and a value the library
// refuses fails in the constructor with the library's own CDYN_EINVAL
// message. Only type mismatches that the C fields cannot carry, and the
// settings this layer acts on itself (reapInterval), are checked here.

const fs = require('node:fs');
const { storeError } = require('./errors');
const { isSdkV3Client } = require('./sdk-client');

// connect-dynamodb's names for cdyn_billing_mode.
const BILLING_MODES = { PROVISIONED: 0, PAY_PER_REQUEST: 1 };
// console's method names for cdyn_log_level.
const LOG_LEVELS = { off: 0, error: 1, warn: 2, info: 3, debug: 4 };

function invalid(message) {
  return storeError('CDYN_EINVAL', `option ${message}`);
}

function isObject(value) {
  return value !== null && typeof value === 'object';
}

function string(value, name) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`${name} must be a string`);
  return value;
}

function count(value, name) {
  if (value === undefined || value === null) return undefined;
  if (!Number.isSafeInteger(value)) throw invalid(`${name} must be a whole number`);
  return value;
}

// connect-dynamodb reads capacities with parseInt(value, 10): '25' is 25.
function capacity(value, name) {
  if (typeof value === 'string') {
    const parsed = parseInt(value, 10);
    if (Number.isNaN(parsed)) throw invalid(`${name} must be a whole number`);
    return parsed;
  }
  return count(value, name);
}

function negated(flag) {
  return flag === undefined ? undefined : !flag;
}

function boolean(value, name) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(`${name} must be true or false`);
  return value;
}

// An endpoint as a string, a URL, or an SDK v2 AWS.Endpoint ({href}).
function endpoint(value, name) {
  if (value === undefined || value === null) return undefined;
  const text = typeof value === 'string' ? value : (isObject(value) ? value.href : undefined);
  if (typeof text !== 'string') throw invalid(`${name} must be a URL string, a URL or {href}`);
  return text;
}

// {accessKeyId, secretAccessKey, sessionToken, region, endpoint}: the shape
// of AWSConfigJSON and of the file at AWSConfigPath (AWS SDK v2's
// config.update / loadFromPath), also with SDK v3's nested `credentials`.
function awsConfig(config, name) {
  if (!isObject(config)) throw invalid(`${name} must be an object`);
  const credentials = isObject(config.credentials) ? config.credentials : config;
  const result = {
    region: string(config.region, `${name}.region`),
    endpoint: endpoint(config.endpoint, `${name}.endpoint`),
    accessKeyId: string(credentials.accessKeyId, `${name}.accessKeyId`),
    secretAccessKey: string(credentials.secretAccessKey, `${name}.secretAccessKey`),
    sessionToken: string(credentials.sessionToken, `${name}.sessionToken`),
  };
  return result;
}

function awsConfigFile(file) {
  if (typeof file !== 'string' || file === '') throw invalid('AWSConfigPath must be a file path');
  let config;
  try {
    config = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (cause) {
    throw storeError('CDYN_ECREDENTIALS',
      `cannot read AWSConfigPath ${file}: ${cause.message}`, { cause });
  }
  return awsConfig(config, 'AWSConfigPath');
}

// connect-dynamodb's `client` was an AWS SDK client. Its settings are read
// where SDK v2 keeps them (client.endpoint.href, client.config); a plain
// {endpoint, region, credentials} object works too. SDK v3 clients hold
// async providers: lib/sdk-client.js reads those.
function clientConfig(client) {
  if (!isObject(client)) throw invalid('client must be an object');
  const config = isObject(client.config) ? client.config : client;
  const pick = (value) => (typeof value === 'function' ? undefined : value);
  const result = awsConfig({
    region: pick(config.region) ?? pick(client.region),
    endpoint: pick(client.endpoint) ?? pick(config.endpoint),
    credentials: pick(config.credentials) ?? pick(client.credentials),
  }, 'client');
  if (Object.values(result).every((value) => value === undefined)) {
    throw invalid('client has no endpoint, region or credentials that can be read '
      + 'synchronously (an AWS SDK v3 client?): pass {endpoint, region, credentials}');
  }
  return result;
}

// `logger` (or `log`): a function, called (message, level), or an object
// with console's methods (error, warn, info, debug; else its log). The
// native layer calls log(level, message) with the library's lines.
function logFunction(logger) {
  if (logger === undefined || logger === null || logger === false) return undefined;
  if (typeof logger === 'function') return (level, message) => logger(`connect-dynamo: ${message}`, level);
  if (isObject(logger)) {
    return (level, message) => {
      const method = typeof logger[level] === 'function' ? logger[level] : logger.log;
      if (typeof method === 'function') method.call(logger, `connect-dynamo: ${message}`);
    };
  }
  throw invalid('logger must be a function or an object with warn/info/debug methods');
}

function logLevel(value) {
  if (value === undefined || value === null) return undefined;
  const level = LOG_LEVELS[value];
  if (level === undefined) throw invalid('logLevel must be one of off, error, warn, info, debug');
  return level;
}

function specialKeys(keys) {
  if (keys === undefined || keys === null) return undefined;
  if (!Array.isArray(keys)) throw invalid('specialKeys must be an array of {name, type}');
  return keys.map((key, i) => {
    if (!isObject(key)) throw invalid(`specialKeys[${i}] must be {name, type}`);
    return { name: string(key.name, `specialKeys[${i}].name`), type: string(key.type, `specialKeys[${i}].type`) };
  });
}

// encryptionKeys: [{id, key}], a Map or a plain object of id -> key, in
// order (the first encrypts); each key a Buffer/Uint8Array or base64 text.
// Only types are checked here: the library checks ids, lengths and
// duplicates. No message shows a key.
function encryptionKeys(ring) {
  if (ring === undefined || ring === null) return undefined;
  let pairs;
  if (ring instanceof Map) pairs = [...ring.entries()].map(([id, key]) => ({ id, key }));
  else if (Array.isArray(ring)) pairs = ring;
  else if (isObject(ring)) pairs = Object.entries(ring).map(([id, key]) => ({ id, key }));
  else throw invalid('encryptionKeys must be an array of {id, key}, a Map or an object');
  return pairs.map((pair, i) => {
    if (!isObject(pair)) throw invalid(`encryptionKeys[${i}] must be {id, key}`);
    let { key } = pair;
    if (typeof key === 'string') {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(key) || key.length % 4 !== 0) {
        throw invalid(`encryptionKeys[${i}]: the key is not base64`);
      }
      key = Buffer.from(key, 'base64');
    } else if (key instanceof Uint8Array) {
      key = Buffer.from(key);
    } else {
      throw invalid(`encryptionKeys[${i}]: the key must be a Buffer or base64 text`);
    }
    return { id: string(pair.id, `encryptionKeys[${i}].id`), key };
  });
}

const TOUCH_ALWAYS = -1;

// Node's 0 ("every touch writes") is the C API's CDYN_TOUCH_ALWAYS (its 0
// asks for the library's lazy default); any other whole number is the
// library's to judge.
function touchAfter(value) {
  if (value === undefined || value === null || value === 0) return TOUCH_ALWAYS;
  if (!Number.isSafeInteger(value)) {
    throw invalid('touchAfter must be a whole number of seconds (0: touch on every request)');
  }
  return value;
}

// A secret: a Buffer (or Uint8Array) as is, or base64 text decoded; its
// length is the library's to judge.
function secret(value, name) {
  if (value === undefined || value === null) return undefined;
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(value) && value.length % 4 === 0) {
    return Buffer.from(value, 'base64');
  }
  throw invalid(`${name} must be a Buffer or base64 text`);
}

// Returns {native, reapInterval, sdkClient}: `native` for the addon's
// Store, and what the JavaScript layer itself acts on (an SDK v3 client's
// settings are resolved before the store opens).
function parseOptions(options) {
  if (options === undefined || options === null) options = {};
  if (!isObject(options)) throw invalid('object: the store options must be an object');

  let aws = { region: undefined };
  const sdkClient = isSdkV3Client(options.client) ? options.client : undefined;
  if (sdkClient) aws = { region: undefined };
  else if (options.client !== undefined && options.client !== null) aws = clientConfig(options.client);
  else if (options.AWSConfigPath !== undefined && options.AWSConfigPath !== null) {
    aws = awsConfigFile(options.AWSConfigPath);
  } else if (options.AWSConfigJSON !== undefined && options.AWSConfigJSON !== null) {
    aws = awsConfig(options.AWSConfigJSON, 'AWSConfigJSON');
  }

  let billingMode;
  if (options.billingMode !== undefined && options.billingMode !== null) {
    billingMode = BILLING_MODES[options.billingMode];
    if (billingMode === undefined) throw invalid('billingMode must be PROVISIONED or PAY_PER_REQUEST');
  }
  // connect-dynamodb's reaper, run by this layer: off unless asked for.
  const reapInterval = options.reapInterval ?? 0;
  if (typeof reapInterval !== 'number' || !(reapInterval >= 0) || reapInterval > 2 ** 31 - 1) {
    throw invalid('reapInterval must be a number of milliseconds (0: off)');
  }

  const native = {
    table: string(options.table, 'table'),
    hashKey: string(options.hashKey, 'hashKey'),
    prefix: string(options.prefix, 'prefix'),
    region: aws.region ?? string(options.AWSRegion, 'AWSRegion'),
    endpoint: endpoint(options.endpoint, 'endpoint') ?? aws.endpoint,
    accessKeyId: aws.accessKeyId,
    secretAccessKey: aws.secretAccessKey,
    sessionToken: aws.sessionToken,
    profile: string(options.profile, 'profile'),
    caBundle: string(options.caBundle, 'caBundle'),
    readCapacityUnits: capacity(options.readCapacityUnits, 'readCapacityUnits'),
    writeCapacityUnits: capacity(options.writeCapacityUnits, 'writeCapacityUnits'),
    billingMode,
    // connect-dynamodb tests `initialized` for truthiness.
    createTable: negated(options.initialized === undefined || options.initialized === null
      ? undefined : Boolean(options.initialized)),
    consistentReads: boolean(options.consistentRead, 'consistentRead'),
    connectTimeoutMs: count(options.connectTimeout, 'connectTimeout'),
    requestTimeoutMs: count(options.requestTimeout, 'requestTimeout'),
    maxAttempts: count(options.maxAttempts, 'maxAttempts'),
    maxConnections: count(options.maxConnections, 'maxConnections'),
    specialKeys: specialKeys(options.specialKeys),
    skipMissingSpecialKeys: boolean(options.skipThrowMissingSpecialKeys, 'skipThrowMissingSpecialKeys'),
    log: logFunction(options.logger ?? options.log),
    // Which lines reach the logger: the library's default (warnings and
    // errors) unless set.
    logLevel: logLevel(options.logLevel),
    // connect-dynamodb's unconditional saves instead of versioned ones
    lastWriterWins: boolean(options.lastWriterWins, 'lastWriterWins'),
    // connect-mongo's touchAfter (seconds): unset or 0, every touch writes,
    // as connect-dynamodb's do (the library's own default is lazy)
    touchAfterSeconds: touchAfter(options.touchAfter),
    // absolute lifetime from creation, in seconds (unset: none)
    maxAgeSeconds: count(options.maxAgeSeconds, 'maxAgeSeconds'),
    // opt-in zlib form of sessions this large (connect-dynamodb cannot read it)
    compressThresholdBytes: count(options.compressThreshold, 'compressThreshold'),
    // hashed ids (README "Threat model"); the secret as a Buffer or base64
    hashIds: boolean(options.hashIds, 'hashIds'),
    idHashSecret: secret(options.idHashSecret, 'idHashSecret'),
    readPlainIds: boolean(options.readPlainIds, 'readPlainIds'),
    // the user index: the session field holding the user id ('passport.user')
    userField: string(options.userField, 'userField'),
    userIndexName: string(options.userIndex, 'userIndex'),
    // opt-in encryption at rest: the key ring, the first key encrypting
    encryptionKeys: encryptionKeys(options.encryptionKeys),
  };
  return { native, reapInterval, sdkClient };
}

module.exports = { parseOptions };
