/*
 * store.c - the native Store class: one cdyn_store per JavaScript object.
 *
 * Methods take a callback as their last argument and return at once: the
 * call is queued with the library's _async function, which never blocks,
 * and the callback runs later through the store's thread-safe function
 * (request.c). A call that cannot be queued (bad argument, closed store)
 * throws instead; lib/store.js turns that into an asynchronous callback.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"
#include "napi_call.h"

/* Marks objects made by this class, so that a method called on some other
 * wrapped object (Store.prototype.get.call(x)) throws instead of reading
 * foreign memory. */
static const napi_type_tag store_type_tag = {0x636f6e6e65637464ULL,
                                             0x796e616d6f2d7331ULL};

/* ---- lifetime --------------------------------------------------------- */

static void handle_free_if_unused(store_handle *h)
{
    if (h->object_gone && h->tsfn_gone) {
        addon_release(h->addon);
        free(h);
    }
}

static void release_tsfn(napi_env env, napi_threadsafe_function tsfn)
{
    NODE_API_CALL_RETURN_VOID(env,
        napi_release_threadsafe_function(tsfn, napi_tsfn_release));
}

static void remove_cleanup_hook(napi_env env, store_handle *h);

/* Closes the store; idempotent. cdyn_store_free completes every call in
 * flight with CDYN_ECLOSED and has queued their results on the thread-safe
 * function before it returns (it waits for no network), so releasing the
 * function afterwards is safe: the queue still drains before it finalizes. */
static void handle_shutdown(napi_env env, store_handle *h)
{
    if (h->store != NULL) {
        cdyn_store *store = h->store;
        h->store = NULL;
        h->addon->api.cdyn_store_free(store);
    }
    /* After the store: it asks no more questions once freed. */
    if (h->credentials_tsfn != NULL) {
        credentials_stop(h->credentials_tsfn);
        h->credentials_tsfn = NULL;
    }
    if (h->log_tsfn != NULL) {
        log_stop(h->log_tsfn);
        h->log_tsfn = NULL;
    }
    if (h->cleanup_hook)
        remove_cleanup_hook(env, h);
    if (h->tsfn != NULL) {
        napi_threadsafe_function tsfn = h->tsfn;
        h->tsfn = NULL;
        release_tsfn(env, tsfn);
    }
}

/* The environment is going away (process exit, worker termination) with
 * the store still open. Runs before the thread-safe function's own cleanup
 * (hooks run in reverse order of registration), so the results that
 * cdyn_store_free flushes still have a queue to go to. */
static void handle_cleanup_hook(void *arg)
{
    store_handle *h = arg;
    h->cleanup_hook = false; /* Node drops a hook once it has run */
    handle_shutdown(h->env, h);
}

static void remove_cleanup_hook(napi_env env, store_handle *h)
{
    h->cleanup_hook = false;
    NODE_API_CALL_RETURN_VOID(env,
        napi_remove_env_cleanup_hook(env, handle_cleanup_hook, h));
}

/* The JS object was collected. No call can be in flight (each holds a
 * reference to the object), so cdyn_store_free only stops an idle I/O
 * thread: the finalizer waits for no network and no lock held elsewhere. */
static void handle_finalize(napi_env env, void *data, void *hint)
{
    (void)hint;
    store_handle *h = data;
    handle_shutdown(env, h);
    h->object_gone = true;
    handle_free_if_unused(h);
}

static void tsfn_finalize(napi_env env, void *data, void *hint)
{
    (void)env;
    (void)hint;
    store_handle *h = data;
    h->tsfn_gone = true;
    handle_free_if_unused(h);
}

/* ---- construction ----------------------------------------------------- */

static bool handle_start(napi_env env, store_handle *h, napi_value self)
{
    napi_value name;
    NODE_API_CALL_RETURN_FALSE(env,
        napi_type_tag_object(env, self, &store_type_tag));
    NODE_API_CALL_RETURN_FALSE(env, napi_create_string_utf8(
                                        env, "connect-dynamo",
                                        NAPI_AUTO_LENGTH, &name));
    /* Unbounded queue (0): the I/O thread must never wait for JS. One
     * thread count, held by this handle until close. */
    NODE_API_CALL_RETURN_FALSE(env, napi_create_threadsafe_function(
                                        env, NULL, NULL, name, 0, 1, h,
                                        tsfn_finalize, NULL, request_call_js,
                                        &h->tsfn));
    h->tsfn_gone = false;
    /* An idle store must not keep the process alive; a call in flight
     * refs it (request_started). */
    NODE_API_CALL_RETURN_FALSE(env,
        napi_unref_threadsafe_function(env, h->tsfn));
    NODE_API_CALL_RETURN_FALSE(env,
        napi_add_env_cleanup_hook(env, handle_cleanup_hook, h));
    h->cleanup_hook = true;
    return true;
}

