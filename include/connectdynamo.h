/*
 * connectdynamo.h - the C API of libconnectdynamo, a DynamoDB session store.
 *
 * This header is the one source of truth for the ABI: the Swift thunks are
 * checked against it by the compiler (@c @implementation), and the Node,
 * Python and C users call exactly what is declared here.
 *
 * Conventions (as libgit2 and sqlite3):
 *  - Every fallible call returns an int: CDYN_OK (0) or a negative code from
 *    cdyn_error_code. Codes are never renumbered; new ones are appended.
 *  - Out-parameters come first and are named `out`.
 *  - After a failure, cdyn_last_error() holds the detail for this thread.
 *  - What the library returns, the library frees: cdyn_buf_dispose,
 *    cdyn_session_list_dispose, cdyn_result_free, cdyn_store_free.
 *    Every dispose/free of NULL (or of a zeroed struct) is a no-op.
 *  - Strings given to the library are NUL-terminated UTF-8 and are copied
 *    before the call returns: the caller may free them right after.
 *  - Threads: one cdyn_store may be used by any number of threads at once.
 *    Asynchronous calls (`_async`) never block; their callback runs exactly
 *    once, on the store's own I/O thread, unless the call itself returns an
 *    error, in which case the callback never runs. The blocking calls are
 *    built on the asynchronous ones and wait for them; calling a blocking
 *    function from inside a callback returns CDYN_EDEADLOCK. While a store
 *    has nothing else in flight, a blocking call does its own I/O on the
 *    calling thread instead of handing it to the I/O thread and sleeping
 *    (three thread wake-ups fewer); the I/O thread takes over as soon as
 *    another call arrives. Callbacks never run on a caller's thread.
 *  - fork(): a store inherited by a child process works there; its first
 *    call in the child starts the child's own I/O thread and connections.
 *    Calls in flight in the parent at the fork finish in the parent only.
 *
 * The item format is connect-dynamodb's, byte for byte:
 *   <hash_key> (S) = prefix + session id
 *   expires    (N) = expiry, epoch seconds (written as an integer)
 *   type       (S) = "connect-session"
 *   sess       (S) = the session, as JSON text
 * Versioned saves (cdyn_save) and create-only sets add ver (N), wtok (S)
 * and created (N), which connect-dynamodb readers ignore. Opt-in: with
 * hash_ids the key holds a hash of the id instead, and with user_field
 * a `uid` (S) attribute holds the user id (hashed under hash_ids).
 * A live session is an item whose `sess` is a String (or `sessz`, the
 * opt-in compressed form, a Binary) and whose `expires`
 * is absent or a Number after now; every call (get, touch, create-only and
 * update-only set, the scans) applies that one rule, and get and all also
 * read a `sess` that is not a JSON object as no session (README: "The item
 * format").
 */
#ifndef CONNECTDYNAMO_H
#define CONNECTDYNAMO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define CDYN_EXTERN(type) extern __attribute__((visibility("default"))) type
#else
#define CDYN_EXTERN(type) extern type
#endif

/* ------------------------------------------------------------------------
 * Versions. These lines are the one source of the version and the ABI
 * number: the Makefile, the Swift core and the Node addon read them; the
 * places that must spell them out (Python's _version.py, Node's
 * package.json) are checked against them by `make test-versions`.
 * ------------------------------------------------------------------------ */

#define CDYN_VERSION "0.1.0"
#define CDYN_VERSION_MAJOR 0
#define CDYN_VERSION_MINOR 1
#define CDYN_VERSION_PATCH 0
/** major * 10000 + minor * 100 + patch, as sqlite's SQLITE_VERSION_NUMBER. */
#define CDYN_VERSION_NUMBER \
    (CDYN_VERSION_MAJOR * 10000 + CDYN_VERSION_MINOR * 100 + CDYN_VERSION_PATCH)
/** The ABI number in the SONAME (libconnectdynamo.so.N); it changes only
 *  when a declaration here changes incompatibly. */
#define CDYN_ABI_VERSION 1

/** The library's version string, e.g. "0.1.0". Static; never NULL. */
CDYN_EXTERN(const char *) cdyn_version(void);

/** The library's CDYN_VERSION_NUMBER, to compare with the header's. */
CDYN_EXTERN(int) cdyn_version_number(void);

/* ------------------------------------------------------------------------
 * Status codes
 * ------------------------------------------------------------------------ */

typedef enum cdyn_error_code {
    CDYN_OK = 0,
    CDYN_ERROR = -1,        /**< unclassified failure */
    CDYN_EINVAL = -2,       /**< bad argument: NULL, empty or over-long id,
                                 invalid UTF-8, not a JSON object, bad option */
    CDYN_ENOMEM = -3,       /**< out of memory */
    CDYN_ENOTFOUND = -4,    /**< no such session, or it has expired */
    CDYN_ECONDITION = -5,   /**< a conditional write failed (e.g. create-only
                                 set of an id that is live) */
    CDYN_ETOOLARGE = -6,    /**< the item would exceed DynamoDB's 400 KB */
    CDYN_ETHROTTLED = -7,   /**< throttled, and retries did not get through */
    CDYN_EVALIDATION = -8,  /**< DynamoDB rejected the request as invalid */
    CDYN_EAUTH = -9,        /**< credentials rejected: bad signature, unknown
                                 or expired key, access denied */
    CDYN_ECREDENTIALS = -10,/**< no credentials could be found or loaded */
    CDYN_ENOTABLE = -11,    /**< the table does not exist (or is not ACTIVE)
                                 and the store may not create it */
    CDYN_ENET = -12,        /**< could not connect, or the connection failed */
    CDYN_ETIMEOUT = -13,    /**< connect or request timeout */
    CDYN_ESERVER = -14,     /**< DynamoDB answered 5xx, and retries did not
                                 get through */
    CDYN_EPROTOCOL = -15,   /**< malformed, truncated, corrupt or oversized (16 MiB) response, or not HTTP at all */
    CDYN_ECLOSED = -16,     /**< the store was freed before the call finished */
    CDYN_EDEADLOCK = -17    /**< a blocking call from the store's I/O thread */
} cdyn_error_code;

/** Room in cdyn_stats.errors: codes 0 .. -(CDYN_ERROR_SLOTS - 1). */
#define CDYN_ERROR_SLOTS 32

/** Static English text for a code ("session not found"); never NULL. */
CDYN_EXTERN(const char *) cdyn_strerror(int code);

/** The code's name ("CDYN_ENOTFOUND"), or "CDYN_UNKNOWN"; never NULL.
 *  Bindings use it as the `code` of their error objects. */
