// Type definitions for connect-dynamo: a DynamoDB session store for
// express-session and Connect, used like connect-dynamodb.
//
//   import session from 'express-session';
//   import connectDynamo = require('connect-dynamo');
//   const DynamoDBStore = connectDynamo({ session });
//   app.use(session({ store: new DynamoDBStore({ table: 'sessions' }), secret }));

declare namespace connectDynamo {
  /** Codes of the errors the store reports (`error.code`). */
  type ErrorCode =
    | 'CDYN_ERROR' | 'CDYN_EINVAL' | 'CDYN_ENOMEM' | 'CDYN_ENOTFOUND' | 'CDYN_ECONDITION'
    | 'CDYN_ETOOLARGE' | 'CDYN_ETHROTTLED' | 'CDYN_EVALIDATION' | 'CDYN_EAUTH'
    | 'CDYN_ECREDENTIALS' | 'CDYN_ENOTABLE' | 'CDYN_ENET' | 'CDYN_ETIMEOUT' | 'CDYN_ESERVER'
    | 'CDYN_EPROTOCOL' | 'CDYN_ECLOSED' | 'CDYN_EDEADLOCK' | 'CDYN_ELOAD';

  /** Every failure is an Error (a TypeError for CDYN_EINVAL) with a code. */
  interface StoreError extends Error {
    code: ErrorCode;
    /** The library's negative status, when the library reported it. */
    errno?: number;
  }

  /** AWS settings, as connect-dynamodb's AWSConfigJSON / AWSConfigPath. */
  interface AWSConfig {
    accessKeyId?: string;
    secretAccessKey?: string;
    sessionToken?: string;
    region?: string;
    endpoint?: string | URL | { href: string };
    /** AWS SDK v3 style, instead of the top-level keys. */
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  }

  /** A session field copied into a top-level attribute on every set. */
  interface SpecialKey {
    name: string;
    type: 'S' | 'N' | 'BOOL';
  }

  interface Options {
    /** Table name. Default 'sessions'. */
    table?: string;
    /** Partition key attribute. Default 'id'. */
    hashKey?: string;
    /** Put before every session id in the key. Default 'sess:'. */
    prefix?: string;
    /** Region when no config gives one. Default: AWS_REGION, AWS_DEFAULT_REGION, the profile's, 'us-east-1'. */
    AWSRegion?: string;
    /** AWS settings as an object. */
    AWSConfigJSON?: AWSConfig;
    /** A JSON file of AWS settings (read once, at construction). Wins over AWSConfigJSON. */
    AWSConfigPath?: string;
    /**
     * connect-dynamodb's client: its settings are read from an AWS SDK v2
     * client (endpoint.href, config) or from a plain object. Wins over the
     * config options. SDK v3 clients cannot be read: pass their settings.
     */
    client?: AWSConfig | { endpoint?: string | { href: string }; config?: AWSConfig };
    /** DynamoDB endpoint, e.g. a local one: 'http://127.0.0.1:8000'. Wins over every other source. */
    endpoint?: string | URL | { href: string };
    /** Provisioned capacity of a table this store creates. Default 5 and 5. */
    readCapacityUnits?: number;
    writeCapacityUnits?: number;
    /** 'PROVISIONED' (default) or 'PAY_PER_REQUEST' for a table this store creates. */
    billingMode?: 'PROVISIONED' | 'PAY_PER_REQUEST';
    /** Milliseconds between background reaps of expired sessions; 0 (default) is off. */
    reapInterval?: number;
    /** true: assume the table exists (no check, no creation). Default false. */
    initialized?: boolean;
    /** Session fields copied to top-level attributes. */
    specialKeys?: SpecialKey[];
    /** true: a session lacking a special key is written without it, instead of failing. */
    skipThrowMissingSpecialKeys?: boolean;
    /** Strongly consistent reads. Default true. */
    consistentRead?: boolean;
    /** Milliseconds. Defaults 3000 and 10000. */
    connectTimeout?: number;
    requestTimeout?: number;
    /** Attempts per request, retries included. Default 4. */
    maxAttempts?: number;
    /** A profile of the shared AWS files. Default: AWS_PROFILE, 'default'. */
    profile?: string;
    /** PEM file of trusted CAs. Default: the system's. */
    caBundle?: string;
  }

  /** A session as express-session stores it: any JSON, with its cookie. */
  interface SessionData {
    cookie: { maxAge?: number | null; originalMaxAge?: number | null; expires?: Date | string | null; [key: string]: unknown };
    [key: string]: any;
  }

  /** A stored session as `all` returns it: its id as a non-enumerable property. */
  type StoredSession = SessionData & { readonly id: string };

  type Callback<T = void> = (error: StoreError | null, value?: T) => void;

  interface Stats {
    operations: number;
    requests: number;
    attempts: number;
    retries: number;
    throttles: number;
    timeouts: number;
    /** Failed operations by code, for the codes that occurred. */
    errors: Partial<Record<ErrorCode, number>>;
    /** Calls queued and not yet called back. */
    inFlight: number;
  }

