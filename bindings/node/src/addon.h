/*
 * addon.h - state shared by the files of the addon.
 *
 * Ownership in one picture:
 *
 *   addon (per Node environment: napi_set_instance_data)
 *     ^ counted reference from each store_handle
 *   store_handle (one per JS Store object, napi_wrap'ed)
 *     owns the cdyn_store and one napi_threadsafe_function
 *     freed when both the JS object and the thread-safe function are gone
 *   request (one per call in flight)
 *     owns a strong reference to the callback and to the JS Store object,
 *     so a store cannot be collected while a call of it is in flight
 *
 * All fields are touched on the JS thread only, except that the library's
 * I/O thread reads request->tsfn and request->result_free, which are set
 * before the call is queued.
 */
#ifndef CDYN_NODE_ADDON_H
#define CDYN_NODE_ADDON_H

#include <stdbool.h>
#include <stdint.h>
#include <node_api.h>

#include "cdyn_api.h"

typedef struct addon {
    cdyn_api api;
    unsigned refs; /* the environment's own + one per store_handle */
} addon;

typedef struct store_handle {
    addon *addon;
    napi_env env;
    cdyn_store *store;             /* NULL once closed */
    napi_threadsafe_function tsfn; /* NULL once released */
    /* The JS credentials provider's, when there is one (credentials.c);
     * NULL once released, after the store is freed. */
    napi_threadsafe_function credentials_tsfn;
    /* The JS log function's (log.c); NULL when none, or once released. */
    napi_threadsafe_function log_tsfn;
    uint32_t in_flight;            /* calls queued and not yet delivered */
    bool cleanup_hook;             /* an env cleanup hook is registered */
    bool object_gone;              /* the JS object was finalized */
    bool tsfn_gone;                /* the thread-safe function finalized */
} store_handle;

/* What a completed call hands to its JavaScript callback. */
typedef enum request_kind {
    REQUEST_VOID,  /* (err) */
    REQUEST_GET,   /* (err, json, expires, version) */
    REQUEST_COUNT, /* (err, count) */
    REQUEST_IDS,   /* (err, [id, ...]) */
    REQUEST_ALL    /* (err, [{id, data, expires}, ...]) */
} request_kind;

typedef struct request {
    store_handle *handle;
    /* The I/O thread uses this copy, never the handle's field: the handle
     * is the JS thread's. */
    napi_threadsafe_function tsfn;
    request_kind kind;
    napi_ref callback;
    napi_ref owner;
    cdyn_result *result; /* set on the I/O thread */
    /* Copied from the api so that a request freed during environment
     * teardown (after its handle may be gone) can still free its result. */
    __typeof__(cdyn_result_free) *result_free;
} request;

/* addon.c */
void addon_release(addon *a);

/* store.c: defines the Store class on `exports`. */
napi_value store_define_class(napi_env env, napi_value exports);

/* options.c: fills `opts` from a JS object of already-normalised options
 * (see lib/options.js). Strings are allocated in `arena` (free with
 * options_arena_free after cdyn_store_open has copied them). Returns false
 * with a JS exception pending. */
typedef struct options_arena {
    void **blocks;
    size_t count;
    size_t capacity;
} options_arena;

bool options_from_js(napi_env env, napi_value js, cdyn_store_options *opts,
                     options_arena *arena);
void options_arena_free(options_arena *arena);

/* credentials.c: when the options object has a `credentialsProvider`
 * function, sets opts->credentials to ask it through a new thread-safe
 * function (*out; NULL when there is no provider). Release that with
 * credentials_stop once the store is freed. Returns false with a JS
 * exception pending. */
bool credentials_start(napi_env env, addon *a, napi_value options,
                       cdyn_store_options *opts,
                       napi_threadsafe_function *out);
void credentials_stop(napi_threadsafe_function tsfn);

/* log.c: when the options object has a `log` function, sets opts->log to
 * deliver the library's lines to it as log(level, message) through a new
 * thread-safe function (*out; NULL when there is none), released with
 * log_stop once the store is freed. Returns false with a JS exception
 * pending. */
bool log_start(napi_env env, napi_value options, cdyn_store_options *opts,
               napi_threadsafe_function *out);
void log_stop(napi_threadsafe_function tsfn);

/* Allocates a NUL-terminated UTF-8 copy of a JS string (free with free()).
 * Rejects non-strings, strings holding a NUL and strings holding a lone
 * surrogate (UTF-8 has no form for it) with a TypeError whose code is
 * CDYN_EINVAL. Returns NULL with a JS exception pending. */
char *js_string_dup(napi_env env, napi_value value, const char *what,
                    size_t *out_len);

/* Throws an Error (or TypeError) whose .code is cdyn_error_name(status). */
void throw_cdyn_error(napi_env env, addon *a, int status,
                      const char *message);
void throw_invalid(napi_env env, const char *message);
void throw_nomem(napi_env env);

/* request.c */
/* Frees a request and its references (either may be NULL), on the JS
 * thread; its result, if any, is the caller's to free first. */
void request_free(napi_env env, request *req);
napi_value request_error(napi_env env, addon *a, int status,
                         const char *message);
void request_on_done(cdyn_result *result, void *userdata);
void request_call_js(napi_env env, napi_value js_callback, void *context,
                     void *data);

/* reap.c: Store#reapRun. reap_call_new reads the JS options into `opts`
 * (progress included) and makes the call's state, or returns NULL with an
 * exception pending; pass reap_on_done and the call to
 * cdyn_reap_run_async, or reap_call_abandon when that refuses to start. */
typedef struct reap_call reap_call;
reap_call *reap_call_new(napi_env env, addon *a, napi_value js_opts,
                         napi_value progress_fn, napi_value stop_array,
                         request *req, cdyn_reap_options *opts);
void reap_call_abandon(napi_env env, reap_call *call);
void reap_on_done(cdyn_result *result, void *userdata);

#endif
