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

// connect-dynamodb's names for cdyn_billing_mode.
const BILLING_MODES = { PROVISIONED: 0, PAY_PER_REQUEST: 1 };

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
// async providers that cannot be read here: pass their settings instead.
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

function specialKeys(keys) {
  if (keys === undefined || keys === null) return undefined;
  if (!Array.isArray(keys)) throw invalid('specialKeys must be an array of {name, type}');
  return keys.map((key, i) => {
    if (!isObject(key)) throw invalid(`specialKeys[${i}] must be {name, type}`);
    return { name: string(key.name, `specialKeys[${i}].name`), type: string(key.type, `specialKeys[${i}].type`) };
  });
}

// Returns {native, reapInterval}: `native` for the addon's Store, and the
// settings the JavaScript layer itself acts on.
function parseOptions(options) {
  if (options === undefined || options === null) options = {};
  if (!isObject(options)) throw invalid('object: the store options must be an object');

  let aws = { region: undefined };
  if (options.client !== undefined && options.client !== null) aws = clientConfig(options.client);
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
    readCapacityUnits: count(options.readCapacityUnits, 'readCapacityUnits'),
    writeCapacityUnits: count(options.writeCapacityUnits, 'writeCapacityUnits'),
    billingMode,
    createTable: negated(boolean(options.initialized, 'initialized')),
    consistentReads: boolean(options.consistentRead, 'consistentRead'),
    connectTimeoutMs: count(options.connectTimeout, 'connectTimeout'),
    requestTimeoutMs: count(options.requestTimeout, 'requestTimeout'),
    maxAttempts: count(options.maxAttempts, 'maxAttempts'),
    specialKeys: specialKeys(options.specialKeys),
    skipMissingSpecialKeys: boolean(options.skipThrowMissingSpecialKeys, 'skipThrowMissingSpecialKeys'),
  };
  return { native, reapInterval };
}

module.exports = { parseOptions };