static bool wrap(napi_env env, napi_value self, store_handle *h)
{
    NODE_API_CALL_RETURN_FALSE(env,
        napi_wrap(env, self, h, handle_finalize, NULL, NULL));
    return true;
}

static napi_value store_new(napi_env env, napi_callback_info info)
{
    addon *a;
    napi_value self, argv[1], target;
    size_t argc = 1;
    NODE_API_CALL(env, napi_get_instance_data(env, (void **)&a));
    NODE_API_CALL(env, napi_get_new_target(env, info, &target));
    if (target == NULL) {
        throw_invalid(env, "Store is a class: use new");
        return NULL;
    }
    NODE_API_CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));

    cdyn_store_options opts;
    if (a->api.cdyn_store_options_init(&opts, CDYN_STORE_OPTIONS_VERSION) !=
        CDYN_OK) {
        throw_cdyn_error(env, a, CDYN_ERROR, "cdyn_store_options_init failed");
        return NULL;
    }
    options_arena arena = {0};
    if (argc > 0 && !options_from_js(env, argv[0], &opts, &arena)) {
        options_arena_free(&arena);
        return NULL;
    }
    napi_threadsafe_function credentials = NULL, log = NULL;
    if (argc > 0 && (!credentials_start(env, a, argv[0], &opts, &credentials) ||
                     !log_start(env, argv[0], &opts, &log))) {
        credentials_stop(credentials);
        options_arena_free(&arena);
        return NULL;
    }
    cdyn_store *store = NULL;
    int rc = a->api.cdyn_store_open(&store, &opts);
    options_arena_free(&arena);
    if (rc != CDYN_OK) {
        credentials_stop(credentials);
        log_stop(log);
    }
    if (rc != CDYN_OK) {
        char message[1024];
        snprintf(message, sizeof message, "%s", a->api.cdyn_last_error());
        throw_cdyn_error(env, a, rc, message);
        return NULL;
    }

    store_handle *h = calloc(1, sizeof *h);
    if (h == NULL) {
        a->api.cdyn_store_free(store);
        credentials_stop(credentials);
        log_stop(log);
        throw_cdyn_error(env, a, CDYN_ENOMEM, NULL);
        return NULL;
    }
    h->addon = a;
    a->refs++;
    h->env = env;
    h->store = store;
    h->credentials_tsfn = credentials;
    h->log_tsfn = log;
    h->tsfn_gone = true; /* until it exists */
    if (!wrap(env, self, h)) {
        a->api.cdyn_store_free(store);
        credentials_stop(credentials);
        log_stop(log);
        addon_release(a);
        free(h);
        return NULL;
    }
    /* From here the finalizer owns h. */
    if (!handle_start(env, h, self)) {
        handle_shutdown(env, h);
        return NULL;
    }
    return self;
}

/* ---- calls ------------------------------------------------------------ */

/* The handle behind `this`, and the call's arguments. NULL with an
 * exception pending when `this` is not a Store. */
static store_handle *unwrap_call(napi_env env, napi_callback_info info,
                                 size_t *argc, napi_value *argv,
                                 napi_value *self)
{
    bool tagged = false;
    store_handle *h;
    NODE_API_CALL(env, napi_get_cb_info(env, info, argc, argv, self, NULL));
    NODE_API_CALL(env,
        napi_check_object_type_tag(env, *self, &store_type_tag, &tagged));
    if (!tagged) {
        throw_invalid(env, "not a connect-dynamo Store");
        return NULL;
    }
    NODE_API_CALL(env, napi_unwrap(env, *self, (void **)&h));
    return h;
}

static bool make_references(napi_env env, request *req, napi_value callback,
                            napi_value self)
{
    NODE_API_CALL_RETURN_FALSE(env,
        napi_create_reference(env, callback, 1, &req->callback));
    NODE_API_CALL_RETURN_FALSE(env,
        napi_create_reference(env, self, 1, &req->owner));
    return true;
}