CDYN_EXTERN(const char *) cdyn_error_name(int code);

/** The detail of the last failure of a call made on this thread, or "" if
 *  there was none. Valid until the next cdyn_ call on this thread; never
 *  NULL; never contains a secret. Text a server sent is scrubbed of
 *  signatures and tokens, has its control characters escaped (one line)
 *  and is cut at 400 bytes, marked "... (cut; N bytes in all)". */
CDYN_EXTERN(const char *) cdyn_last_error(void);

/* ------------------------------------------------------------------------
 * Memory returned by the library
 * ------------------------------------------------------------------------ */

/** Bytes owned by the library. `ptr` is NUL-terminated (the NUL is not
 *  counted in `size`). Release with cdyn_buf_dispose. */
typedef struct cdyn_buf {
    char *ptr;
    size_t size;
} cdyn_buf;

/** Frees buf->ptr and zeroes the struct. NULL or a zeroed buf: no-op. */
CDYN_EXTERN(void) cdyn_buf_dispose(cdyn_buf *buf);

/** One session, as listed by cdyn_ids and cdyn_all. */
typedef struct cdyn_session {
    char *id;          /**< session id without the prefix, NUL-terminated;
                            under hash_ids the hashed key (64 hex digits)
                            from cdyn_ids, cdyn_all, cdyn_list and
                            cdyn_user_sessions */
    size_t id_len;
    char *data;        /**< session JSON, NUL-terminated; NULL from cdyn_ids */
    size_t data_len;
    int64_t expires;   /**< epoch seconds (floored); 0 = the item has none */
} cdyn_session;

typedef struct cdyn_session_list {
    cdyn_session *sessions;
    size_t count;
} cdyn_session_list;

/** Frees every session and the array, and zeroes the struct. NULL: no-op. */
CDYN_EXTERN(void) cdyn_session_list_dispose(cdyn_session_list *list);

/* ------------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------------ */

typedef enum cdyn_billing_mode {
    CDYN_BILLING_PROVISIONED = 0, /**< read/write capacity units (default) */
    CDYN_BILLING_ON_DEMAND = 1    /**< PAY_PER_REQUEST */
} cdyn_billing_mode;

typedef enum cdyn_log_level {
    CDYN_LOG_OFF = 0,
    CDYN_LOG_ERROR = 1,
    CDYN_LOG_WARN = 2,
    CDYN_LOG_INFO = 3,
    CDYN_LOG_DEBUG = 4
} cdyn_log_level;

/** Receives log lines at or above the store's log_level. Runs on whichever
 *  thread logs (usually the I/O thread; during a blocking call, possibly
 *  the caller's); must not block and must not call back into the store with
 *  blocking calls (they return CDYN_EDEADLOCK there). `message` is valid only
 *  during the call and never contains a secret. */
typedef void (*cdyn_log_fn)(int level, const char *message, void *userdata);

/** A question from the store to the host for credentials; see
 *  cdyn_credentials_fn. Opaque; owned by the library. */
typedef struct cdyn_credential_request cdyn_credential_request;

/** Supplies credentials from the host language's own provider (an AWS SDK
 *  client's, a boto3 session's), in place of the built-in chain. The store
 *  calls it on its I/O thread (during a blocking call on an idle store,
 *  possibly on that caller's thread) when it needs credentials: at first
 *  use, and again as the last answer's expiration nears (from 15 minutes
 *  before it, as the built-in chain's cache does; calls wait from 10
 *  minutes before). It must not block and must not make blocking store
 *  calls: it starts the lookup and returns. The answer comes later or at
 *  once, from any thread, through exactly one call of
 *  cdyn_credentials_provide or cdyn_credentials_fail on `request`, which
 *  then belongs to the library again. One question is out at a time. An
 *  answer that does not come within the store's request_timeout_ms fails
 *  the calls waiting for it (CDYN_ECREDENTIALS); closing the store fails
 *  them with CDYN_ECLOSED; a late answer is then dropped. */
typedef void (*cdyn_credentials_fn)(cdyn_credential_request *request,
                                    void *userdata);

/** Answers `request` with credentials (copied before the call returns).
 *  `session_token` may be NULL or "" for long-term keys. `expiration` is
 *  epoch seconds after which they stop working, 0 for never. Consumes
 *  `request` whatever it returns (except for a NULL request): CDYN_OK,
 *  CDYN_EINVAL (a NULL or empty key id or secret, invalid UTF-8 or a
 *  negative expiration: the request then fails with that reason), or
 *  CDYN_ECLOSED (the store has closed; the answer is dropped). Does not
 *  block; any thread. */
CDYN_EXTERN(int) cdyn_credentials_provide(cdyn_credential_request *request,
                                          const char *access_key_id,
                                          const char *secret_access_key,
                                          const char *session_token,
                                          int64_t expiration);

/** Answers `request` with a failure: the calls waiting for credentials
 *  end with CDYN_ECREDENTIALS and a cdyn_last_error()/result message that
 *  includes `message` (NULL: none given; keep secrets out of it). While
 *  earlier credentials are still valid they go on being used, and the
 *  callback is asked again no sooner than 10 seconds later. Consumes
 *  `request` (except a NULL one: CDYN_EINVAL). Returns CDYN_OK or
 *  CDYN_ECLOSED. Does not block; any thread. */
CDYN_EXTERN(int) cdyn_credentials_fail(cdyn_credential_request *request,
                                       const char *message);

/** A session field copied into a top-level attribute on every set, so that
 *  an index can find sessions by it (connect-dynamodb's specialKeys). */
typedef struct cdyn_special_key {
    const char *name; /**< field of the session object, and attribute name */
    const char *type; /**< DynamoDB type: "S", "N", "BOOL" or "B" (the
                           field as base64 text, or a Node Buffer's JSON
                           {"type":"Buffer","data":[...]}) */
} cdyn_special_key;

/** One key of the encryption key ring (cdyn_store_options.encryption_keys;
 *  README "Threat model"). Both the id and the bytes are copied by
 *  cdyn_store_open; the bytes never appear in a log or an error. */
typedef struct cdyn_key {
    const char *id;              /**< key id, 1-255 bytes of UTF-8, stored in
                                      each item it encrypts */
    const unsigned char *bytes;  /**< the 32-byte AES-256 key; copied */
    size_t len;                  /**< must be 32 */
} cdyn_key;

#define CDYN_STORE_OPTIONS_VERSION 4

