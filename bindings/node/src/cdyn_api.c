/*
 * cdyn_api.c - loads libconnectdynamo and resolves the C API.
 */
#define _GNU_SOURCE /* RTLD_NODELETE */
#include "cdyn_api.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CDYN_STR_(x) #x
#define CDYN_STR(x) CDYN_STR_(x)
#define CDYN_SONAME "libconnectdynamo.so." CDYN_STR(CDYN_ABI_VERSION)

int cdyn_api_load(cdyn_api *api, char *err, size_t err_size)
{
    const char *override = getenv(CONNECTDYNAMO_LIBRARY_ENV);
    const char *name = override && *override ? override : CDYN_SONAME;

    /* RTLD_NODELETE: the library runs threads of its own; unloading it
     * under them would be fatal, and Node may load this addon again (a
     * worker thread) at any time. RTLD_LOCAL keeps its symbols out of the
     * global namespace of the host process. */
    void *lib = dlopen(name, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (lib == NULL) {
        const char *why = dlerror();
        snprintf(err, err_size,
                 "connect-dynamo: cannot load %s (%s); build it with "
                 "`make lib`, or set " CONNECTDYNAMO_LIBRARY_ENV " to its path",
                 name, why ? why : "unknown error");
        return -1;
    }

    /* dlsym returns a data pointer; copying its bytes into the function
     * pointer is the POSIX-sanctioned conversion. */
#define CDYN_API_RESOLVE(fn)                                                 \
    do {                                                                     \
        void *sym = dlsym(lib, #fn);                                         \
        if (sym == NULL) {                                                   \
            snprintf(err, err_size,                                          \
                     "connect-dynamo: %s has no symbol " #fn                 \
                     " (a library older than this binding?)", name);         \
            return -1;                                                       \
        }                                                                    \
        memcpy(&api->fn, &sym, sizeof sym);                                  \
    } while (0);
    CDYN_API_FUNCTIONS(CDYN_API_RESOLVE)
#undef CDYN_API_RESOLVE

    /* Same major version, and at least the header's: a newer library only
     * appends to the API, an older one may lack what the header promises. */
    int have = api->cdyn_version_number();
    if (have / 10000 != CDYN_VERSION_MAJOR || have < CDYN_VERSION_NUMBER) {
        snprintf(err, err_size,
                 "connect-dynamo: %s is version %s, this binding needs %d.x "
                 "from " CDYN_VERSION, name, api->cdyn_version(),
                 CDYN_VERSION_MAJOR);
        return -1;
    }
    return 0;
}
