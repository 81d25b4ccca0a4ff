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

  /**
   * The shape of an AWS SDK for JavaScript v3 DynamoDBClient that the
   * store reads (connect-dynamodb 3.x's `client`): its async config
   * providers. Any DynamoDBClient is assignable.
   */
  interface SdkV3Client {
    config: {
      region: () => Promise<string>;
      endpoint?: () => Promise<{ protocol: string; hostname: string; port?: number; path: string }>;
      credentials: (options?: { forceRefresh?: boolean }) => Promise<{
        accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date;
      }>;
      [key: string]: any;
    };
    [key: string]: any;
  }

  /** A session field copied into a top-level attribute on every set. */
  interface SpecialKey {
    name: string;
    /** 'B': base64 text or a Buffer, stored as DynamoDB binary. */
    type: 'S' | 'N' | 'BOOL' | 'B';
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
     * connect-dynamodb's client: an AWS SDK v3 DynamoDBClient (its region
     * and endpoint are resolved before the first call, which waits; its
     * credentials provider is asked at first use and before each answer
     * expires), an SDK v2 client (endpoint.href, config) or a plain
     * object. Wins over the config options.
     */
    client?: SdkV3Client | AWSConfig | { endpoint?: string | { href: string }; config?: AWSConfig };
    /** DynamoDB endpoint, e.g. a local one: 'http://127.0.0.1:8000'. Wins over every other source. */
    endpoint?: string | URL | { href: string };
    /** Provisioned capacity of a table this store creates. Default 5 and 5. Strings are read with parseInt, as connect-dynamodb does. */
    readCapacityUnits?: number | string;
    writeCapacityUnits?: number | string;
    /** 'PROVISIONED' (default) or 'PAY_PER_REQUEST' for a table this store creates. */
    billingMode?: 'PROVISIONED' | 'PAY_PER_REQUEST';
    /** Milliseconds between background reaps of expired sessions; 0 (default) is off. */
    reapInterval?: number;
    /** Truthy: assume the table exists (no check, no creation). Default false. */
    initialized?: boolean | number | string;
    /** Session fields copied to top-level attributes. */
    specialKeys?: SpecialKey[];
    /** true: a session lacking a special key is written without it, instead of failing. */
    skipThrowMissingSpecialKeys?: boolean;
    /** true: `set` is connect-dynamodb's unconditional put instead of a versioned save. */
    lastWriterWins?: boolean;
    /** Seconds: a touch moving the expiry by less than this over what `get` read writes nothing. Unset or 0: every touch writes (connect-dynamodb's behaviour). */
    touchAfter?: number;
    /** Absolute lifetime in seconds from the session's creation, however active it is. Unset: none. */
    maxAgeSeconds?: number;
    /** Opt-in: sessions of at least this many bytes are stored zlib-compressed (connect-dynamodb cannot read them). */
    compressThreshold?: number;
    /** Opt-in: the key holds the hex SHA-256 of the session id (HMAC under idHashSecret), so the table holds no usable id; ids(), all() and userSessions() then give hashed keys. Not for tables shared with connect-dynamodb. */
    hashIds?: boolean;
    /** HMAC-SHA-256 key for hashIds, at least 16 bytes: a Buffer (a Uint8Array) or base64 text. */
    idHashSecret?: Uint8Array | string;
    /** Migration to hashIds: read sessions under their plain key too; the next save rewrites them hashed. */
    readPlainIds?: boolean;
    /** Session field holding the user id ('passport.user' reaches into objects), written to `uid` for the user index. */
    userField?: string;
    /** The user index's name. Default 'uid-index'. */
    userIndex?: string;
    /** Opt-in encryption at rest: the key ring, in order (the first encrypts every write, any decrypts); each key 32 bytes as a Buffer/Uint8Array or base64 text. connect-dynamodb cannot read such items. See the README's threat model. */
    encryptionKeys?: Array<{ id: string; key: Uint8Array | string }> | Map<string, Uint8Array | string> | Record<string, Uint8Array | string>;
    /** Strongly consistent reads. Default true. */
    consistentRead?: boolean;
    /** Milliseconds. Defaults 3000 and 10000. */
    connectTimeout?: number;
    requestTimeout?: number;
    /** Attempts per request, retries included. Default 4. */
    maxAttempts?: number;
    /** Most connections open at once to the endpoint; calls beyond it wait for one. Default 50. */
    maxConnections?: number;
    /** A profile of the shared AWS files. Default: AWS_PROFILE, 'default'. */
    profile?: string;
    /** PEM file of trusted CAs. Default: the system's. */
    caBundle?: string;
    /** Receives the library's log lines ('connect-dynamo: ...'): a function (line, level) or an object with console's methods. */
    logger?: ((line: string, level: LogLevel) => void) | Partial<Record<LogLevel | 'log', (line: string) => void>>;
    /** The same as `logger`. */
    log?: Options['logger'];
    /** Which lines reach the logger. Default 'warn' (warnings and errors). */
    logLevel?: 'off' | LogLevel;
  }

  type LogLevel = 'error' | 'warn' | 'info' | 'debug';

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
    readonly maxConnections: number;
    readonly hashIds: boolean;
    readonly userField: string | null;
    readonly userIndex: string | null;
    /** Keys in the encryption key ring (0: sessions in the clear). */
    readonly encryptionKeyCount: number;
    /** The id of the key that encrypts; null without encryption. */
    readonly encryptionKeyId: string | null;
  }

  /** The methods the store adds to the Store it extends. */
  interface DynamoDBStoreMethods {
    /** The session, or null when there is none (or it expired). */
    get(sid: string, callback: (error: StoreError | null, session?: SessionData | null) => void): void;
    get(sid: string): Promise<SessionData | null>;
    set(sid: string, session: SessionData, callback: (error: StoreError | null) => void): void;
    set(sid: string, session: SessionData): Promise<void>;
    /** Moves the expiry of a live session; a session that is gone is no error and is not created. Calls back (null, {expires}) as connect-dynamodb does. */
    touch(sid: string, session: SessionData, callback: (error: StoreError | null, result?: { expires: number }) => void): void;
    touch(sid: string, session: SessionData): Promise<{ expires: number }>;
    destroy(sid: string, callback: (error: StoreError | null) => void): void;
    destroy(sid: string): Promise<void>;
    all(callback: (error: StoreError | null, sessions?: StoredSession[] | null) => void): void;
    all(): Promise<StoredSession[]>;
    length(callback: (error: StoreError | null, length?: number) => void): void;
    length(): Promise<number>;
    ids(callback: (error: StoreError | null, ids?: string[]) => void): void;
    ids(): Promise<string[]>;
    /** The user's live sessions through the user index (userField): `id` is the session id, or with hashIds the hashed key; `expires` epoch seconds (0: none). */
    userSessions(user: string, callback: (error: StoreError | null, sessions?: { id: string; expires: number }[] | null) => void): void;
    userSessions(user: string): Promise<{ id: string; expires: number }[]>;
    /** Log out everywhere: deletes all of the user's sessions of this prefix; the count deleted. */
    destroyUserSessions(user: string, callback: (error: StoreError | null, count?: number) => void): void;
    destroyUserSessions(user: string): Promise<number>;
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
    /** Re-encrypts every live session not yet under the first of encryptionKeys; the count re-encrypted. Budgets in capacity units per second (unset: no limit). */
    reencrypt(options: { readBudget?: number; writeBudget?: number }, callback: (error: StoreError | null, count?: number) => void): void;
    reencrypt(options?: { readBudget?: number; writeBudget?: number }): Promise<number>;
    reencrypt(callback: (error: StoreError | null, count?: number) => void): void;
    /** Completes calls in flight with CDYN_ECLOSED and releases the store. Idempotent. */
    close(callback: (error: StoreError | null) => void): void;
    close(): Promise<void>;
    /** The library's counters. Throws CDYN_ECLOSED once closed. */
    stats(): Stats;
    readonly closed: boolean;
    /** As the library runs with them; while an SDK v3 client's settings resolve, as given. */
    readonly table: string;
    readonly hashKey: string;
    readonly prefix: string;
    readonly readCapacityUnits: number;
    readonly writeCapacityUnits: number;
    readonly specialKeys: SpecialKey[];
    readonly skipThrowMissingSpecialKeys: boolean;
    readonly reapInterval: number | undefined;
    /** Every effective setting; null while an SDK v3 client's settings resolve. */
    readonly settings: Settings;
    /** The client given in the options; else one made from the resolved settings when @aws-sdk/client-dynamodb can be required; else undefined. */
    readonly client: any;
    /** The table is known to be there: checked, or the `initialized` option said so. */
    readonly initialized: boolean;
    /** The library's default TTL (a session without cookie.maxAge); undefined until settings resolve. */
    readonly defaultTtlSeconds: number | undefined;
    /** connect-dynamodb's initialize(): describeSessionsTable(), createSessionsTable() when missing, then waits for ACTIVE (and enables TTL on a table it created); `initialized` is true after. */
    initialize(): Promise<void>;
    /** DynamoDB's DescribeTable answer; rejects with CDYN_ENOTABLE when the table is missing. */
    describeSessionsTable(): Promise<{ Table?: Record<string, any> }>;
    /** Sends CreateTable; resolves to DynamoDB's answer (does not wait for ACTIVE). */
    createSessionsTable(): Promise<{ TableDescription?: Record<string, any> }>;
    /** Epoch seconds: now + cookie.maxAge, else now + the default TTL. */
    getExpiresValue(session: SessionData): number;
    /** The session of a GetItem output, or null (no sess, expired, not JSON). */
    getParsedSession(output: { Item?: Record<string, any> }): SessionData | null;
    /** Stops the reap timer. */
    clearInterval(): void;

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

  /** cdyn_set's flags. */
  const SET_CREATE_ONLY: number;
  const SET_UPDATE_ONLY: number;
  /** The version of libconnectdynamo in use. */
  const libraryVersion: string;
  /** The version of the header the addon was built against. */
  const headerVersion: string;
}

declare function connectDynamo<Base extends abstract new (...args: any) => any>(
  connect: connectDynamo.StoreProvider<Base>,
): connectDynamo.DynamoDBStoreClass<Base>;

export = connectDynamo;