  /** What the library runs with (cdyn_store_info): defaults applied, region and endpoint resolved; never a secret. */
  interface Settings {
    readonly table: string;
    readonly hashKey: string;
    readonly prefix: string;
    readonly region: string;
    readonly endpoint: string;
    readonly defaultTtlSeconds: number;
    readonly consistentReads: boolean;
    readonly createTable: boolean;
    readonly billingMode: 'PROVISIONED' | 'PAY_PER_REQUEST';
    readonly readCapacityUnits: number;
    readonly writeCapacityUnits: number;
    /** Milliseconds. */
    readonly connectTimeout: number;
    /** Milliseconds. */
    readonly requestTimeout: number;
    readonly maxAttempts: number;
    readonly specialKeyCount: number;
    readonly explicitCredentials: boolean;
  }

  /** The methods the store adds to the Store it extends. */
  interface DynamoDBStoreMethods {
    /** The session, or null when there is none (or it expired). */
    get(sid: string, callback: (error: StoreError | null, session?: SessionData | null) => void): void;
    get(sid: string): Promise<SessionData | null>;
    set(sid: string, session: SessionData, callback: (error: StoreError | null) => void): void;
    set(sid: string, session: SessionData): Promise<void>;
    /** Moves the expiry of a live session; a session that is gone is no error and is not created. */
    touch(sid: string, session: SessionData, callback: (error: StoreError | null) => void): void;
    touch(sid: string, session: SessionData): Promise<void>;
    destroy(sid: string, callback: (error: StoreError | null) => void): void;
    destroy(sid: string): Promise<void>;
    all(callback: (error: StoreError | null, sessions?: StoredSession[] | null) => void): void;
    all(): Promise<StoredSession[]>;
    length(callback: (error: StoreError | null, length?: number) => void): void;
    length(): Promise<number>;
    ids(callback: (error: StoreError | null, ids?: string[]) => void): void;
    ids(): Promise<string[]>;
    /** Deletes every session of this prefix; the count of deleted items. */
    clear(callback: (error: StoreError | null, count?: number) => void): void;
    clear(): Promise<number>;
    clear(options: ReapOptions, callback: (error: StoreError | null, count?: number) => void): void;
    clear(options: ReapOptions): Promise<number>;
    /** Deletes expired sessions of this prefix; the count (on a dry run, how many would go). */
    reap(callback: (error: StoreError | null, count?: number) => void): void;
    reap(): Promise<number>;
    /** The budgeted reaper; emits 'reapProgress' after every page. */
    reap(options: ReapOptions, callback: (error: StoreError | null, count?: number) => void): void;
    reap(options: ReapOptions): Promise<number>;
    /** Completes calls in flight with CDYN_ECLOSED and releases the store. Idempotent. */
    close(callback: (error: StoreError | null) => void): void;
    close(): Promise<void>;
    /** The library's counters. Throws CDYN_ECLOSED once closed. */
    stats(): Stats;
    readonly closed: boolean;
    readonly table: string;
    readonly hashKey: string;
    readonly prefix: string;
    /** Every effective setting. */
    readonly settings: Settings;

    /** 'connect': the table is there (or `initialized`). 'disconnect': the check failed (with the error; retried with backoff) or the store was closed. 'reap': a background reap finished. */
    on(event: 'connect', listener: () => void): this;
    on(event: 'disconnect', listener: (error?: StoreError) => void): this;
    on(event: 'reap', listener: (error: StoreError | null, count?: number) => void): this;
    on(event: 'reapProgress', listener: (progress: ReapProgress) => void): this;
    on(event: string | symbol, listener: (...args: any[]) => void): this;
  }

  interface ReapOptions {
    /** Parallel scan segments, 1-64 (default 1). */
    segments?: number;
    /** Read capacity units per second for the scan (default: no limit). */
    readBudget?: number;
    /** Write capacity units per second for the deletes (default: no limit). */
    writeBudget?: number;
    /** Items per scan page (default: DynamoDB's 1 MB pages). */
    pageSize?: number;
    /** Count what would be deleted; delete nothing. */
    dryRun?: boolean;
    /** Stops the reap after the pages in flight when aborted. */
    signal?: AbortSignal;
  }

  interface ReapProgress {
    scanned: number;
    matched: number;
    deleted: number;
    readUnits: number;
    writeUnits: number;
    retries: number;
    pages: number;
    tableItems: number;
    elapsedSeconds: number;
    cancelled: boolean;
    finished: boolean;
  }

  /** The class the factory returns: a subclass of the Store it was given. */
  type DynamoDBStoreClass<Base extends abstract new (...args: any) => any> =
    new (options?: Options) => InstanceType<Base> & DynamoDBStoreMethods;

  /** What the factory accepts: express-session itself, {session}, connect or express. */
  type StoreProvider<Base> = { Store: Base } | { session: { Store: Base } };

  /** The version of libconnectdynamo in use. */
  const libraryVersion: string;
  /** The version of the header the addon was built against. */
  const headerVersion: string;
}

declare function connectDynamo<Base extends abstract new (...args: any) => any>(
  connect: connectDynamo.StoreProvider<Base>,
): connectDynamo.DynamoDBStoreClass<Base>;

export = connectDynamo;