/* A request for a call on an open store; NULL with an exception pending. */
static request *request_new(napi_env env, store_handle *h, napi_value self,
                            napi_value callback, request_kind kind)
{
    napi_valuetype type;
    NODE_API_CALL(env, napi_typeof(env, callback, &type));
    if (type != napi_function) {
        throw_invalid(env, "callback must be a function");
        return NULL;
    }
    if (h->store == NULL) {
        throw_cdyn_error(env, h->addon, CDYN_ECLOSED, "the store is closed");
        return NULL;
    }
    request *req = calloc(1, sizeof *req);
    if (req == NULL) {
        throw_cdyn_error(env, h->addon, CDYN_ENOMEM, NULL);
        return NULL;
    }
    req->handle = h;
    req->kind = kind;
    req->tsfn = h->tsfn;
    req->result_free = h->addon->api.cdyn_result_free;
    if (!make_references(env, req, callback, self)) {
        request_free(env, req);
        return NULL;
    }
    return req;
}

static void ref_tsfn(napi_env env, napi_threadsafe_function tsfn)
{
    NODE_API_CALL_RETURN_VOID(env, napi_ref_threadsafe_function(env, tsfn));
}

/* Completes the start of a call: `rc` is what the _async function
 * returned. When it failed, its callback will never run. */
static napi_value request_started(napi_env env, request *req, int rc)
{
    store_handle *h = req->handle;
    if (rc != CDYN_OK) {
        char message[1024];
        snprintf(message, sizeof message, "%s", h->addon->api.cdyn_last_error());
        request_free(env, req);
        throw_cdyn_error(env, h->addon, rc, message);
        return NULL;
    }
    /* While anything is in flight the process must stay alive to deliver
     * it. (call_js cannot run before this: it runs on this thread.) */
    if (h->in_flight++ == 0)
        ref_tsfn(env, h->tsfn);
    return NULL; /* undefined, or the pending exception */
}

static bool get_expires(napi_env env, napi_value value, int64_t *out)
{
    napi_valuetype type;
    double d;
    NODE_API_CALL_RETURN_FALSE(env, napi_typeof(env, value, &type));
    if (type == napi_number)
        NODE_API_CALL_RETURN_FALSE(env, napi_get_value_double(env, value, &d));
    if (type != napi_number || !isfinite(d) || d < 0 || d > 9.0e15 ||
        d != floor(d)) {
        throw_invalid(env, "expires must be a whole number of epoch seconds");
        return false;
    }
    *out = (int64_t)d;
    return true;
}

static bool get_version(napi_env env, napi_value value, int64_t *out)
{
    napi_valuetype type;
    double d;
    NODE_API_CALL_RETURN_FALSE(env, napi_typeof(env, value, &type));
    if (type == napi_number)
        NODE_API_CALL_RETURN_FALSE(env, napi_get_value_double(env, value, &d));
    if (type != napi_number || !isfinite(d) || d < 0 || d > 9.0e15 ||
        d != floor(d)) {
        throw_invalid(env, "the base version must be a whole number");
        return false;
    }
    *out = (int64_t)d;
    return true;
}

static bool get_flags(napi_env env, napi_value value, unsigned int *out)
{
    napi_valuetype type;
    uint32_t flags;
    NODE_API_CALL_RETURN_FALSE(env, napi_typeof(env, value, &type));
    if (type != napi_number) {
        throw_invalid(env, "flags must be a number");
        return false;
    }
    NODE_API_CALL_RETURN_FALSE(env, napi_get_value_uint32(env, value, &flags));
    *out = flags;
    return true;
}

/* Calls with only a callback: ensureTable, length, ids, all, clear, reap.
 * Returns the request to start, or NULL with an exception pending. */
static request *store_only_call(napi_env env, napi_callback_info info,
                                request_kind kind, store_handle **out)
{
    size_t argc = 1;
    napi_value argv[1], self, undefined;
    store_handle *h = unwrap_call(env, info, &argc, argv, &self);
    if (h == NULL)
        return NULL;
    NODE_API_CALL(env, napi_get_undefined(env, &undefined));
    *out = h;
    return request_new(env, h, self, argc > 0 ? argv[0] : undefined, kind);
}