/** Options for cdyn_store_open. Fill with cdyn_store_options_init (or
 *  CDYN_STORE_OPTIONS_INIT) and then set what you need; leave alone what you
 *  do not: the library's defaults then apply, whichever language you call
 *  from. "Unset" is NULL for a string ("" too for region, endpoint,
 *  profile and ca_bundle), and for a number or switch the value init put
 *  there (the default itself). Every rule about a value is checked once,
 *  by cdyn_store_open, which answers CDYN_EINVAL with a cdyn_last_error()
 *  naming the field: e.g. a TTL, capacity, timeout or attempt count of 0
 *  or less (0 meant "the default" before the changes listed under
 *  Unreleased in CHANGELOG.md). New fields are only ever appended, and
 *  `version` tells the library how much of the struct you know. */
typedef struct cdyn_store_options {
    unsigned int version;

    const char *table;          /**< default "sessions" */
    const char *hash_key;       /**< partition key attribute, default "id" */
    const char *prefix;         /**< put before every id, default "sess:";
                                     "" for none */

    const char *region;         /**< letters, digits and '-'; default:
                                     AWS_REGION, AWS_DEFAULT_REGION, the
                                     profile's region, "us-east-1" */
    const char *endpoint;       /**< http(s)://host[:port][/path], e.g.
                                     "http://127.0.0.1:8000" or
                                     "http://[::1]:8000" (port 1-65535);
                                     default: AWS_ENDPOINT_URL_DYNAMODB,
                                     AWS_ENDPOINT_URL, the region's */

    const char *access_key_id;  /**< explicit credentials; when NULL, the */
    const char *secret_access_key; /**< AWS SDKs' chain: environment, web */
    const char *session_token;  /**< identity, shared files (roles, SSO,
                                     keys, credential_process), container,
                                     IMDSv2 */
    const char *profile;        /**< default: AWS_PROFILE, "default"; when set,
                                     the environment's keys are not used */

    int consistent_reads;       /**< strongly consistent reads; default 1 */
    int64_t default_ttl_seconds;/**< expiry when none is given; 86400 */

    int create_table;           /**< 1 (default): on first use, describe the
                                     table and create it if missing, wait for
                                     ACTIVE and enable TTL on `expires`.
                                     0: assume it exists (connect-dynamodb's
                                     `initialized`). */
    int billing_mode;           /**< cdyn_billing_mode for a created table */
    int64_t read_capacity_units;  /**< provisioned, default 5 */
    int64_t write_capacity_units; /**< provisioned, default 5 */

    int64_t connect_timeout_ms; /**< default 3000 */
    int64_t request_timeout_ms; /**< whole request, default 10000 */
    int max_attempts;           /**< attempts per request incl. the first,
                                     1-20; default 4 */
    const char *ca_bundle;      /**< PEM file of trusted CAs; default:
                                     AWS_CA_BUNDLE, the profile's ca_bundle,
                                     the system's. TLS is always verified. */

    const cdyn_special_key *special_keys; /**< copied; may be NULL; at
                                               most 64 */
    size_t special_key_count;
    int skip_missing_special_keys; /**< 1: a set whose session lacks a special
                                        key writes it without that attribute;
                                        0 (default): CDYN_EINVAL */

    cdyn_log_fn log;            /**< optional */
    void *log_userdata;
    int log_level;              /**< cdyn_log_level (0-4); default
                                     CDYN_LOG_WARN */

    /* version 2 */
    cdyn_credentials_fn credentials; /**< optional: the host supplies
                                          credentials (see
                                          cdyn_credentials_fn); not with
                                          access_key_id (CDYN_EINVAL) */
    void *credentials_userdata;
    int last_writer_wins;       /**< 1: cdyn_save writes as connect-dynamodb
                                     does (unconditional put, no version):
                                     the last writer wins and a save may
                                     revive a destroyed session. 0 (default):
                                     versioned saves. */
    int64_t touch_after_seconds;/**< lazy touch (cdyn_touch_lazy): a touch
                                     moving the expiry by less than this
                                     writes nothing. 0 (default): a tenth of
                                     the lifetime the touch sets;
                                     CDYN_TOUCH_ALWAYS: every touch writes. */
    int64_t max_age_seconds;    /**< absolute lifetime: a session created
                                     (its `created`, kept across saves) this
                                     long ago is not found on read, however
                                     active; 0 (default): none. Items with no
                                     `created` (connect-dynamodb's) are judged
                                     by their expiry alone. */
    int64_t compress_threshold_bytes; /**< opt-in: versioned saves and
                                     create-only sets store a session of at
                                     least this many bytes deflated (zlib) in
                                     a binary `sessz` attribute instead of
                                     `sess`; CDYN_ETOOLARGE only if that is
                                     over 400 KB. connect-dynamodb readers see
                                     no session in such items: not for tables
                                     shared with it. Both forms are always
                                     read. 0 (default): never. */

    /* version 3 */
    int max_connections;        /**< most TCP connections open at once to
                                     the endpoint, 1-4096; default 50 (the
                                     AWS SDKs' pools: JS v3 and Java 50).
                                     Calls beyond it wait for a free
                                     connection (that wait counts in
                                     request_timeout_ms); none is refused,
                                     and idle connections are reused. */

    /* version 4: security at rest (all opt-in; README "Threat model") */
    /* -- security-ids -- */
    int hash_ids;               /**< 1: the key is prefix + 64 hex digits of
                                     SHA-256 of the session id (HMAC-SHA-256
                                     with id_hash_secret), so the table holds
                                     no usable session id; cdyn_ids, cdyn_all,
                                     cdyn_list and cdyn_user_sessions then
                                     return that hash as `id`. Not for tables
                                     shared with connect-dynamodb. 0
                                     (default): connect-dynamodb's keys. */
    const unsigned char *id_hash_secret; /**< optional keyed hash
                                     (HMAC-SHA-256), 16-1024 bytes,
                                     copied; needs hash_ids. Recommended:
                                     stops a holder of a candidate id from
                                     finding its row in a dump, hides user
                                     ids, and rotating it makes old dumps
                                     useless (and logs everyone out). */
    size_t id_hash_secret_len;
    int read_plain_ids;         /**< migration (needs hash_ids): a session
                                     with no item under its hashed key is
                                     read under its plain key; the next save
                                     rewrites it hashed and deletes the plain
                                     item; touch and destroy reach both. */
    const char *user_field;     /**< session field holding the user id (a
                                     string or number; "a.b" reaches into an
                                     object, e.g. "passport.user"), written
                                     as the top-level `uid` attribute (hashed
                                     under hash_ids) for the user index;
                                     NULL (default): no user index */
    const char *user_index_name;/**< the global secondary index on `uid`;
                                     NULL: "uid-index". Created with the
                                     table when the store creates it. */
    /* -- security-crypto -- */
    const cdyn_key *encryption_keys; /**< key ring, copied; NULL/0 (default):
                                     sessions in the clear. Otherwise every
                                     write stores the session AES-256-GCM
                                     encrypted under the FIRST key in a
                                     binary `sesse` attribute (after
                                     compression), and reads open it with
                                     the key its id names: put a new key
                                     first to rotate (each session moves on
                                     its next save; cdyn_reencrypt moves the
                                     rest). At most 16 keys, ids unique,
                                     each key 32 bytes (CDYN_EINVAL). A
                                     session that does not decrypt reads as
                                     not found, with a warning. Sets write
                                     versioned items then. connect-dynamodb
                                     readers see no session in such items. */
    size_t encryption_key_count;
} cdyn_store_options;

