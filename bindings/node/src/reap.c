/*
 * reap.c - the budgeted reaper (cdyn_reap_run_async) for Store#reap and
 * Store#clear with options: its options from JS, its progress reports to a
 * JS function, and stopping it from JS.
 *
 * Progress reports come on the library's I/O thread; each is copied and
 * handed to the JS thread through a thread-safe function of the call's own
 * (unref'ed: the request already keeps the process alive). Stopping: the
 * JS side owns an Int32Array whose first element it sets to 1; the
 * progress callback reads it and asks the library to stop. The JS side
 * keeps the array alive (the completion callback closes over it) until the
 * call has completed, after which the library never reports again.
 */
#include <stdio.h>
#include <stdlib.h>

#include "addon.h"
#include "napi_call.h"

struct reap_call {
    request *req;
    napi_threadsafe_function progress; /* NULL without a progress function */
    int32_t *stop;
};

/* I/O thread: hand a copy to JS; tell the library whether to stop. */
static int on_progress(const cdyn_reap_progress *p, void *userdata)
{
    reap_call *call = userdata;
    if (call->progress != NULL) {
        cdyn_reap_progress *copy = malloc(sizeof *copy);
        if (copy != NULL) {
            *copy = *p;
            if (napi_call_threadsafe_function(call->progress, copy,
                                              napi_tsfn_nonblocking) != napi_ok)
                free(copy); /* the environment is going away */
        }
    }
    return __atomic_load_n(call->stop, __ATOMIC_ACQUIRE) != 0;
}

/* I/O thread: the reap is over; reports already queued are still
 * delivered, then the thread-safe function goes. */
void reap_on_done(cdyn_result *result, void *userdata)
{
    reap_call *call = userdata;
    request *req = call->req;
    if (call->progress != NULL)
        napi_release_threadsafe_function(call->progress, napi_tsfn_release);
    free(call);
    request_on_done(result, req);
}

static bool set_number(napi_env env, napi_value obj, const char *name,
                       double value)
{
    napi_value v;
    NODE_API_CALL_RETURN_FALSE(env, napi_create_double(env, value, &v));
    NODE_API_CALL_RETURN_FALSE(env, napi_set_named_property(env, obj, name, v));
    return true;
}

static bool set_bool(napi_env env, napi_value obj, const char *name, int value)
{
    napi_value v;
    NODE_API_CALL_RETURN_FALSE(env, napi_get_boolean(env, value != 0, &v));
    NODE_API_CALL_RETURN_FALSE(env, napi_set_named_property(env, obj, name, v));
    return true;
}

/* JS thread: one report, as a plain object, to the progress function. A
 * throw is reported as uncaught, as for any asynchronous callback. */
static void progress_call_js(napi_env env, napi_value fn, void *context,
                             void *data)
{
    (void)context;
    cdyn_reap_progress *p = data;
    napi_value obj, undefined, error;
    bool pending = false;
    if (env == NULL || fn == NULL) {
        free(p);
        return;
    }
    if (napi_create_object(env, &obj) == napi_ok &&
        set_number(env, obj, "scanned", (double)p->scanned) &&
        set_number(env, obj, "matched", (double)p->matched) &&
        set_number(env, obj, "deleted", (double)p->deleted) &&
        set_number(env, obj, "readUnits", p->read_units) &&
        set_number(env, obj, "writeUnits", p->write_units) &&
        set_number(env, obj, "retries", (double)p->retries) &&
        set_number(env, obj, "pages", (double)p->pages) &&
        set_number(env, obj, "tableItems", (double)p->table_items) &&
        set_number(env, obj, "elapsedSeconds", p->elapsed_seconds) &&
        set_bool(env, obj, "cancelled", p->cancelled) &&
        set_bool(env, obj, "finished", p->finished) &&
        napi_get_undefined(env, &undefined) == napi_ok)
        napi_call_function(env, undefined, fn, 1, &obj, NULL);
    free(p);
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
        napi_get_and_clear_last_exception(env, &error) == napi_ok)
        napi_fatal_exception(env, error);
}

