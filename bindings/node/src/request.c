/*
 * request.c - completing a call: from the library's I/O thread, through the
 * store's thread-safe function, to the JavaScript callback.
 *
 * No libuv thread-pool work is involved: the library does the I/O on its
 * own thread, and the thread-safe function wakes the event loop.
 */
#include <stdlib.h>

#include "addon.h"
#include "napi_call.h"

napi_value request_error(napi_env env, addon *a, int status,
                         const char *message)
{
    /* The message may be cdyn_last_error()'s buffer, valid only until the
     * next cdyn_ call on this thread: turn it into a JS string first. */
    const char *text = message != NULL && *message != '\0'
                           ? message
                           : a->api.cdyn_strerror(status);
    napi_value code, msg, error, errnum;
    NODE_API_CALL(env,
        napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg));
    NODE_API_CALL(env, napi_create_string_utf8(
                           env, a->api.cdyn_error_name(status),
                           NAPI_AUTO_LENGTH, &code));
    if (status == CDYN_EINVAL)
        NODE_API_CALL(env, napi_create_type_error(env, code, msg, &error));
    else
        NODE_API_CALL(env, napi_create_error(env, code, msg, &error));
    NODE_API_CALL(env, napi_create_int32(env, status, &errnum));
    NODE_API_CALL(env, napi_set_named_property(env, error, "errno", errnum));
    return error;
}

/* Runs on the library's I/O thread: hand the result to the JS thread. It
 * must not block, so the queue is unbounded and the call non-blocking.
 * The one Node-API call not made through NODE_API_CALL: there is no env on
 * this thread to raise an exception in, so its status is handled here. */
void request_on_done(cdyn_result *result, void *userdata)
{
    request *req = userdata;
    req->result = result;
    if (napi_call_threadsafe_function(req->tsfn, req,
                                      napi_tsfn_nonblocking) != napi_ok) {
        /* Only while the environment is being torn down: nobody is left
         * to call back, and its references die with it. */
        req->result_free(result);
        free(req);
    }
}

static bool set_property(napi_env env, napi_value obj, const char *name,
                         napi_value value)
{
    NODE_API_CALL_RETURN_FALSE(env,
        napi_set_named_property(env, obj, name, value));
    return true;
}

static napi_value session_list(napi_env env, const cdyn_session_list *list,
                               bool with_data)
{
    napi_value array;
    NODE_API_CALL(env, napi_create_array_with_length(env, list->count, &array));
    for (size_t i = 0; i < list->count; i++) {
        const cdyn_session *s = &list->sessions[i];
        napi_value id, item;
        NODE_API_CALL(env, napi_create_string_utf8(env, s->id, s->id_len, &id));
        if (!with_data) {
            item = id;
        } else {
            napi_value data, expires;
            NODE_API_CALL(env, napi_create_object(env, &item));
            if (s->data != NULL)
                NODE_API_CALL(env, napi_create_string_utf8(env, s->data,
                                                           s->data_len, &data));
            else
                NODE_API_CALL(env, napi_get_null(env, &data));
            NODE_API_CALL(env, napi_create_int64(env, s->expires, &expires));
            if (!set_property(env, item, "id", id) ||
                !set_property(env, item, "data", data) ||
                !set_property(env, item, "expires", expires))
                return NULL;
        }
        NODE_API_CALL(env, napi_set_element(env, array, (uint32_t)i, item));
    }
    return array;
}

