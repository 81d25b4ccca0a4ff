/*
 * session_tool: read, write or list sessions from C, through the same
 * libconnectdynamo the Python and Node bindings load. The Flask demo
 * (examples/python/flask_app.py) prints how to run it against the demo's
 * table, and both bindings' interop tests use it as the C side.
 *
 *   session_tool get     TABLE SID     prints the session JSON, then
 *                                      "expires <epoch seconds>" on stderr
 *   session_tool set     TABLE SID JSON [EXPIRES]
 *   session_tool touch   TABLE SID [EXPIRES]
 *   session_tool destroy TABLE SID
 *   session_tool ids     TABLE         one id per line
 *
 * The endpoint comes from CDYN_TEST_ENDPOINT (as `localdynamo.py run`
 * sets it) or the library's usual AWS_ENDPOINT_URL* variables; the prefix
 * from CDYN_PREFIX (default "sess:"). Exit status: 0, 2 for "no such
 * session", 1 for any other failure (the library's message on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectdynamo.h"

static int fail(const char *what, int rc) {
    fprintf(stderr, "%s: %s (%s): %s\n", what, cdyn_strerror(rc),
            cdyn_error_name(rc), cdyn_last_error());
    return rc == CDYN_ENOTFOUND ? 2 : 1;
}

static int usage(void) {
    fputs("usage: session_tool get TABLE SID | set TABLE SID JSON [EXPIRES]"
          " | touch TABLE SID [EXPIRES] | destroy TABLE SID | ids TABLE\n", stderr);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 3) return usage();
    const char *cmd = argv[1];

    cdyn_store_options opts;
    int rc = cdyn_store_options_init(&opts, CDYN_STORE_OPTIONS_VERSION);
    if (rc != CDYN_OK) return fail("cdyn_store_options_init", rc);
    opts.table = argv[2];
    opts.endpoint = getenv("CDYN_TEST_ENDPOINT");
    opts.prefix = getenv("CDYN_PREFIX");

    cdyn_store *store = NULL;
    rc = cdyn_store_open(&store, &opts);
    if (rc != CDYN_OK) return fail("cdyn_store_open", rc);

    int status = 0;
    if (strcmp(cmd, "get") == 0 && argc == 4) {
        cdyn_buf buf = {NULL, 0};
        int64_t expires = 0;
        rc = cdyn_get(&buf, &expires, store, argv[3]);
        if (rc == CDYN_OK) {
            fwrite(buf.ptr, 1, buf.size, stdout);
            putchar('\n');
            fprintf(stderr, "expires %lld\n", (long long)expires);
        } else {
            status = fail("cdyn_get", rc);
        }
        cdyn_buf_dispose(&buf);
    } else if (strcmp(cmd, "set") == 0 && (argc == 5 || argc == 6)) {
        long long expires = argc == 6 ? strtoll(argv[5], NULL, 10) : 0;
        rc = cdyn_set(store, argv[3], argv[4], strlen(argv[4]),
                      (int64_t)expires, CDYN_SET_DEFAULT);
        if (rc != CDYN_OK) status = fail("cdyn_set", rc);
    } else if (strcmp(cmd, "touch") == 0 && (argc == 4 || argc == 5)) {
        long long expires = argc == 5 ? strtoll(argv[4], NULL, 10) : 0;
        rc = cdyn_touch(store, argv[3], (int64_t)expires);
        if (rc != CDYN_OK) status = fail("cdyn_touch", rc);
    } else if (strcmp(cmd, "destroy") == 0 && argc == 4) {
        rc = cdyn_destroy(store, argv[3]);
        if (rc != CDYN_OK) status = fail("cdyn_destroy", rc);
    } else if (strcmp(cmd, "ids") == 0 && argc == 3) {
        cdyn_session_list list = {NULL, 0};
        rc = cdyn_ids(&list, store);
        if (rc == CDYN_OK) {
            for (size_t i = 0; i < list.count; i++)
                printf("%s\n", list.sessions[i].id);
        } else {
            status = fail("cdyn_ids", rc);
        }
        cdyn_session_list_dispose(&list);
    } else {
        status = usage();
    }
    cdyn_store_free(store);
    return status;
}