/** touch_after_seconds: every touch writes (connect-dynamodb's way). */
#define CDYN_TOUCH_ALWAYS (-1)

/** The defaults, for static initialisation; equal to what
 *  cdyn_store_options_init fills in (Tests/c/test_capi.c holds the two
 *  together, field by field). */
#define CDYN_STORE_OPTIONS_INIT                                             \
    {CDYN_STORE_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL,  \
     NULL, NULL, 1, 86400, 1, CDYN_BILLING_PROVISIONED, 5, 5, 3000, 10000,  \
     4, NULL, NULL, 0, 0, NULL, NULL, CDYN_LOG_WARN, NULL, NULL, 0, 0, 0, 0, 50, \
     0, NULL, 0, 0, NULL, NULL, NULL, 0}

/** Fills `opts` with the defaults for `version` (pass
 *  CDYN_STORE_OPTIONS_VERSION). Returns CDYN_EINVAL for NULL or an unknown
 *  version. Does not block; thread-safe. */
CDYN_EXTERN(int) cdyn_store_options_init(cdyn_store_options *opts,
                                         unsigned int version);

/* ------------------------------------------------------------------------
 * The store
 * ------------------------------------------------------------------------ */

typedef struct cdyn_store cdyn_store;

/** Opens a store: resolves region, endpoint and credential sources and
 *  starts the store's I/O thread. Does no network I/O (the table is
 *  checked on first use). `opts` may be NULL for all defaults; it is copied.
 *  On success *out is a new store to release with cdyn_store_free.
 *  Returns CDYN_OK, CDYN_EINVAL (a bad option, named in cdyn_last_error():
 *  e.g. an endpoint that is not http(s)://host[:port] with a port of
 *  1-65535, a region that is not a region name, whether given here or
 *  found in the environment, an unknown log_level or billing_mode),
 *  CDYN_ECREDENTIALS (a named profile or credentials file that cannot be
 *  read), CDYN_ENOMEM, or CDYN_ERROR (the I/O thread or its event loop
 *  could not be started). */
CDYN_EXTERN(int) cdyn_store_open(cdyn_store **out,
                                 const cdyn_store_options *opts);

/** Closes the store: calls still in flight finish with CDYN_ECLOSED (their
 *  callbacks run), the I/O thread stops and memory is released. Blocks only
 *  for that shutdown (no network wait). May be called from a callback; then
 *  the thread is released after the callback returns. NULL: no-op. The
 *  store must not be used afterwards. In a forked child that never used
 *  the store it returns at once, leaving the parent's I/O state alone. */
CDYN_EXTERN(void) cdyn_store_free(cdyn_store *store);

#define CDYN_INFO_VERSION 3

/** The settings a store runs with, after defaults and resolution: what
 *  cdyn_store_open made of the options and the environment. Never holds a
 *  secret (no keys, no token). Strings are the library's, NUL-terminated;
 *  release them with cdyn_info_dispose. Like cdyn_stats, it only grows at
 *  the end, and `version` says how much the caller knows. */
typedef struct cdyn_info {
    unsigned int version;       /**< set to CDYN_INFO_VERSION before the call */
    char *table;
    char *hash_key;
    char *prefix;
    char *region;               /**< as resolved, e.g. "us-east-1" */
    char *endpoint;             /**< as resolved, e.g.
                                     "https://dynamodb.us-east-1.amazonaws.com/" */
    int64_t default_ttl_seconds;
    int consistent_reads;
    int create_table;
    int billing_mode;           /**< cdyn_billing_mode */
    int64_t read_capacity_units;
    int64_t write_capacity_units;
    int64_t connect_timeout_ms;
    int64_t request_timeout_ms;
    int max_attempts;
    size_t special_key_count;
    int explicit_credentials;   /**< 1: keys given in the options, 0: the
                                     provider chain */

    /* Version 2. */
    int max_connections;        /**< the pool's bound per endpoint */

    /* Version 3: security at rest (never a key or a secret). */
    /* -- security-ids -- */
    int hash_ids;               /**< 1: keys hold hashed ids (keyed or not) */
    char *user_field;           /**< NULL: no user index */
    char *user_index_name;      /**< NULL: no user index */
    /* -- security-crypto -- */
    size_t encryption_key_count; /**< keys in the ring; 0: no encryption */
    char *encryption_key_id;     /**< the id of the key that encrypts (the
                                      first); NULL without encryption */
} cdyn_info;

/** Fills *out (out->version must be set) with the store's effective
 *  settings. Does not block; thread-safe. Returns CDYN_OK, CDYN_EINVAL
 *  (NULL, unknown version) or CDYN_ENOMEM. On failure *out holds no
 *  memory to release. */
CDYN_EXTERN(int) cdyn_store_info(cdyn_info *out, cdyn_store *store);

/** Frees the strings of *info and zeroes them. NULL or zeroed: no-op. */
CDYN_EXTERN(void) cdyn_info_dispose(cdyn_info *info);

/** Makes sure the table exists (creating it, with the user index when
 *  user_field is set, and enabling TTL when the store's create_table
 *  option allows) and is ACTIVE. An existing table is not changed (a
 *  missing user index is not added: README "The user index"). Other calls do this
 *  on first use; call it to fail early. Many threads calling at once cause
 *  one check. Blocks. Returns CDYN_OK, CDYN_ENOTABLE, or a request error. */
CDYN_EXTERN(int) cdyn_store_ensure_table(cdyn_store *store);

/* ------------------------------------------------------------------------
 * Blocking session calls. All are thread-safe and block the calling thread
 * until DynamoDB answers (bounded by the request timeout and retries).
 * `sid` is a non-empty NUL-terminated UTF-8 session id; prefix + sid must
 * fit DynamoDB's 2048-byte partition key, else CDYN_EINVAL.
 * ------------------------------------------------------------------------ */