#define STORE_ONLY_METHOD(js_name, c_fn, kind)                               \
    static napi_value store_##js_name(napi_env env, napi_callback_info info) \
    {                                                                        \
        store_handle *h;                                                     \
        request *req = store_only_call(env, info, kind, &h);                 \
        if (req == NULL)                                                     \
            return NULL;                                                     \
        return request_started(                                              \
            env, req, h->addon->api.c_fn(h->store, request_on_done, req));   \
    }

STORE_ONLY_METHOD(ensureTable, cdyn_ensure_table_async, REQUEST_VOID)
STORE_ONLY_METHOD(length, cdyn_length_async, REQUEST_COUNT)
STORE_ONLY_METHOD(ids, cdyn_ids_async, REQUEST_IDS)
STORE_ONLY_METHOD(all, cdyn_all_async, REQUEST_ALL)
STORE_ONLY_METHOD(clear, cdyn_clear_async, REQUEST_COUNT)
STORE_ONLY_METHOD(reap, cdyn_reap_async, REQUEST_COUNT)
/* (err, json): DynamoDB's answer, delivered as a get's data. */
STORE_ONLY_METHOD(describeTable, cdyn_describe_table_async, REQUEST_GET)
STORE_ONLY_METHOD(createTable, cdyn_create_table_async, REQUEST_GET)
STORE_ONLY_METHOD(enableTtl, cdyn_enable_ttl_async, REQUEST_VOID)

/* reapRun(options, progress, stopFlag, callback): the budgeted reaper
 * (see reap.c); the callback gets (err, count). */
static napi_value store_reapRun(napi_env env, napi_callback_info info)
{
    size_t argc = 4;
    napi_value argv[4], self;
    cdyn_reap_options opts;
    store_handle *h = unwrap_call(env, info, &argc, argv, &self);
    if (h == NULL)
        return NULL;
    if (argc < 4) {
        throw_invalid(env, "reapRun(options, progress, stopFlag, callback)");
        return NULL;
    }
    request *req = request_new(env, h, self, argv[3], REQUEST_COUNT);
    if (req == NULL)
        return NULL;
    reap_call *call = reap_call_new(env, h->addon, argv[0], argv[1], argv[2], req, &opts);
    if (call == NULL) {
        request_free(env, req);
        return NULL;
    }
    int rc = h->addon->api.cdyn_reap_run_async(h->store, &opts, reap_on_done, call);
    if (rc != CDYN_OK)
        reap_call_abandon(env, call);
    return request_started(env, req, rc);
}

/* reencrypt(readBudget, writeBudget, callback): whole-table re-encryption
 * (cdyn_reencrypt_async); the callback gets (err, count re-encrypted). The
 * budgets are numbers (0: no limit), judged by the library. */
static napi_value store_reencrypt(napi_env env, napi_callback_info info)
{
    size_t argc = 3;
    napi_value argv[3], self;
    double budgets[2];
    store_handle *h = unwrap_call(env, info, &argc, argv, &self);
    if (h == NULL)
        return NULL;
    if (argc < 3) {
        throw_invalid(env, "reencrypt(readBudget, writeBudget, callback)");
        return NULL;
    }
    for (int i = 0; i < 2; i++) {
        napi_valuetype type;
        NODE_API_CALL(env, napi_typeof(env, argv[i], &type));
        if (type != napi_number) {
            throw_invalid(env, "reencrypt budgets must be numbers of units per second");
            return NULL;
        }
        NODE_API_CALL(env, napi_get_value_double(env, argv[i], &budgets[i]));
    }
    request *req = request_new(env, h, self, argv[2], REQUEST_COUNT);
    if (req == NULL)
        return NULL;
    return request_started(env, req,
                           h->addon->api.cdyn_reencrypt_async(h->store, budgets[0], budgets[1],
                                                              request_on_done, req));
}

/* The store, sid and callback of a call taking a session id; the sid is
 * malloc'ed (the library copies it, so it is freed right after). */
typedef struct sid_call {
    store_handle *h;
    napi_value self;
    napi_value argv[6];
    size_t argc;
    char *sid;
} sid_call;

