/*
 * credentials.c - the library's cdyn_credentials_fn answered by a
 * JavaScript provider (lib/sdk-client.js wraps an AWS SDK v3 client's).
 *
 * The library asks on its I/O thread; the question travels to the JS
 * thread through a thread-safe function of its own, where the provider is
 * called as provider(answer). `answer(error, {accessKeyId,
 * secretAccessKey, sessionToken, expiration})` (expiration in epoch
 * seconds, 0 for none) hands the request back to the library, once; an
 * answer function collected without having been called fails the request,
 * so no question is left open.
 */
#include <stdlib.h>
#include <string.h>

#include "addon.h"
#include "napi_call.h"

/* One question, owned by the JS answer function made for it. */
typedef struct pending_answer {
    const cdyn_api *api;
    cdyn_credential_request *request; /* NULL once answered */
} pending_answer;

/* I/O thread: hand the question to the JS thread. When the thread-safe
 * function is closing (the store is going away) nobody will answer. */
static void on_credentials(cdyn_credential_request *request, void *userdata)
{
    napi_threadsafe_function tsfn = userdata;
    if (napi_call_threadsafe_function(tsfn, request, napi_tsfn_nonblocking) !=
        napi_ok) {
        const cdyn_api *api = NULL;
        napi_get_threadsafe_function_context(tsfn, (void **)&api);
        if (api != NULL)
            api->cdyn_credentials_fail(request, "the Node store is closing");
    }
}

static void answer_finalize(napi_env env, void *data, void *hint)
{
    (void)env;
    (void)hint;
    pending_answer *p = data;
    if (p->request != NULL)
        p->api->cdyn_credentials_fail(p->request,
            "the credentials provider never answered");
    free(p);
}

/* A string property as a malloc'd copy, NULL when absent; false with an
 * exception pending when it is not a string. */
static bool string_property(napi_env env, napi_value obj, const char *name,
                            char **out)
{
    napi_value value;
    napi_valuetype type;
    *out = NULL;
    NODE_API_CALL_RETURN_FALSE(env,
        napi_get_named_property(env, obj, name, &value));
    NODE_API_CALL_RETURN_FALSE(env, napi_typeof(env, value, &type));
    if (type == napi_undefined || type == napi_null)
        return true;
    *out = js_string_dup(env, value, name, NULL);
    return *out != NULL;
}

static void answer_with(napi_env env, pending_answer *p, napi_value error,
                        napi_value creds)
{
    cdyn_credential_request *request = p->request;
    napi_valuetype type;
    p->request = NULL;
    NODE_API_CALL_RETURN_VOID(env, napi_typeof(env, error, &type));
    if (type != napi_undefined && type != napi_null) {
        napi_value text;
        char *message = NULL;
        NODE_API_CALL_RETURN_VOID(env, napi_coerce_to_string(env, error, &text));
        message = js_string_dup(env, text, "error", NULL);
        p->api->cdyn_credentials_fail(request, message ? message : "failed");
        free(message);
        return;
    }
    char *key = NULL, *secret = NULL, *token = NULL;
    double expiration = 0;
    NODE_API_CALL_RETURN_VOID(env, napi_typeof(env, creds, &type));
    if (type == napi_object && string_property(env, creds, "accessKeyId", &key) &&
        string_property(env, creds, "secretAccessKey", &secret) &&
        string_property(env, creds, "sessionToken", &token)) {
        napi_value value;
        napi_valuetype value_type;
        NODE_API_CALL_RETURN_VOID(env,
            napi_get_named_property(env, creds, "expiration", &value));
        NODE_API_CALL_RETURN_VOID(env, napi_typeof(env, value, &value_type));
        if (value_type == napi_number)
            NODE_API_CALL_RETURN_VOID(env,
                napi_get_value_double(env, value, &expiration));
    }
    /* The library says what is wrong with a missing key or secret. */
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
        napi_value ignored;
        napi_get_and_clear_last_exception(env, &ignored);
    }
    int64_t seconds = expiration > 0 && expiration < 9.0e15 ? (int64_t)expiration : 0;
    p->api->cdyn_credentials_provide(request, key, secret, token, seconds);
    free(key);
    free(secret);
    free(token);
}

