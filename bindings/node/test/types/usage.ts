// Compiled (not run) by `make test-types`: the typings accept what the
// README shows and reject misuse. Lines marked @ts-expect-error must fail.
import connectDynamo = require('../..');

// A minimal express-session-like module, as the tests' stand-in.
declare class Store {
  regenerate(req: object, fn: (err?: unknown) => void): void;
  load(sid: string, fn: (err?: unknown, session?: object) => void): void;
  createSession(req: object, session: object): object;
  on(event: string, listener: (...args: any[]) => void): this;
}
declare const session: { Store: typeof Store };

const DynamoDBStore = connectDynamo({ session });
const Also = connectDynamo(session);
const store = new DynamoDBStore({
  table: 'sessions',
  hashKey: 'id',
  prefix: 'sess:',
  AWSRegion: 'us-east-1',
  AWSConfigJSON: { accessKeyId: 'a', secretAccessKey: 'b', region: 'us-east-1', endpoint: 'http://127.0.0.1:8000' },
  readCapacityUnits: 5,
  writeCapacityUnits: 5,
  reapInterval: 0,
  initialized: false,
  specialKeys: [{ name: 'userId', type: 'S' }],
  skipThrowMissingSpecialKeys: true,
});
new Also();

store.regenerate({}, () => {});
store.on('connect', () => {});
store.on('disconnect', (error) => error?.code);

store.get('sid', (error, sess) => {
  if (error) console.log(error.code, error.message);
  else if (sess) console.log(sess.cookie.maxAge);
});
store.set('sid', { cookie: { maxAge: 1000 }, user: 'x' }, (error) => error?.code);
store.touch('sid', { cookie: {} }, () => {});

async function promises(): Promise<void> {
  const sess: connectDynamo.SessionData | null = await store.get('sid');
  await store.set('sid', { cookie: {} });
  const n: number = await store.length();
  const ids: string[] = await store.ids();
  const all = await store.all();
  const firstId: string | undefined = all[0]?.id;
  const cleared: number = await store.clear();
  const reaped: number = await store.reap();
  await store.destroy('sid');
  await store.close();
  const inFlight: number = store.stats().inFlight;
  console.log(sess, n, ids, firstId, cleared, reaped, inFlight, connectDynamo.libraryVersion);
}
promises();

// @ts-expect-error table must be a string
new DynamoDBStore({ table: 5 });
// @ts-expect-error special key types are S, N or BOOL
new DynamoDBStore({ specialKeys: [{ name: 'a', type: 'SS' }] });
// @ts-expect-error a session needs its cookie
store.set('sid', { user: 'x' });
// @ts-expect-error the factory needs something with a Store
connectDynamo({});

// connect-dynamodb 3.x: an SDK v3 DynamoDBClient's shape as `client`, loose option types.
declare const sdkClient: {
  config: {
    region: () => Promise<string>;
    endpoint: () => Promise<{ protocol: string; hostname: string; port?: number; path: string }>;
    credentials: () => Promise<{ accessKeyId: string; secretAccessKey: string; expiration?: Date }>;
    maxAttempts: () => Promise<number>;
  };
  send(command: unknown): Promise<unknown>;
  middlewareStack: object;
};
const v3 = new DynamoDBStore({ client: sdkClient, readCapacityUnits: '5', initialized: 1 });
v3.initialize().then(() => v3.initialized);
const expires: number = v3.getExpiresValue({ cookie: {} });
const parsed = v3.getParsedSession({ Item: {} });
v3.touch('sid', { cookie: {} }, (error, result) => result?.expires);
v3.clearInterval();
const flags: number = connectDynamo.SET_UPDATE_ONLY | connectDynamo.SET_CREATE_ONLY;
console.log(expires, parsed, flags, v3.readCapacityUnits, v3.client);
const logged = new DynamoDBStore({ logger: console, logLevel: 'info' }); new DynamoDBStore({ log: (line, level) => console.log(line, level) }); console.log(logged.closed);