static bool sid_call_begin(napi_env env, napi_callback_info info,
                           size_t nargs, sid_call *c)
{
    napi_value undefined;
    c->argc = nargs;
    c->h = unwrap_call(env, info, &c->argc, c->argv, &c->self);
    if (c->h == NULL)
        return false;
    NODE_API_CALL_RETURN_FALSE(env, napi_get_undefined(env, &undefined));
    for (size_t i = c->argc; i < nargs; i++)
        c->argv[i] = undefined;
    c->sid = js_string_dup(env, c->argv[0], "session id", NULL);
    return c->sid != NULL;
}

/* userSessions(user, callback) -> (err, [{id, data: null, expires}]) and
 * destroyUserSessions(user, callback) -> (err, count): the user index. */
static napi_value user_call(napi_env env, napi_callback_info info, bool destroy)
{
    size_t argc = 2;
    napi_value argv[2], self, undefined;
    store_handle *h = unwrap_call(env, info, &argc, argv, &self);
    if (h == NULL)
        return NULL;
    NODE_API_CALL(env, napi_get_undefined(env, &undefined));
    for (size_t i = argc; i < 2; i++)
        argv[i] = undefined;
    char *user = js_string_dup(env, argv[0], "user", NULL);
    if (user == NULL)
        return NULL;
    napi_value ret = NULL;
    request *req = request_new(env, h, self, argv[1], destroy ? REQUEST_COUNT : REQUEST_ALL);
    if (req != NULL)
        ret = request_started(env, req, destroy
            ? h->addon->api.cdyn_destroy_user_sessions_async(h->store, user, request_on_done, req)
            : h->addon->api.cdyn_user_sessions_async(h->store, user, request_on_done, req));
    free(user);
    return ret;
}

static napi_value store_userSessions(napi_env env, napi_callback_info info)
{
    return user_call(env, info, false);
}

static napi_value store_destroyUserSessions(napi_env env, napi_callback_info info)
{
    return user_call(env, info, true);
}

static napi_value store_get(napi_env env, napi_callback_info info)
{
    sid_call c = {0};
    if (!sid_call_begin(env, info, 2, &c))
        return NULL;
    request *req = request_new(env, c.h, c.self, c.argv[1], REQUEST_GET);
    napi_value ret = NULL;
    if (req != NULL)
        ret = request_started(env, req, c.h->addon->api.cdyn_get_async(
                                            c.h->store, c.sid,
                                            request_on_done, req));
    free(c.sid);
    return ret;
}

static napi_value store_set(napi_env env, napi_callback_info info)
{
    sid_call c = {0};
    if (!sid_call_begin(env, info, 5, &c))
        return NULL;
    napi_value ret = NULL;
    size_t size;
    int64_t expires;
    unsigned int flags;
    char *data = js_string_dup(env, c.argv[1], "session data", &size);
    if (data != NULL && get_expires(env, c.argv[2], &expires) &&
        get_flags(env, c.argv[3], &flags)) {
        request *req = request_new(env, c.h, c.self, c.argv[4], REQUEST_VOID);
        if (req != NULL)
            ret = request_started(env, req, c.h->addon->api.cdyn_set_async(
                                                c.h->store, c.sid, data, size,
                                                expires, flags,
                                                request_on_done, req));
    }
    free(data);
    free(c.sid);
    return ret;
}

/* save(sid, json, expires, base, baseVersion, callback): a versioned save;
 * `base` is the JSON text get returned (null: a new session). */
static napi_value store_save(napi_env env, napi_callback_info info)
{
    sid_call c = {0};
    if (!sid_call_begin(env, info, 6, &c))
        return NULL;
    napi_value ret = NULL;
    size_t size, base_size = 0;
    int64_t expires, base_version = 0;
    char *base = NULL;
    napi_valuetype base_type;
    bool ok = true;
    char *data = js_string_dup(env, c.argv[1], "session data", &size);
    if (data == NULL || !get_expires(env, c.argv[2], &expires))
        ok = false;
    if (ok && napi_typeof(env, c.argv[3], &base_type) != napi_ok)
        ok = false;
    if (ok && base_type != napi_null && base_type != napi_undefined) {
        base = js_string_dup(env, c.argv[3], "base session data", &base_size);
        ok = base != NULL && get_version(env, c.argv[4], &base_version);
    }
    if (ok) {
        request *req = request_new(env, c.h, c.self, c.argv[5], REQUEST_VOID);
        if (req != NULL)
            ret = request_started(env, req, c.h->addon->api.cdyn_save_async(
                                                c.h->store, c.sid, data, size,
                                                expires, base, base_size,
                                                base_version,
                                                request_on_done, req));
    }
    free(base);
    free(data);
    free(c.sid);
    return ret;
}

