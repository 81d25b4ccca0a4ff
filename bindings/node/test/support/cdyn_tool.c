/*
 * cdyn_tool - the C side of the Node binding's interop tests: one session
 * call on the library's blocking API, against CDYN_TEST_ENDPOINT.
 *
 *   cdyn_tool TABLE PREFIX set SID JSON EXPIRES   -> prints nothing
 *   cdyn_tool TABLE PREFIX get SID                -> prints EXPIRES\nJSON
 *   cdyn_tool TABLE PREFIX touch SID EXPIRES
 *   cdyn_tool TABLE PREFIX destroy SID
 *
 * Exits 0, or 2 with "CODE: message" on stderr (CDYN_ENOTFOUND etc.).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectdynamo.h"

static int fail(int rc)
{
    fprintf(stderr, "%s: %s\n", cdyn_error_name(rc), cdyn_last_error());
    return 2;
}

static int run(cdyn_store *store, int argc, char **argv)
{
    const char *op = argv[3], *sid = argv[4];
    int rc;
    if (strcmp(op, "set") == 0 && argc == 7) {
        rc = cdyn_set(store, sid, argv[5], strlen(argv[5]),
                      strtoll(argv[6], NULL, 10), CDYN_SET_DEFAULT);
        return rc == CDYN_OK ? 0 : fail(rc);
    }
    if (strcmp(op, "get") == 0 && argc == 5) {
        cdyn_buf data = {0};
        int64_t expires = 0;
        rc = cdyn_get(&data, &expires, store, sid);
        if (rc != CDYN_OK)
            return fail(rc);
        printf("%" PRId64 "\n%s\n", expires, data.ptr);
        cdyn_buf_dispose(&data);
        return 0;
    }
    if (strcmp(op, "touch") == 0 && argc == 6) {
        rc = cdyn_touch(store, sid, strtoll(argv[5], NULL, 10));
        return rc == CDYN_OK ? 0 : fail(rc);
    }
    if (strcmp(op, "destroy") == 0 && argc == 5) {
        rc = cdyn_destroy(store, sid);
        return rc == CDYN_OK ? 0 : fail(rc);
    }
    fprintf(stderr, "usage: cdyn_tool TABLE PREFIX set|get|touch|destroy SID ...\n");
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: cdyn_tool TABLE PREFIX set|get|touch|destroy SID ...\n");
        return 1;
    }
    cdyn_store_options opts;
    cdyn_store_options_init(&opts, CDYN_STORE_OPTIONS_VERSION);
    opts.table = argv[1];
    opts.prefix = argv[2];
    opts.endpoint = getenv("CDYN_TEST_ENDPOINT");
    opts.region = "us-east-1";
    opts.access_key_id = "test";
    opts.secret_access_key = "test";
    cdyn_store *store = NULL;
    int rc = cdyn_store_open(&store, &opts);
    if (rc != CDYN_OK)
        return fail(rc);
    rc = run(store, argc, argv);
    cdyn_store_free(store);
    return rc;
}