/* answer(error, credentials): the first call counts. */
static napi_value answer(napi_env env, napi_callback_info info)
{
    size_t argc = 2;
    napi_value argv[2];
    pending_answer *p;
    NODE_API_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&p));
    if (p->request == NULL)
        return NULL;
    for (size_t i = argc; i < 2; i++)
        NODE_API_CALL(env, napi_get_undefined(env, &argv[i]));
    answer_with(env, p, argv[0], argv[1]);
    return NULL;
}

/* JS thread: call provider(answer). */
static void ask_js(napi_env env, napi_value provider, void *context, void *data)
{
    const cdyn_api *api = context;
    cdyn_credential_request *request = data;
    if (env == NULL) {
        api->cdyn_credentials_fail(request, "the Node environment is going away");
        return;
    }
    pending_answer *p = malloc(sizeof *p);
    if (p == NULL) {
        api->cdyn_credentials_fail(request, "out of memory");
        return;
    }
    p->api = api;
    p->request = request;
    napi_value fn, undefined, result;
    if (napi_create_function(env, "answer", NAPI_AUTO_LENGTH, answer, p, &fn) != napi_ok ||
        napi_add_finalizer(env, fn, p, answer_finalize, NULL, NULL) != napi_ok) {
        api->cdyn_credentials_fail(request, "could not call the credentials provider");
        free(p);
        return;
    }
    NODE_API_CALL_RETURN_VOID(env, napi_get_undefined(env, &undefined));
    /* A provider that throws has answered with that error. */
    if (napi_call_function(env, undefined, provider, 1, &fn, &result) != napi_ok) {
        napi_value error;
        if (napi_get_and_clear_last_exception(env, &error) == napi_ok &&
            p->request != NULL) {
            napi_get_undefined(env, &undefined);
            answer_with(env, p, error, undefined);
        }
    }
}

static void context_finalize(napi_env env, void *data, void *hint)
{
    (void)env;
    (void)hint;
    free(data);
}

bool credentials_start(napi_env env, addon *a, napi_value options,
                       cdyn_store_options *opts, napi_threadsafe_function *out)
{
    napi_value provider, name;
    napi_valuetype type;
    *out = NULL;
    NODE_API_CALL_RETURN_FALSE(env, napi_typeof(env, options, &type));
    if (type != napi_object)
        return true;
    NODE_API_CALL_RETURN_FALSE(env,
        napi_get_named_property(env, options, "credentialsProvider", &provider));
    NODE_API_CALL_RETURN_FALSE(env, napi_typeof(env, provider, &type));
    if (type == napi_undefined || type == napi_null)
        return true;
    if (type != napi_function) {
        throw_invalid(env, "option credentialsProvider must be a function");
        return false;
    }
    NODE_API_CALL_RETURN_FALSE(env, napi_create_string_utf8(
        env, "connect-dynamo credentials", NAPI_AUTO_LENGTH, &name));
    /* The function's own copy of the api: its queue may drain at teardown,
     * after the addon's state is gone. Freed with the function. */
    cdyn_api *api = malloc(sizeof *api);
    if (api == NULL) {
        throw_nomem(env);
        return false;
    }
    *api = a->api;
    if (napi_create_threadsafe_function(env, provider, NULL, name, 0, 1, api,
                                        context_finalize, api, ask_js,
                                        out) != napi_ok) {
        free(api);
        NODE_API_CALL_RETURN_FALSE(env, napi_throw_error(env, "CDYN_ERROR",
            "connect-dynamo: could not create the credentials function"));
        return false;
    }
    /* Questions come only while a call is in flight, which keeps the
     * process alive by itself. */
    NODE_API_CALL_RETURN_FALSE(env, napi_unref_threadsafe_function(env, *out));
    opts->credentials = on_credentials;
    opts->credentials_userdata = *out;
    return true;
}

void credentials_stop(napi_threadsafe_function tsfn)
{
    if (tsfn != NULL)
        napi_release_threadsafe_function(tsfn, napi_tsfn_release);
}
