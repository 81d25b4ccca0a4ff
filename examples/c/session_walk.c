/*
 * session_walk: one web session's life in a DynamoDB table, through the C
 * API of libconnectdynamo. Creates the table if needed, then set, get,
 * touch and destroy, printing each step and the item as DynamoDB holds it.
 *
 * Configuration comes from the environment, as any AWS program's does:
 * AWS_ENDPOINT_URL_DYNAMODB (e.g. a local DynamoDB), AWS_REGION, and
 * credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or ~/.aws).
 * CDYN_TABLE names the table (default "sessions").
 *
 * Built and run against a local DynamoDB by `make demo-c`.
 */
#include "connectdynamo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int report(const char *step, int rc) {
    if (rc == CDYN_OK)
        printf("%-8s ok\n", step);
    else
        printf("%-8s %s: %s\n", step, cdyn_error_name(rc), cdyn_last_error());
    return rc;
}

static void show_item(cdyn_store *store, const char *sid) {
    cdyn_buf item = {0};
    int rc = cdyn_get_item(&item, store, sid);
    if (rc == CDYN_OK)
        printf("         item in DynamoDB: %s\n", item.ptr);
    else
        printf("         item in DynamoDB: (none: %s)\n", cdyn_error_name(rc));
    cdyn_buf_dispose(&item);
}

int main(void) {
    cdyn_store_options opts;
    cdyn_store *store = NULL;
    cdyn_buf session = {0};
    int64_t expires = 0;
    const char *sid = "walk-7f3a";
    const char *json =
        "{\"cookie\":{\"originalMaxAge\":3600000,\"httpOnly\":true,\"path\":\"/\"},"
        "\"user\":\"ada\",\"visits\":1}";
    int rc;

    printf("libconnectdynamo %s\n", cdyn_version());
    cdyn_store_options_init(&opts, CDYN_STORE_OPTIONS_VERSION);
    opts.table = getenv("CDYN_TABLE"); /* NULL: "sessions" */
    if (cdyn_store_open(&store, &opts) != CDYN_OK) {
        fprintf(stderr, "open: %s\n", cdyn_last_error());
        return 1;
    }

    if (report("table", cdyn_store_ensure_table(store)) != CDYN_OK) goto fail;

    rc = cdyn_set(store, sid, json, strlen(json), (int64_t)time(NULL) + 3600, CDYN_SET_DEFAULT);
    if (report("set", rc) != CDYN_OK) goto fail;
    show_item(store, sid);

    if (report("get", cdyn_get(&session, &expires, store, sid)) != CDYN_OK) goto fail;
    printf("         session %s expires at %lld\n", session.ptr, (long long)expires);
    cdyn_buf_dispose(&session);

    if (report("touch", cdyn_touch(store, sid, (int64_t)time(NULL) + 7200)) != CDYN_OK) goto fail;
    show_item(store, sid);

    if (report("destroy", cdyn_destroy(store, sid)) != CDYN_OK) goto fail;
    show_item(store, sid);

    /* Gone for good: reading misses, and touching does not bring it back. */
    report("get", cdyn_get(&session, &expires, store, sid));
    report("touch", cdyn_touch(store, sid, 0));
    show_item(store, sid);

    cdyn_store_free(store);
    return 0;

fail:
    cdyn_store_free(store);
    return 1;
}
