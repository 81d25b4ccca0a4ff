/*
 * cdyn_api.h - the C API of libconnectdynamo, reached through dlopen.
 *
 * The addon loads the library at run time instead of linking it, so that
 * the library can be chosen by an environment variable
 * (CONNECTDYNAMO_LIBRARY, a path; the Python binding reads the same one) as
 * well as found by the addon's rpath, and so that a missing or
 * mismatched library is a catchable error from require() rather than a
 * loader failure. Each pointer's type is taken from the declaration in
 * include/connectdynamo.h with __typeof__, so the compiler still checks
 * every call against the one header.
 */
#ifndef CDYN_NODE_API_H
#define CDYN_NODE_API_H

#include <stddef.h>

#include "connectdynamo.h"

/* Every function of the C API this addon uses. */
#define CDYN_API_FUNCTIONS(X)                                                \
    X(cdyn_version)                                                          \
    X(cdyn_version_number)                                                   \
    X(cdyn_strerror)                                                         \
    X(cdyn_error_name)                                                       \
    X(cdyn_last_error)                                                       \
    X(cdyn_store_options_init)                                               \
    X(cdyn_store_open)                                                       \
    X(cdyn_store_free)                                                       \
    X(cdyn_store_stats)                                                      \
    X(cdyn_store_info)                                                       \
    X(cdyn_info_dispose)                                                     \
    X(cdyn_result_free)                                                      \
    X(cdyn_buf_dispose)                                                      \
    X(cdyn_item_session)                                                     \
    X(cdyn_ensure_table_async)                                               \
    X(cdyn_get_async)                                                        \
    X(cdyn_set_async)                                                        \
    X(cdyn_save_async)                                                       \
    X(cdyn_touch_async)                                                      \
    X(cdyn_touch_lazy_async)                                                 \
    X(cdyn_destroy_async)                                                    \
    X(cdyn_length_async)                                                     \
    X(cdyn_ids_async)                                                        \
    X(cdyn_all_async)                                                        \
    X(cdyn_clear_async)                                                      \
    X(cdyn_reap_async)                                                       \
    X(cdyn_reap_options_init)                                                \
    X(cdyn_reap_run_async)                                                   \
    X(cdyn_reencrypt_async)                                                  \
    X(cdyn_credentials_provide)                                              \
    X(cdyn_credentials_fail)                                                 \
    X(cdyn_describe_table_async)                                             \
    X(cdyn_create_table_async)                                               \
    X(cdyn_enable_ttl_async)                                                 \
    X(cdyn_user_sessions_async)                                              \
    X(cdyn_destroy_user_sessions_async)

typedef struct cdyn_api {
#define CDYN_API_FIELD(name) __typeof__(name) *name;
    CDYN_API_FUNCTIONS(CDYN_API_FIELD)
#undef CDYN_API_FIELD
} cdyn_api;

/* The environment variable naming the library file to load. */
#define CONNECTDYNAMO_LIBRARY_ENV "CONNECTDYNAMO_LIBRARY"

/* Loads the library (CONNECTDYNAMO_LIBRARY, else libconnectdynamo.so.<ABI>
 * through the addon's rpath and the system's search path) and fills `api`. The
 * library is never unloaded: its I/O threads and thread-locals outlive any
 * one addon instance. Returns 0, or -1 with a message in `err`. */
int cdyn_api_load(cdyn_api *api, char *err, size_t err_size);

#endif