static napi_value store_touch(napi_env env, napi_callback_info info)
{
    sid_call c = {0};
    if (!sid_call_begin(env, info, 3, &c))
        return NULL;
    napi_value ret = NULL;
    int64_t expires;
    if (get_expires(env, c.argv[1], &expires)) {
        request *req = request_new(env, c.h, c.self, c.argv[2], REQUEST_VOID);
        if (req != NULL)
            ret = request_started(env, req, c.h->addon->api.cdyn_touch_async(
                                                c.h->store, c.sid, expires,
                                                request_on_done, req));
    }
    free(c.sid);
    return ret;
}

/* touchLazy(sid, expires, readExpires, callback): (err, 1 if written). */
static napi_value store_touch_lazy(napi_env env, napi_callback_info info)
{
    sid_call c = {0};
    if (!sid_call_begin(env, info, 4, &c))
        return NULL;
    napi_value ret = NULL;
    int64_t expires, read_expires;
    if (get_expires(env, c.argv[1], &expires) &&
        get_expires(env, c.argv[2], &read_expires)) {
        request *req = request_new(env, c.h, c.self, c.argv[3], REQUEST_COUNT);
        if (req != NULL)
            ret = request_started(env, req, c.h->addon->api.cdyn_touch_lazy_async(
                                                c.h->store, c.sid, expires,
                                                read_expires, request_on_done,
                                                req));
    }
    free(c.sid);
    return ret;
}

static napi_value store_destroy(napi_env env, napi_callback_info info)
{
    sid_call c = {0};
    if (!sid_call_begin(env, info, 2, &c))
        return NULL;
    request *req = request_new(env, c.h, c.self, c.argv[1], REQUEST_VOID);
    napi_value ret = NULL;
    if (req != NULL)
        ret = request_started(env, req, c.h->addon->api.cdyn_destroy_async(
                                            c.h->store, c.sid,
                                            request_on_done, req));
    free(c.sid);
    return ret;
}

/* ---- synchronous members ---------------------------------------------- */

static napi_value store_close(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    napi_value self;
    store_handle *h = unwrap_call(env, info, &argc, NULL, &self);
    if (h != NULL)
        handle_shutdown(env, h);
    return NULL;
}

static napi_value store_closed(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    napi_value self, result;
    store_handle *h = unwrap_call(env, info, &argc, NULL, &self);
    if (h == NULL)
        return NULL;
    NODE_API_CALL(env, napi_get_boolean(env, h->store == NULL, &result));
    return result;
}

static napi_value store_in_flight(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    napi_value self, result;
    store_handle *h = unwrap_call(env, info, &argc, NULL, &self);
    if (h == NULL)
        return NULL;
    NODE_API_CALL(env, napi_create_uint32(env, h->in_flight, &result));
    return result;
}

static bool set_counter(napi_env env, napi_value obj, const char *name,
                        uint64_t value)
{
    napi_value v;
    NODE_API_CALL_RETURN_FALSE(env, napi_create_double(env, (double)value, &v));
    NODE_API_CALL_RETURN_FALSE(env, napi_set_named_property(env, obj, name, v));
    return true;
}

static napi_value store_stats(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    napi_value self, result, errors;
    store_handle *h = unwrap_call(env, info, &argc, NULL, &self);
    if (h == NULL)
        return NULL;
    if (h->store == NULL) {
        throw_cdyn_error(env, h->addon, CDYN_ECLOSED, "the store is closed");
        return NULL;
    }
    cdyn_stats stats = {.version = CDYN_STATS_VERSION};
    int rc = h->addon->api.cdyn_store_stats(&stats, h->store);
    if (rc != CDYN_OK) {
        throw_cdyn_error(env, h->addon, rc, h->addon->api.cdyn_last_error());
        return NULL;
    }
    NODE_API_CALL(env, napi_create_object(env, &result));
    NODE_API_CALL(env, napi_create_object(env, &errors));
    if (!set_counter(env, result, "operations", stats.operations) ||
        !set_counter(env, result, "requests", stats.requests) ||
        !set_counter(env, result, "attempts", stats.attempts) ||
        !set_counter(env, result, "retries", stats.retries) ||
        !set_counter(env, result, "throttles", stats.throttles) ||
        !set_counter(env, result, "timeouts", stats.timeouts))
        return NULL;
    /* errors: { CDYN_ENOTFOUND: n, ... } for the codes that occurred */
    for (int slot = 1; slot < CDYN_ERROR_SLOTS; slot++)
        if (stats.errors[slot] != 0 &&
            !set_counter(env, errors, h->addon->api.cdyn_error_name(-slot),
                         stats.errors[slot]))
            return NULL;
    NODE_API_CALL(env, napi_set_named_property(env, result, "errors", errors));
    return result;
}

