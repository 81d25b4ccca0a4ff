/*
 * napi_call.h - the one way this addon calls Node-API.
 *
 * Every napi_* call goes through NODE_API_CALL_BASE (as node's own
 * test/js-native-api/common.h does): on failure it raises a JavaScript
 * exception carrying Node-API's own message - unless one is already
 * pending, which must win (it is usually the user's) - and returns from the
 * calling function. A Node-API failure therefore never crashes the process;
 * it surfaces as an exception where JavaScript can see it.
 */
#ifndef CDYN_NODE_NAPI_CALL_H
#define CDYN_NODE_NAPI_CALL_H

#include <node_api.h>

/* Throws an Error describing the failed call, unless an exception is
 * already pending. Defined in addon.c. */
void cdyn_node_throw_napi_error(napi_env env, const char *call);

#define NODE_API_CALL_BASE(env, the_call, ret_val)                           \
    do {                                                                     \
        if ((the_call) != napi_ok) {                                         \
            cdyn_node_throw_napi_error((env), #the_call);                    \
            return ret_val;                                                  \
        }                                                                    \
    } while (0)

/* In functions that return a napi_value: NULL tells Node "exception". */
#define NODE_API_CALL(env, the_call) NODE_API_CALL_BASE(env, the_call, NULL)

/* In void functions (finalizers, thread-safe function callbacks). */
#define NODE_API_CALL_RETURN_VOID(env, the_call)                             \
    NODE_API_CALL_BASE(env, the_call, )

/* In helpers that report success as a bool. */
#define NODE_API_CALL_RETURN_FALSE(env, the_call)                            \
    NODE_API_CALL_BASE(env, the_call, 0)

#endif