/** Flags for cdyn_set. */
#define CDYN_SET_DEFAULT 0u
/** Write only if no live session has this id (else CDYN_ECONDITION). An
 *  expired item left for TTL to delete counts as absent. */
#define CDYN_SET_CREATE_ONLY 1u
/** Write only if a live session has this id (else CDYN_ENOTFOUND): a save
 *  that must not bring back a session destroyed or expired meanwhile. */
#define CDYN_SET_UPDATE_ONLY 2u

/** Reads a session. On CDYN_OK, *out holds the session JSON (free with
 *  cdyn_buf_dispose) and *out_expires (may be NULL) its expiry in epoch
 *  seconds, or 0 if the item has none. Returns CDYN_ENOTFOUND when there
 *  is no live session (see the item format above): no item, no `sess`, an
 *  `expires` that is not a Number or is past (items past `expires` are
 *  hidden until DynamoDB's TTL deletes them), or a `sess` that is not a
 *  JSON object (logged at WARN). */
CDYN_EXTERN(int) cdyn_get(cdyn_buf *out, int64_t *out_expires,
                          cdyn_store *store, const char *sid);

/** Writes a session: `data`/`size` is a JSON object (UTF-8; not necessarily
 *  NUL-terminated). `expires` is epoch seconds; 0 means now + the default
 *  TTL; negative is CDYN_EINVAL. `flags` is one of CDYN_SET_DEFAULT,
 *  CDYN_SET_CREATE_ONLY and CDYN_SET_UPDATE_ONLY. Returns CDYN_OK,
 *  CDYN_EINVAL (not a JSON object, a missing special key, unknown flags),
 *  CDYN_ETOOLARGE (over 400 KB: nothing is written), CDYN_ECONDITION
 *  (create-only), CDYN_ENOTFOUND (update-only), or a request error. */
CDYN_EXTERN(int) cdyn_set(cdyn_store *store, const char *sid,
                          const char *data, size_t size, int64_t expires,
                          unsigned int flags);

/* ---- Versioned saves: no lost updates, logouts that stick -------------
 * A web request reads a session, changes it, and saves it; two requests of
 * one user that overlap would otherwise lose one's changes, and a request
 * in flight during a logout would bring the session back. Read with
 * cdyn_get_versioned, save with cdyn_save passing what was read: the write
 * happens only if the session is still what was read; if another write came
 * first, this save's changes (top-level keys added, changed or removed
 * relative to `base`) are applied onto the newer session and written in
 * turn (a key changed by both takes this save's value), a bounded number of
 * times. A session destroyed or expired meanwhile is not written back.
 * Items carry a version attribute `ver` (see the README's item format);
 * connect-dynamodb's items have none (version 0), and then the `sess` text
 * read stands in for it. */

/** Reads a session as cdyn_get does, and its version into *out_version (may
 *  be NULL): 0 for an item without one. Pass both to cdyn_save. */
CDYN_EXTERN(int) cdyn_get_versioned(cdyn_buf *out, int64_t *out_expires,
                                    int64_t *out_version, cdyn_store *store,
                                    const char *sid);

/** Saves a session with no lost updates. `data`/`size` and `expires` are as
 *  for cdyn_set. `base`/`base_size` is the session JSON exactly as
 *  cdyn_get_versioned returned it and `base_version` its version; `base`
 *  NULL means a new session, written create-only (CDYN_ECONDITION if a live
 *  session has the id). Returns CDYN_OK (written, merged if need be),
 *  CDYN_ENOTFOUND (the session was destroyed or has expired: nothing is
 *  written; drop the session), CDYN_ECONDITION (it kept changing through
 *  every attempt, or the stored session is not a JSON object to merge
 *  onto), CDYN_EINVAL, CDYN_ETOOLARGE, or a request error. The session's
 *  creation time (`created`) is kept across saves. Blocks. */
CDYN_EXTERN(int) cdyn_save(cdyn_store *store, const char *sid,
                           const char *data, size_t size, int64_t expires,
                           const char *base, size_t base_size,
                           int64_t base_version);

/** Moves a live session's expiry to `expires` (0: now + default TTL).
 *  Never creates an item: returns CDYN_ENOTFOUND when the session does not
 *  exist or has already expired. */
CDYN_EXTERN(int) cdyn_touch(cdyn_store *store, const char *sid,
                            int64_t expires);

/** Lazy touch: as cdyn_touch, unless the touch would move the expiry by
 *  less than the store's touch_after_seconds (default: a tenth of the
 *  lifetime it sets) past `read_expires`, the expiry the session had when
 *  it was read (the out_expires of cdyn_get); then nothing is written.
 *  A touch on every request costs a write unit each; this costs one per
 *  interval, and the session may expire up to that interval early.
 *  `read_expires` 0 (unknown, or an item without expiry) always writes.
 *  *out_moved (may be NULL) is 1 when the expiry was written, else 0.
 *  Returns CDYN_OK, CDYN_ENOTFOUND (a touch that writes found no live
 *  session; one that does not write does not check), CDYN_EINVAL. */
CDYN_EXTERN(int) cdyn_touch_lazy(int *out_moved, cdyn_store *store,
                                 const char *sid, int64_t expires,
                                 int64_t read_expires);

/** Deletes a session. Deleting one that does not exist is CDYN_OK. */
CDYN_EXTERN(int) cdyn_destroy(cdyn_store *store, const char *sid);

/** Counts live sessions of this store's prefix (a paginated Scan). */
CDYN_EXTERN(int) cdyn_length(uint64_t *out, cdyn_store *store);

/** Lists the ids (without prefix) of live sessions of this store's prefix;
 *  `data` of each entry is NULL. Free with cdyn_session_list_dispose. */
CDYN_EXTERN(int) cdyn_ids(cdyn_session_list *out, cdyn_store *store);

/** Lists live sessions of this store's prefix with their data. */
CDYN_EXTERN(int) cdyn_all(cdyn_session_list *out, cdyn_store *store);

/** Deletes every session of this store's prefix, live or expired (other
 *  items in the table are untouched). *out (may be NULL) gets the count. */
CDYN_EXTERN(int) cdyn_clear(uint64_t *out, cdyn_store *store);

/** Deletes sessions of this store's prefix whose expiry has passed: a
 *  paginated filtered Scan, then BatchWriteItem in chunks of 25, retrying
 *  unprocessed items with backoff. *out (may be NULL) gets the count.
 *  cdyn_reap_run with default options; see it for budgets, parallel
 *  segments, progress and stopping. */
CDYN_EXTERN(int) cdyn_reap(uint64_t *out, cdyn_store *store);