/* Fills argv for the callback; returns argc, or 0 with an exception. */
static size_t result_arguments(napi_env env, const request *req,
                               napi_value argv[3])
{
    const cdyn_result *r = req->result;
    if (r->status != CDYN_OK) {
        argv[0] = request_error(env, req->handle->addon, r->status,
                                r->message);
        return argv[0] != NULL ? 1 : 0;
    }
    NODE_API_CALL_BASE(env, napi_get_null(env, &argv[0]), 0);
    switch (req->kind) {
    case REQUEST_VOID:
        return 1;
    case REQUEST_GET:
        if (r->data.ptr != NULL)
            NODE_API_CALL_BASE(env, napi_create_string_utf8(
                                        env, r->data.ptr, r->data.size,
                                        &argv[1]), 0);
        else
            NODE_API_CALL_BASE(env, napi_get_null(env, &argv[1]), 0);
        NODE_API_CALL_BASE(env,
            napi_create_int64(env, r->expires, &argv[2]), 0);
        /* Versions count saves of one session: far below 2^53. */
        NODE_API_CALL_BASE(env,
            napi_create_int64(env, r->version, &argv[3]), 0);
        return 4;
    case REQUEST_COUNT:
        /* Counts of sessions stay far below 2^53. */
        NODE_API_CALL_BASE(env,
            napi_create_double(env, (double)r->count, &argv[1]), 0);
        return 2;
    case REQUEST_IDS:
    case REQUEST_ALL:
        argv[1] = session_list(env, &r->list, req->kind == REQUEST_ALL);
        return argv[1] != NULL ? 2 : 0;
    }
    return 0;
}

static void delete_reference(napi_env env, napi_ref ref)
{
    if (ref != NULL)
        NODE_API_CALL_RETURN_VOID(env, napi_delete_reference(env, ref));
}

void request_free(napi_env env, request *req)
{
    delete_reference(env, req->callback);
    delete_reference(env, req->owner);
    free(req);
}

static napi_value reference_value(napi_env env, napi_ref ref)
{
    napi_value value;
    NODE_API_CALL(env, napi_get_reference_value(env, ref, &value));
    return value;
}

static void unref_tsfn(napi_env env, napi_threadsafe_function tsfn)
{
    NODE_API_CALL_RETURN_VOID(env, napi_unref_threadsafe_function(env, tsfn));
}

/* Calls the callback; a throw stays pending for report_uncaught. */
static void call_callback(napi_env env, napi_value callback, size_t argc,
                          const napi_value *argv)
{
    napi_value undefined;
    NODE_API_CALL_RETURN_VOID(env, napi_get_undefined(env, &undefined));
    NODE_API_CALL_RETURN_VOID(env,
        napi_call_function(env, undefined, callback, argc, argv, NULL));
}

/* A callback that throws is reported as an uncaught exception, as Node
 * does for any asynchronous callback. Left pending, Node 20 would only
 * print a deprecation warning (unless run with
 * --force-node-api-uncaught-exceptions-policy) and the error would vanish. */
static void report_uncaught(napi_env env)
{
    bool pending = false;
    napi_value error;
    NODE_API_CALL_RETURN_VOID(env, napi_is_exception_pending(env, &pending));
    if (!pending)
        return;
    NODE_API_CALL_RETURN_VOID(env,
        napi_get_and_clear_last_exception(env, &error));
    NODE_API_CALL_RETURN_VOID(env, napi_fatal_exception(env, error));
}

/* Runs on the JS thread, once per completed call. env is NULL when the
 * environment is being torn down: then only memory is released (the handle
 * may already be gone, so it is not touched). */
void request_call_js(napi_env env, napi_value js_callback, void *context,
                     void *data)
{
    (void)js_callback;
    (void)context;
    request *req = data;
    if (env == NULL) {
        req->result_free(req->result);
        free(req);
        return;
    }

    /* Bookkeeping first, so that the callback may start new calls or
     * close the store, and so that a throwing callback changes nothing. */
    store_handle *h = req->handle;
    if (--h->in_flight == 0 && h->tsfn != NULL)
        unref_tsfn(env, h->tsfn);

    napi_value argv[3], callback = NULL;
    size_t argc = result_arguments(env, req, argv);
    if (argc > 0)
        callback = reference_value(env, req->callback);
    req->result_free(req->result);
    request_free(env, req);

    if (argc > 0 && callback != NULL)
        call_callback(env, callback, argc, argv);
    report_uncaught(env);
}