static bool set_string(napi_env env, napi_value obj, const char *name,
                       const char *value)
{
    napi_value v;
    NODE_API_CALL_RETURN_FALSE(env, napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v));
    NODE_API_CALL_RETURN_FALSE(env, napi_set_named_property(env, obj, name, v));
    return true;
}

/* A string, or null when NULL. */
static bool set_optional_string(napi_env env, napi_value obj, const char *name,
                                const char *value)
{
    napi_value v;
    if (value != NULL)
        return set_string(env, obj, name, value);
    NODE_API_CALL_RETURN_FALSE(env, napi_get_null(env, &v));
    NODE_API_CALL_RETURN_FALSE(env, napi_set_named_property(env, obj, name, v));
    return true;
}

static bool set_flag(napi_env env, napi_value obj, const char *name, int value)
{
    napi_value v;
    NODE_API_CALL_RETURN_FALSE(env, napi_get_boolean(env, value != 0, &v));
    NODE_API_CALL_RETURN_FALSE(env, napi_set_named_property(env, obj, name, v));
    return true;
}

/* itemSession(itemJSON): the session an item (attribute-value JSON) holds
 * by the library's rule, as [sessionJSON, expires]; null when it holds
 * none (cdyn_item_session's CDYN_ENOTFOUND). Synchronous: no I/O. */
static napi_value store_item_session(napi_env env, napi_callback_info info)
{
    size_t argc = 1, size = 0;
    napi_value argv[1], self, result = NULL, json, expires_value;
    store_handle *h = unwrap_call(env, info, &argc, argv, &self);
    if (h == NULL)
        return NULL;
    if (h->store == NULL) {
        throw_cdyn_error(env, h->addon, CDYN_ECLOSED, "the store is closed");
        return NULL;
    }
    char *item = argc < 1 ? NULL : js_string_dup(env, argv[0], "item", &size);
    if (item == NULL) {
        if (argc < 1)
            throw_invalid(env, "item must be a string");
        return NULL;
    }
    cdyn_buf out = {0};
    int64_t expires = 0;
    int rc = h->addon->api.cdyn_item_session(&out, &expires, h->store, item, size);
    free(item);
    if (rc == CDYN_ENOTFOUND) {
        NODE_API_CALL(env, napi_get_null(env, &result));
        return result;
    }
    if (rc != CDYN_OK) {
        throw_cdyn_error(env, h->addon, rc, h->addon->api.cdyn_last_error());
        return NULL;
    }
    if (napi_create_string_utf8(env, out.ptr, out.size, &json) == napi_ok &&
        napi_create_double(env, (double)expires, &expires_value) == napi_ok &&
        napi_create_array_with_length(env, 2, &result) == napi_ok &&
        napi_set_element(env, result, 0, json) == napi_ok &&
        napi_set_element(env, result, 1, expires_value) == napi_ok) {
        h->addon->api.cdyn_buf_dispose(&out);
        return result;
    }
    h->addon->api.cdyn_buf_dispose(&out);
    return NULL;
}

/* The settings the library runs with (cdyn_store_info): defaults applied,
 * region and endpoint resolved, no secret. */