/* ---- The user index: a user's sessions, and "log out everywhere" ------
 * With user_field set, every write copies the user id into `uid` (hashed
 * under hash_ids), and a global secondary index on it (user_index_name)
 * finds a user's sessions with a Query instead of a table scan. A store
 * that creates its table creates the index; for an existing table add it
 * (README: "The user index"). The index is eventually consistent: a
 * session written a moment before the call may not be seen yet. Both
 * calls return CDYN_EINVAL when the store has no user_field or `user` is
 * NULL, empty, over 1024 bytes or not UTF-8, and CDYN_EVALIDATION when
 * the table lacks the index (CDYN_ENOTABLE from moto, which answers
 * ResourceNotFoundException; the message names the index either way). */

/** Lists the user's live sessions of this store's prefix: `id` is the
 *  session id, or under hash_ids the hashed key (the table holds no id);
 *  `expires` the expiry; `data` NULL. `count` is the number of sessions.
 *  Free with cdyn_session_list_dispose. Blocks. */
CDYN_EXTERN(int) cdyn_user_sessions(cdyn_session_list *out, cdyn_store *store,
                                    const char *user);

/** Log out everywhere: deletes every item of this store's prefix that the
 *  user index has for `user`, live or expired (BatchWriteItem, 25 at a
 *  time, unprocessed items retried with backoff), and no one else's.
 *  *out (may be NULL) gets the count deleted. Blocks. */
CDYN_EXTERN(int) cdyn_destroy_user_sessions(uint64_t *out, cdyn_store *store,
                                            const char *user);

/** The item that holds a session, exactly as DynamoDB returns it: its
 *  attribute-value JSON, e.g. {"id":{"S":"sess:abc"},"expires":{"N":"..."},
 *  "type":{"S":"connect-session"},"sess":{"S":"{...}"}}, whether or not it
 *  has expired. For tools, debugging and interop checks. Free *out with
 *  cdyn_buf_dispose. Returns CDYN_ENOTFOUND when there is no item. Blocks. */
CDYN_EXTERN(int) cdyn_get_item(cdyn_buf *out, cdyn_store *store,
                               const char *sid);

/** The session an item holds by the rule cdyn_get applies, for callers
 *  that read items themselves (an AWS SDK GetItem; connect-dynamodb's
 *  getParsedSession): `item` is its attribute-value JSON (`size` bytes),
 *  as cdyn_get_item gives it. *out gets the session JSON (free with
 *  cdyn_buf_dispose), *out_expires (may be NULL) its expiry, judged at the
 *  store's clock. CDYN_ENOTFOUND when the item holds no live session of
 *  this store (another key, no `sess`, expired, past max_age_seconds, a
 *  `sess` that is not a JSON object); CDYN_EINVAL when `item` is not a
 *  JSON object. No I/O. */
CDYN_EXTERN(int) cdyn_item_session(cdyn_buf *out, int64_t *out_expires,
                                   cdyn_store *store, const char *item,
                                   size_t size);

/** express-session's serialized Cookie (Cookie#toJSON) for a cookie sent
 *  now, as JSON in *out (free with cdyn_buf_dispose): what a session
 *  written by a non-Node framework carries as its reserved `cookie`
 *  member, so that an express app can load it. `max_age_seconds`: the
 *  cookie's lifetime; not finite (NAN): a browser-session cookie. `path`
 *  NULL or empty: "/"; `same_site`, `domain` NULL or empty: not set. */
CDYN_EXTERN(int) cdyn_express_cookie(cdyn_buf *out, double max_age_seconds,
                                     const char *path, int http_only,
                                     int secure, const char *same_site,
                                     const char *domain);

/* ------------------------------------------------------------------------
 * Operating the table: listing, describing, TTL, and the budgeted reaper.
 * For tools (the connectdynamo command) and maintenance jobs. All block.
 * ------------------------------------------------------------------------ */

/** Which sessions cdyn_list lists. */
#define CDYN_LIST_LIVE 0u    /**< what cdyn_get would return (as cdyn_ids) */
#define CDYN_LIST_EXPIRED 1u /**< past their expiry, not yet deleted */

/** Lists the ids (without prefix) and expiries of live or of expired
 *  sessions of this store's prefix; `data` of each entry is NULL. Free
 *  with cdyn_session_list_dispose. Returns CDYN_EINVAL for another
 *  `which`. */
CDYN_EXTERN(int) cdyn_list(cdyn_session_list *out, cdyn_store *store,
                           unsigned int which);

/** Describes the table as a JSON object in *out (free with
 *  cdyn_buf_dispose): "table", "endpoint", "region", "status", "billing",
 *  "read_capacity_units" and "write_capacity_units" (null when on
 *  demand), "item_count" and "size_bytes" (DynamoDB's figures, which it
 *  refreshes about every six hours), "ttl_status", "ttl_attribute",
 *  "hash_key", "prefix", and "sessions": {"live", "expired", "stubs"
 *  (this store's items without a `sess`), "foreign" (the table's other
 *  items)}, counted by one Scan of the whole table. Returns
 *  CDYN_ENOTABLE when the table does not exist. */
CDYN_EXTERN(int) cdyn_describe(cdyn_buf *out, cdyn_store *store);

/** DynamoDB's DescribeTable answer for the store's table, as its JSON in
 *  *out (free with cdyn_buf_dispose), e.g. {"Table":{"TableStatus":
 *  "ACTIVE",...}}: connect-dynamodb's describeSessionsTable. Does not wait
 *  for (nor trigger) the store's own table check. CDYN_ENOTABLE when the
 *  table does not exist. Blocks. */
CDYN_EXTERN(int) cdyn_describe_table(cdyn_buf *out, cdyn_store *store);

/** Sends CreateTable for the store's table (hash_key as the HASH key of
 *  type S; billing_mode and capacities as the options say; with
 *  user_field, the user index on `uid` too) and puts
 *  DynamoDB's answer in *out, e.g. {"TableDescription":{"TableStatus":
 *  "CREATING",...}}: connect-dynamodb's createSessionsTable. Does not wait
 *  for ACTIVE nor enable TTL (cdyn_store_ensure_table waits;
 *  cdyn_enable_ttl enables). CDYN_EVALIDATION or a request error when
 *  DynamoDB refuses (e.g. the table exists). Blocks. */
CDYN_EXTERN(int) cdyn_create_table(cdyn_buf *out, cdyn_store *store);

/** Turns DynamoDB's TTL on for `expires`; CDYN_OK when it already is.
 *  CDYN_EVALIDATION when the table's TTL is on another attribute. */
CDYN_EXTERN(int) cdyn_enable_ttl(cdyn_store *store);

