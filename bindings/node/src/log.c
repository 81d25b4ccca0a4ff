/*
 * log.c - the library's log lines (cdyn_log_fn) delivered to a JavaScript
 * function, log(level, message), given as the native `log` option
 * (lib/options.js makes it from connect-dynamodb users' `logger`).
 *
 * The library logs on its I/O thread and must not wait: each line is
 * copied and queued on a thread-safe function of its own (unbounded,
 * non-blocking); lines queued when the store closes are still delivered.
 */
#include <stdlib.h>
#include <string.h>

#include "addon.h"
#include "napi_call.h"

typedef struct log_line {
    int level;
    char text[]; /* NUL-terminated */
} log_line;

static const char *level_name(int level)
{
    switch (level) {
    case CDYN_LOG_ERROR: return "error";
    case CDYN_LOG_WARN: return "warn";
    case CDYN_LOG_INFO: return "info";
    default: return "debug";
    }
}

/* Any thread: copy the line (valid only during this call) and queue it. */
static void on_log(int level, const char *message, void *userdata)
{
    napi_threadsafe_function tsfn = userdata;
    size_t len = strlen(message);
    log_line *line = malloc(sizeof *line + len + 1);
    if (line == NULL)
        return; /* a log line is not worth failing anything for */
    line->level = level;
    memcpy(line->text, message, len + 1);
    if (napi_call_threadsafe_function(tsfn, line, napi_tsfn_nonblocking) != napi_ok)
        free(line);
}

/* JS thread: log(level, message). A logger that throws is reported as
 * uncaught, like any callback's throw. */
static void deliver(napi_env env, napi_value log, void *context, void *data)
{
    (void)context;
    log_line *line = data;
    if (env != NULL) {
        napi_value argv[2], undefined, ignored;
        if (napi_create_string_utf8(env, level_name(line->level), NAPI_AUTO_LENGTH, &argv[0]) == napi_ok &&
            napi_create_string_utf8(env, line->text, NAPI_AUTO_LENGTH, &argv[1]) == napi_ok &&
            napi_get_undefined(env, &undefined) == napi_ok &&
            napi_call_function(env, undefined, log, 2, argv, &ignored) != napi_ok) {
            napi_value error;
            if (napi_get_and_clear_last_exception(env, &error) == napi_ok)
                napi_fatal_exception(env, error);
        }
    }
    free(line);
}

bool log_start(napi_env env, napi_value options, cdyn_store_options *opts,
               napi_threadsafe_function *out)
{
    napi_value log, name;
    napi_valuetype type;
    *out = NULL;
    NODE_API_CALL_RETURN_FALSE(env, napi_typeof(env, options, &type));
    if (type != napi_object)
        return true;
    NODE_API_CALL_RETURN_FALSE(env, napi_get_named_property(env, options, "log", &log));
    NODE_API_CALL_RETURN_FALSE(env, napi_typeof(env, log, &type));
    if (type == napi_undefined || type == napi_null)
        return true;
    if (type != napi_function) {
        throw_invalid(env, "option log must be a function");
        return false;
    }
    NODE_API_CALL_RETURN_FALSE(env, napi_create_string_utf8(
        env, "connect-dynamo log", NAPI_AUTO_LENGTH, &name));
    NODE_API_CALL_RETURN_FALSE(env, napi_create_threadsafe_function(
        env, log, NULL, name, 0, 1, NULL, NULL, NULL, deliver, out));
    /* Log lines alone do not keep the process alive. */
    NODE_API_CALL_RETURN_FALSE(env, napi_unref_threadsafe_function(env, *out));
    opts->log = on_log;
    opts->log_userdata = *out;
    return true;
}

void log_stop(napi_threadsafe_function tsfn)
{
    if (tsfn != NULL)
        napi_release_threadsafe_function(tsfn, napi_tsfn_release);
}