static bool info_object(napi_env env, const cdyn_info *c, napi_value *out)
{
    NODE_API_CALL_RETURN_FALSE(env, napi_create_object(env, out));
    return set_string(env, *out, "table", c->table) &&
           set_string(env, *out, "hashKey", c->hash_key) &&
           set_string(env, *out, "prefix", c->prefix) &&
           set_string(env, *out, "region", c->region) &&
           set_string(env, *out, "endpoint", c->endpoint) &&
           set_counter(env, *out, "defaultTtlSeconds", (uint64_t)c->default_ttl_seconds) &&
           set_flag(env, *out, "consistentReads", c->consistent_reads) &&
           set_flag(env, *out, "createTable", c->create_table) &&
           set_string(env, *out, "billingMode",
                      c->billing_mode == CDYN_BILLING_ON_DEMAND ? "PAY_PER_REQUEST" : "PROVISIONED") &&
           set_counter(env, *out, "readCapacityUnits", (uint64_t)c->read_capacity_units) &&
           set_counter(env, *out, "writeCapacityUnits", (uint64_t)c->write_capacity_units) &&
           set_counter(env, *out, "connectTimeout", (uint64_t)c->connect_timeout_ms) &&
           set_counter(env, *out, "requestTimeout", (uint64_t)c->request_timeout_ms) &&
           set_counter(env, *out, "maxAttempts", (uint64_t)c->max_attempts) &&
           set_counter(env, *out, "specialKeyCount", c->special_key_count) &&
           set_flag(env, *out, "explicitCredentials", c->explicit_credentials) &&
           set_counter(env, *out, "maxConnections", (uint64_t)c->max_connections) &&
           set_flag(env, *out, "hashIds", c->hash_ids) &&
           set_optional_string(env, *out, "userField", c->user_field) &&
           set_optional_string(env, *out, "userIndex", c->user_index_name) &&
           set_counter(env, *out, "encryptionKeyCount", c->encryption_key_count) &&
           set_optional_string(env, *out, "encryptionKeyId", c->encryption_key_id);
}

static napi_value store_info(napi_env env, napi_callback_info info)
{
    size_t argc = 0;
    napi_value self, result;
    store_handle *h = unwrap_call(env, info, &argc, NULL, &self);
    if (h == NULL)
        return NULL;
    if (h->store == NULL) {
        throw_cdyn_error(env, h->addon, CDYN_ECLOSED, "the store is closed");
        return NULL;
    }
    cdyn_info settings = {.version = CDYN_INFO_VERSION};
    int rc = h->addon->api.cdyn_store_info(&settings, h->store);
    if (rc != CDYN_OK) {
        throw_cdyn_error(env, h->addon, rc, h->addon->api.cdyn_last_error());
        return NULL;
    }
    bool ok = info_object(env, &settings, &result);
    h->addon->api.cdyn_info_dispose(&settings);
    return ok ? result : NULL;
}

/* ---- the class -------------------------------------------------------- */

#define METHOD(name, fn)                                                     \
    {name, NULL, fn, NULL, NULL, NULL, napi_default_method, NULL}
#define GETTER(name, fn)                                                     \
    {name, NULL, NULL, fn, NULL, NULL, napi_configurable, NULL}

napi_value store_define_class(napi_env env, napi_value exports)
{
    static const napi_property_descriptor members[] = {
        METHOD("ensureTable", store_ensureTable),
        METHOD("describeTable", store_describeTable),
        METHOD("createTable", store_createTable),
        METHOD("enableTtl", store_enableTtl),
        METHOD("get", store_get),
        METHOD("set", store_set),
        METHOD("save", store_save),
        METHOD("touch", store_touch),
        METHOD("touchLazy", store_touch_lazy),
        METHOD("destroy", store_destroy),
        METHOD("length", store_length),
        METHOD("ids", store_ids),
        METHOD("all", store_all),
        METHOD("clear", store_clear),
        METHOD("reap", store_reap),
        METHOD("reapRun", store_reapRun),
        METHOD("userSessions", store_userSessions),
        METHOD("destroyUserSessions", store_destroyUserSessions),
        METHOD("reencrypt", store_reencrypt),
        METHOD("close", store_close),
        METHOD("stats", store_stats),
        METHOD("info", store_info),
        METHOD("itemSession", store_item_session),
        GETTER("closed", store_closed),
        GETTER("inFlight", store_in_flight),
    };
    napi_value cls;
    NODE_API_CALL(env, napi_define_class(env, "Store", NAPI_AUTO_LENGTH,
                                         store_new, NULL,
                                         sizeof members / sizeof members[0],
                                         members, &cls));
    NODE_API_CALL(env, napi_set_named_property(env, exports, "Store", cls));
    return exports;
}