/** What cdyn_reap_run deletes. */
typedef enum cdyn_reap_target {
    CDYN_REAP_EXPIRED = 0, /**< sessions whose expiry has passed */
    CDYN_REAP_ALL = 1      /**< every item of the prefix (cdyn_clear) */
} cdyn_reap_target;

/** The counts of a reap so far, given to the progress callback and
 *  returned by cdyn_reap_run. Capacity units are as DynamoDB reports
 *  them in ConsumedCapacity. */
typedef struct cdyn_reap_progress {
    uint64_t scanned;     /**< items read by the scan (ScannedCount) */
    uint64_t matched;     /**< items that matched (expired, or all) */
    uint64_t deleted;     /**< items deleted (0 on a dry run) */
    double read_units;    /**< capacity consumed by the scan */
    double write_units;   /**< capacity consumed by the deletes */
    uint64_t retries;     /**< requests sent again (throttled, failed, or
                               with unprocessed items) */
    uint64_t pages;       /**< scan pages done */
    uint64_t table_items; /**< the table's ItemCount when the reap started
                               (DynamoDB refreshes it about every six
                               hours), for an ETA; 0 when unknown */
    double elapsed_seconds;
    int cancelled;        /**< 1: the progress callback stopped it */
    int finished;         /**< 1: the last report; nothing in flight */
} cdyn_reap_progress;

/** Called after each scan page (its deletes done) and once at the end
 *  (`finished` set), on the store's I/O thread or the thread blocked in
 *  cdyn_reap_run. Return 0 to go on, non-zero to stop after the pages in
 *  flight (then the reap returns CDYN_OK with `cancelled` set). Must not
 *  block and must not make blocking calls on the store. */
typedef int (*cdyn_reap_progress_fn)(const cdyn_reap_progress *progress,
                                     void *userdata);

#define CDYN_REAP_OPTIONS_VERSION 1

/** Options of cdyn_reap_run; fill with cdyn_reap_options_init. */
typedef struct cdyn_reap_options {
    unsigned int version;
    int target;                   /**< cdyn_reap_target; default EXPIRED */
    int dry_run;                  /**< 1: count what would go, delete none */
    int segments;                 /**< parallel scan segments, 1 ... 64;
                                       default 1 */
    double read_units_per_second; /**< read budget of the scan; 0 (default):
                                       no limit */
    double write_units_per_second;/**< write budget of the deletes; 0
                                       (default): no limit */
    int page_size;                /**< items per scan page (Limit); 0
                                       (default): DynamoDB's 1 MB pages.
                                       Small pages pace a small budget
                                       evenly. */
    cdyn_reap_progress_fn progress; /**< optional */
    void *progress_userdata;
} cdyn_reap_options;

/** Fills `opts` with the defaults for `version` (pass
 *  CDYN_REAP_OPTIONS_VERSION). CDYN_EINVAL for NULL or an unknown
 *  version. Does not block. */
CDYN_EXTERN(int) cdyn_reap_options_init(cdyn_reap_options *opts,
                                        unsigned int version);

/** Deletes expired sessions (or, with CDYN_REAP_ALL, all of the prefix's
 *  items) with a parallel Scan paced by the read budget and
 *  BatchWriteItem deletes paced by the write budget, reporting progress.
 *  `opts` NULL: the defaults (what cdyn_reap does). *out (may be NULL)
 *  gets the final counts, also when the reap fails or is stopped part
 *  way. Returns CDYN_OK (check out->cancelled), CDYN_EINVAL for a bad
 *  option, or the error that stopped it. Blocks. */
CDYN_EXTERN(int) cdyn_reap_run(cdyn_reap_progress *out, cdyn_store *store,
                               const cdyn_reap_options *opts);

/** The counts of cdyn_reencrypt. */
typedef struct cdyn_reencrypt_counts {
    uint64_t scanned;     /**< live sessions the scan read */
    uint64_t current;     /**< already under the first key: left alone */
    uint64_t reencrypted; /**< rewritten under the first key (sessions under
                               an older key, and sessions in the clear) */
    uint64_t changed;     /**< written by someone else between the scan and
                               the rewrite: left to that write */
    uint64_t unreadable;  /**< no key of the ring opens them, or DynamoDB
                               refused the rewrite: left alone, a warning
                               logged for each */
    double read_units;    /**< capacity consumed by the scan */
    double write_units;   /**< capacity consumed by the rewrites */
    double elapsed_seconds;
} cdyn_reencrypt_counts;

/** Re-encrypts the whole table under the first key of the store's ring: a
 *  Scan paced by `read_units_per_second`, and for each live session not yet
 *  under that key (older keys, or in the clear) one conditional UpdateItem
 *  of its session attribute alone, paced by `write_units_per_second` (0: no
 *  limit). A session written meanwhile is left to that write; `ver` is
 *  kept, so no save is lost. *out (may be NULL) gets the counts.
 *  CDYN_EINVAL when the store has no encryption keys or a budget is
 *  negative or not finite. Blocks. */
CDYN_EXTERN(int) cdyn_reencrypt(cdyn_reencrypt_counts *out, cdyn_store *store,
                                double read_units_per_second,
                                double write_units_per_second);

/* ------------------------------------------------------------------------
 * Asynchronous calls: one per blocking session call, with the same
 * arguments (minus the out-parameters) plus `(callback, userdata)`. Each
 * returns CDYN_OK when the call was queued, and then `callback` runs exactly
 * once on the store's I/O thread with a result the callback owns (release
 * it with cdyn_result_free, from any thread, at any later time). The result
 * is never NULL and its message never NULL: the memory for it is taken
 * before the call is queued, so running out of memory is the call's own
 * CDYN_ENOMEM. When the call returns an error (CDYN_EINVAL for a NULL
 * store, callback or a bad argument, CDYN_ECLOSED, CDYN_ENOMEM) the
 * callback never runs. Callbacks must not block for long: they hold up the
 * store's I/O; blocking calls made from them return CDYN_EDEADLOCK.
 * ------------------------------------------------------------------------ */

typedef struct cdyn_result {
    int status;               /**< CDYN_OK or a negative code */
    const char *message;      /**< detail when status != CDYN_OK, else "";
                                   never NULL */
    cdyn_buf data;            /**< get, get_item: the JSON */
    int64_t expires;          /**< get: the expiry (0 = none) */
    uint64_t count;           /**< length, clear, reap: the count;
                                   touch_lazy: 1 if written, else 0 */
    cdyn_session_list list;   /**< ids, all: the sessions */
    int64_t version;          /**< get, get_versioned: the version (0 =
                                   none), for cdyn_save */
} cdyn_result;