/* A number property of `obj`, or `fallback` when absent. */
static bool get_number(napi_env env, napi_value obj, const char *name,
                       double fallback, double *out)
{
    napi_value v;
    napi_valuetype type;
    NODE_API_CALL_RETURN_FALSE(env, napi_get_named_property(env, obj, name, &v));
    NODE_API_CALL_RETURN_FALSE(env, napi_typeof(env, v, &type));
    if (type == napi_undefined || type == napi_null) {
        *out = fallback;
        return true;
    }
    if (type != napi_number) {
        char message[96];
        snprintf(message, sizeof message, "reap option %s must be a number", name);
        throw_invalid(env, message);
        return false;
    }
    NODE_API_CALL_RETURN_FALSE(env, napi_get_value_double(env, v, out));
    return true;
}

static int clamp_int(double d)
{
    /* Out of range or fractional: the library refuses it (EINVAL). */
    if (!(d >= -1e9 && d <= 1e9) || d != (double)(int)d)
        return -1;
    return (int)d;
}

reap_call *reap_call_new(napi_env env, addon *a, napi_value js_opts,
                         napi_value progress_fn, napi_value stop_array,
                         request *req, cdyn_reap_options *opts)
{
    double target, dry_run, segments, read, write, page_size;
    napi_valuetype type;
    napi_typedarray_type array_type;
    size_t length;
    void *data = NULL;
    bool is_array = false;

    if (a->api.cdyn_reap_options_init(opts, CDYN_REAP_OPTIONS_VERSION) != CDYN_OK) {
        throw_cdyn_error(env, a, CDYN_EINVAL, a->api.cdyn_last_error());
        return NULL;
    }
    if (!get_number(env, js_opts, "target", opts->target, &target) ||
        !get_number(env, js_opts, "dryRun", opts->dry_run, &dry_run) ||
        !get_number(env, js_opts, "segments", opts->segments, &segments) ||
        !get_number(env, js_opts, "readBudget", opts->read_units_per_second, &read) ||
        !get_number(env, js_opts, "writeBudget", opts->write_units_per_second, &write) ||
        !get_number(env, js_opts, "pageSize", opts->page_size, &page_size))
        return NULL;
    opts->target = clamp_int(target);
    opts->dry_run = dry_run != 0;
    opts->segments = clamp_int(segments);
    opts->read_units_per_second = read;
    opts->write_units_per_second = write;
    opts->page_size = clamp_int(page_size);

    NODE_API_CALL(env, napi_is_typedarray(env, stop_array, &is_array));
    if (is_array)
        NODE_API_CALL(env, napi_get_typedarray_info(env, stop_array, &array_type,
                                                    &length, &data, NULL, NULL));
    if (!is_array || array_type != napi_int32_array || length < 1 || data == NULL) {
        throw_invalid(env, "the stop flag must be an Int32Array");
        return NULL;
    }

    reap_call *call = calloc(1, sizeof *call);
    if (call == NULL) {
        throw_nomem(env);
        return NULL;
    }
    call->req = req;
    call->stop = data;
    NODE_API_CALL(env, napi_typeof(env, progress_fn, &type));
    if (type == napi_function) {
        napi_value name;
        NODE_API_CALL(env, napi_create_string_utf8(env, "connect-dynamo reap progress",
                                                   NAPI_AUTO_LENGTH, &name));
        if (napi_create_threadsafe_function(env, progress_fn, NULL, name, 0, 1,
                                            NULL, NULL, NULL, progress_call_js,
                                            &call->progress) != napi_ok ||
            napi_unref_threadsafe_function(env, call->progress) != napi_ok) {
            free(call);
            cdyn_node_throw_napi_error(env, "napi_create_threadsafe_function");
            return NULL;
        }
    }
    opts->progress = on_progress;
    opts->progress_userdata = call;
    return call;
}

void reap_call_abandon(napi_env env, reap_call *call)
{
    (void)env;
    if (call->progress != NULL)
        napi_release_threadsafe_function(call->progress, napi_tsfn_abort);
    free(call);
}
