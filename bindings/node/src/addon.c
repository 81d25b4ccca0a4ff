/*
 * addon.c - module entry: loads the library, keeps per-environment state,
 * and holds the helpers that turn C failures into JavaScript errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"
#include "napi_call.h"

void cdyn_node_throw_napi_error(napi_env env, const char *call)
{
    /* This is the failure path of NODE_API_CALL itself, so its own calls
     * cannot go through the macro; their failure leaves nothing to do. */
    const napi_extended_error_info *info = NULL;
    bool pending = false;
    napi_get_last_error_info(env, &info);
    napi_is_exception_pending(env, &pending);
    if (pending)
        return;
    char message[512];
    snprintf(message, sizeof message, "connect-dynamo: %s failed: %s", call,
             info && info->error_message ? info->error_message
                                         : "unknown Node-API error");
    napi_throw_error(env, "CDYN_ERROR", message);
}

void throw_nomem(napi_env env)
{
    NODE_API_CALL_RETURN_VOID(env,
        napi_throw_error(env, "CDYN_ENOMEM", "connect-dynamo: out of memory"));
}

void throw_invalid(napi_env env, const char *message)
{
    NODE_API_CALL_RETURN_VOID(env,
        napi_throw_type_error(env, "CDYN_EINVAL", message));
}

void throw_cdyn_error(napi_env env, addon *a, int status, const char *message)
{
    napi_value error = request_error(env, a, status, message);
    if (error != NULL)
        NODE_API_CALL_RETURN_VOID(env, napi_throw(env, error));
}

static bool js_string_copy(napi_env env, napi_value value, char *buf,
                           size_t size)
{
    size_t copied;
    NODE_API_CALL_RETURN_FALSE(env,
        napi_get_value_string_utf8(env, value, buf, size, &copied));
    return true;
}

/* Whether a JS string holds a UTF-16 surrogate without its partner. UTF-8
 * cannot carry one: Node would write U+FFFD instead, and 'a\uD800' would
 * then name the same session as 'a\uFFFD'. Only a string whose UTF-8 has
 * U+FFFD can hold one, so other strings cost no second copy. */
static bool js_string_has_lone_surrogate(napi_env env, napi_value value,
                                         const char *utf8, size_t len,
                                         bool *out)
{
    *out = false;
    bool replacement = false;
    for (size_t i = 0; i + 2 < len && !replacement; i++)
        replacement = (unsigned char)utf8[i] == 0xEF &&
                      (unsigned char)utf8[i + 1] == 0xBF &&
                      (unsigned char)utf8[i + 2] == 0xBD;
    if (!replacement)
        return true;
    size_t units;
    NODE_API_CALL_RETURN_FALSE(env,
        napi_get_value_string_utf16(env, value, NULL, 0, &units));
    char16_t *u = malloc((units + 1) * sizeof *u);
    if (u == NULL) {
        throw_nomem(env);
        return false;
    }
    size_t copied;
    if (napi_get_value_string_utf16(env, value, u, units + 1, &copied) !=
        napi_ok) {
        free(u);
        cdyn_node_throw_napi_error(env, "napi_get_value_string_utf16");
        return false;
    }
    for (size_t i = 0; i < copied && !*out; i++) {
        if (u[i] >= 0xD800 && u[i] <= 0xDBFF && i + 1 < copied &&
            u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF)
            i++; /* a pair */
        else if (u[i] >= 0xD800 && u[i] <= 0xDFFF)
            *out = true;
    }
    free(u);
    return true;
}

char *js_string_dup(napi_env env, napi_value value, const char *what,
                    size_t *out_len)
{
    char message[128];
    napi_valuetype type;
    NODE_API_CALL(env, napi_typeof(env, value, &type));
    if (type != napi_string) {
        snprintf(message, sizeof message, "%s must be a string", what);
        throw_invalid(env, message);
        return NULL;
    }
    size_t len;
    NODE_API_CALL(env, napi_get_value_string_utf8(env, value, NULL, 0, &len));
    char *s = malloc(len + 1);
    if (s == NULL) {
        throw_nomem(env);
        return NULL;
    }
    if (!js_string_copy(env, value, s, len + 1)) {
        free(s);
        return NULL;
    }
    /* The C API takes NUL-terminated strings: an embedded NUL would
     * silently name a different session. */
    if (strlen(s) != len) {
        free(s);
        snprintf(message, sizeof message, "%s must not contain NUL", what);
        throw_invalid(env, message);
        return NULL;
    }
    bool lone;
    if (!js_string_has_lone_surrogate(env, value, s, len, &lone)) {
        free(s);
        return NULL;
    }
    if (lone) {
        free(s);
        snprintf(message, sizeof message,
                 "%s must be valid Unicode text (it holds a lone surrogate)",
                 what);
        throw_invalid(env, message);
        return NULL;
    }
    if (out_len != NULL)
        *out_len = len;
    return s;
}

void addon_release(addon *a)
{
    if (--a->refs == 0)
        free(a);
}

static void addon_finalize(napi_env env, void *data, void *hint)
{
    (void)env;
    (void)hint;
    addon_release(data);
}

static bool set_instance_data(napi_env env, addon *a)
{
    NODE_API_CALL_RETURN_FALSE(env,
        napi_set_instance_data(env, a, addon_finalize, NULL));
    return true;
}

static bool set_string(napi_env env, napi_value obj, const char *name,
                       const char *value)
{
    napi_value v;
    NODE_API_CALL_RETURN_FALSE(env,
        napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v));
    NODE_API_CALL_RETURN_FALSE(env, napi_set_named_property(env, obj, name, v));
    return true;
}

static bool set_int(napi_env env, napi_value obj, const char *name,
                    int64_t value)
{
    napi_value v;
    NODE_API_CALL_RETURN_FALSE(env, napi_create_int64(env, value, &v));
    NODE_API_CALL_RETURN_FALSE(env, napi_set_named_property(env, obj, name, v));
    return true;
}

NAPI_MODULE_INIT()
{
    addon *a = calloc(1, sizeof *a);
    if (a == NULL) {
        throw_nomem(env);
        return NULL;
    }
    char err[1024];
    if (cdyn_api_load(&a->api, err, sizeof err) != 0) {
        free(a);
        NODE_API_CALL(env, napi_throw_error(env, "CDYN_ELOAD", err));
        return NULL;
    }
    a->refs = 1;
    if (!set_instance_data(env, a)) {
        free(a);
        return NULL;
    }
    if (store_define_class(env, exports) == NULL)
        return NULL;
    if (!set_string(env, exports, "version", a->api.cdyn_version()) ||
        !set_int(env, exports, "versionNumber",
                 a->api.cdyn_version_number()) ||
        !set_string(env, exports, "headerVersion", CDYN_VERSION) ||
        !set_int(env, exports, "SET_DEFAULT", CDYN_SET_DEFAULT) ||
        !set_int(env, exports, "SET_CREATE_ONLY", CDYN_SET_CREATE_ONLY) ||
        !set_int(env, exports, "SET_UPDATE_ONLY", CDYN_SET_UPDATE_ONLY))
        return NULL;
    return exports;
}