/** Frees a result and everything in it. NULL: no-op. */
CDYN_EXTERN(void) cdyn_result_free(cdyn_result *result);

typedef void (*cdyn_callback)(cdyn_result *result, void *userdata);

/** cdyn_store_ensure_table: result->status only. */
CDYN_EXTERN(int) cdyn_ensure_table_async(cdyn_store *store,
                                         cdyn_callback callback,
                                         void *userdata);
/** cdyn_get: result->data holds the session JSON, result->expires its
 *  expiry (0 = none); CDYN_ENOTFOUND as cdyn_get. */
CDYN_EXTERN(int) cdyn_get_async(cdyn_store *store, const char *sid,
                                cdyn_callback callback, void *userdata);
/** cdyn_set: result->status only. The data is copied before the call
 *  returns. */
CDYN_EXTERN(int) cdyn_set_async(cdyn_store *store, const char *sid,
                                const char *data, size_t size,
                                int64_t expires, unsigned int flags,
                                cdyn_callback callback, void *userdata);
/** As cdyn_get_versioned; the result carries data, expires and version. */
CDYN_EXTERN(int) cdyn_get_versioned_async(cdyn_store *store, const char *sid,
                                          cdyn_callback callback,
                                          void *userdata);
CDYN_EXTERN(int) cdyn_save_async(cdyn_store *store, const char *sid,
                                 const char *data, size_t size,
                                 int64_t expires, const char *base,
                                 size_t base_size, int64_t base_version,
                                 cdyn_callback callback, void *userdata);
/** cdyn_touch: result->status only. */
CDYN_EXTERN(int) cdyn_touch_async(cdyn_store *store, const char *sid,
                                  int64_t expires, cdyn_callback callback,
                                  void *userdata);
/** As cdyn_touch_lazy; the result's `count` is 1 when the expiry was
 *  written, else 0. */
CDYN_EXTERN(int) cdyn_touch_lazy_async(cdyn_store *store, const char *sid,
                                       int64_t expires, int64_t read_expires,
                                       cdyn_callback callback,
                                       void *userdata);
/** cdyn_destroy: result->status only. */
CDYN_EXTERN(int) cdyn_destroy_async(cdyn_store *store, const char *sid,
                                    cdyn_callback callback, void *userdata);
/** cdyn_length: result->count. */
CDYN_EXTERN(int) cdyn_length_async(cdyn_store *store,
                                   cdyn_callback callback, void *userdata);
/** cdyn_ids: result->list (each `data` NULL). */
CDYN_EXTERN(int) cdyn_ids_async(cdyn_store *store, cdyn_callback callback,
                                void *userdata);
/** cdyn_all: result->list. */
CDYN_EXTERN(int) cdyn_all_async(cdyn_store *store, cdyn_callback callback,
                                void *userdata);
/** cdyn_clear: result->count, the sessions deleted. */
CDYN_EXTERN(int) cdyn_clear_async(cdyn_store *store, cdyn_callback callback,
                                  void *userdata);
/** cdyn_reap: result->count, the expired sessions deleted. */
CDYN_EXTERN(int) cdyn_reap_async(cdyn_store *store, cdyn_callback callback,
                                 void *userdata);
/** cdyn_get_item: result->data holds the item's attribute-value JSON. */
CDYN_EXTERN(int) cdyn_get_item_async(cdyn_store *store, const char *sid,
                                     cdyn_callback callback, void *userdata);

/* The operating calls, asynchronously: cdyn_list_async fills `list` and
 * `count`; cdyn_describe_async puts the JSON in `data`; cdyn_reap_run_async
 * puts the deleted (on a dry run, the matched) count in `count` (the
 * progress callback, if any, sees the full counts at the end). */
CDYN_EXTERN(int) cdyn_list_async(cdyn_store *store, unsigned int which,
                                 cdyn_callback callback, void *userdata);
CDYN_EXTERN(int) cdyn_describe_async(cdyn_store *store,
                                     cdyn_callback callback, void *userdata);
CDYN_EXTERN(int) cdyn_enable_ttl_async(cdyn_store *store,
                                       cdyn_callback callback,
                                       void *userdata);
/** cdyn_describe_table and cdyn_create_table: result->data holds
 *  DynamoDB's answer. */
CDYN_EXTERN(int) cdyn_describe_table_async(cdyn_store *store,
                                           cdyn_callback callback,
                                           void *userdata);
CDYN_EXTERN(int) cdyn_create_table_async(cdyn_store *store,
                                         cdyn_callback callback,
                                         void *userdata);
/** cdyn_user_sessions: result->list and result->count. */
CDYN_EXTERN(int) cdyn_user_sessions_async(cdyn_store *store, const char *user,
                                          cdyn_callback callback,
                                          void *userdata);
/** cdyn_destroy_user_sessions: result->count, the items deleted. */
CDYN_EXTERN(int) cdyn_destroy_user_sessions_async(cdyn_store *store,
                                                  const char *user,
                                                  cdyn_callback callback,
                                                  void *userdata);
CDYN_EXTERN(int) cdyn_reap_run_async(cdyn_store *store,
                                     const cdyn_reap_options *opts,
                                     cdyn_callback callback, void *userdata);
/** cdyn_reencrypt: result->count, the sessions re-encrypted. */
CDYN_EXTERN(int) cdyn_reencrypt_async(cdyn_store *store,
                                      double read_units_per_second,
                                      double write_units_per_second,
                                      cdyn_callback callback, void *userdata);

/* ------------------------------------------------------------------------
 * Counters
 * ------------------------------------------------------------------------ */

#define CDYN_STATS_VERSION 1

/** A snapshot of a store's counters since it was opened. */
typedef struct cdyn_stats {
    unsigned int version;     /**< set to CDYN_STATS_VERSION before the call */
    uint64_t operations;      /**< session calls started */
    uint64_t requests;        /**< DynamoDB requests (before retries) */
    uint64_t attempts;        /**< HTTP attempts, retries included */
    uint64_t retries;         /**< attempts after the first */
    uint64_t throttles;       /**< throttling answers received */
    uint64_t timeouts;        /**< attempts that timed out */
    uint64_t errors[CDYN_ERROR_SLOTS]; /**< failed operations, by -code */
} cdyn_stats;

/** Copies the counters into *out (out->version must be set). Does not
 *  block; thread-safe. Returns CDYN_OK or CDYN_EINVAL. */
CDYN_EXTERN(int) cdyn_store_stats(cdyn_stats *out, cdyn_store *store);

#ifdef __cplusplus
}
#endif

#endif /* CONNECTDYNAMO_H */
