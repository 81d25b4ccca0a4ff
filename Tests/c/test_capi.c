/*
 * The whole C API, as a C program uses it, against a real DynamoDB endpoint
 * (CDYN_TEST_ENDPOINT, moto's server), error paths included. Run under
 * valgrind by `make test-c`. Prints "N passed, M failed" last.
 */
#define _POSIX_C_SOURCE 200809L
#include "connectdynamo.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int passed, failed;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (cond) {                                                          \
            passed++;                                                        \
        } else {                                                             \
            failed++;                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n",    \
                    __FILE__, __LINE__, #cond, cdyn_last_error());           \
        }                                                                    \
    } while (0)

#define CHECK_RC(expected, call)                                             \
    do {                                                                     \
        int rc_ = (call);                                                    \
        if (rc_ == (expected)) {                                             \
            passed++;                                                        \
        } else {                                                             \
            failed++;                                                        \
            fprintf(stderr, "%s:%d: %s returned %s, expected %s (%s)\n",     \
                    __FILE__, __LINE__, #call, cdyn_error_name(rc_),         \
                    cdyn_error_name(expected), cdyn_last_error());           \
        }                                                                    \
    } while (0)

static const char *endpoint;
static char table[64];

static void base_options(cdyn_store_options *o) {
    cdyn_store_options_init(o, CDYN_STORE_OPTIONS_VERSION);
    o->endpoint = endpoint;
    o->region = "us-east-1";
    o->access_key_id = "AKIDTESTCAPI";
    o->secret_access_key = "capi-secret-never-logged";
    o->table = table;
}

static cdyn_store *open_store(const char *prefix) {
    cdyn_store_options o;
    cdyn_store *s = NULL;
    base_options(&o);
    o.prefix = prefix;
    CHECK_RC(CDYN_OK, cdyn_store_open(&s, &o));
    return s;
}

static int set_json(cdyn_store *s, const char *sid, const char *json, int64_t expires) {
    return cdyn_set(s, sid, json, strlen(json), expires, CDYN_SET_DEFAULT);
}

/* ---- versions, codes, options ------------------------------------------ */

static void test_versions_and_codes(void) {
    int code;
    CHECK(strcmp(cdyn_version(), CDYN_VERSION) == 0);
    CHECK(cdyn_version_number() == CDYN_VERSION_NUMBER);
    for (code = 0; code >= CDYN_EDEADLOCK; code--) {
        CHECK(strncmp(cdyn_error_name(code), "CDYN_", 5) == 0);
        CHECK(strcmp(cdyn_error_name(code), "CDYN_UNKNOWN") != 0);
        CHECK(strlen(cdyn_strerror(code)) > 0);
    }
#define NAME_IS(code) CHECK(strcmp(cdyn_error_name(code), #code) == 0)
    NAME_IS(CDYN_OK); NAME_IS(CDYN_ERROR); NAME_IS(CDYN_EINVAL); NAME_IS(CDYN_ENOMEM);
    NAME_IS(CDYN_ENOTFOUND); NAME_IS(CDYN_ECONDITION); NAME_IS(CDYN_ETOOLARGE);
    NAME_IS(CDYN_ETHROTTLED); NAME_IS(CDYN_EVALIDATION); NAME_IS(CDYN_EAUTH);
    NAME_IS(CDYN_ECREDENTIALS); NAME_IS(CDYN_ENOTABLE); NAME_IS(CDYN_ENET);
    NAME_IS(CDYN_ETIMEOUT); NAME_IS(CDYN_ESERVER); NAME_IS(CDYN_EPROTOCOL);
    NAME_IS(CDYN_ECLOSED); NAME_IS(CDYN_EDEADLOCK);
#undef NAME_IS
    CHECK(strcmp(cdyn_strerror(CDYN_ENOTFOUND), "session not found") == 0);
    CHECK(strcmp(cdyn_strerror(-2147483647 - 1), "unknown error code") == 0);
    CHECK(strcmp(cdyn_error_name(-999), "CDYN_UNKNOWN") == 0);
    CHECK(strcmp(cdyn_error_name(7), "CDYN_UNKNOWN") == 0);
    CHECK(cdyn_last_error() != NULL);
}

static void test_options(void) {
    cdyn_store_options o;
    /* static: its padding is zero, as init leaves it, so the two compare
     * byte for byte, fields appended later included */
    static const cdyn_store_options defaults = CDYN_STORE_OPTIONS_INIT;
    CHECK_RC(CDYN_EINVAL, cdyn_store_options_init(NULL, CDYN_STORE_OPTIONS_VERSION));
    CHECK_RC(CDYN_EINVAL, cdyn_store_options_init(&o, 0));
    CHECK_RC(CDYN_EINVAL, cdyn_store_options_init(&o, CDYN_STORE_OPTIONS_VERSION + 1));
    CHECK_RC(CDYN_OK, cdyn_store_options_init(&o, CDYN_STORE_OPTIONS_VERSION));
    /* the INIT macro and the init function agree, field by field */
    CHECK(o.version == defaults.version && o.table == defaults.table && o.prefix == defaults.prefix);
    CHECK(o.consistent_reads == defaults.consistent_reads && o.create_table == defaults.create_table);
    CHECK(o.default_ttl_seconds == defaults.default_ttl_seconds && o.billing_mode == defaults.billing_mode);
    CHECK(o.read_capacity_units == defaults.read_capacity_units);
    CHECK(o.write_capacity_units == defaults.write_capacity_units);
    CHECK(o.connect_timeout_ms == defaults.connect_timeout_ms);
    CHECK(o.request_timeout_ms == defaults.request_timeout_ms);
    CHECK(o.max_attempts == defaults.max_attempts && o.log_level == defaults.log_level);
    CHECK(o.special_keys == NULL && o.special_key_count == 0 && o.log == NULL);
    CHECK(o.credentials == defaults.credentials && o.credentials_userdata == defaults.credentials_userdata);
    CHECK(o.last_writer_wins == defaults.last_writer_wins && o.last_writer_wins == 0);
    CHECK(o.touch_after_seconds == defaults.touch_after_seconds && o.touch_after_seconds == 0);
    CHECK(o.max_age_seconds == defaults.max_age_seconds && o.max_age_seconds == 0);
    CHECK(o.compress_threshold_bytes == defaults.compress_threshold_bytes && o.compress_threshold_bytes == 0);
    CHECK(o.max_connections == defaults.max_connections && o.max_connections == 50);
    CHECK(o.hash_ids == defaults.hash_ids && o.hash_ids == 0);
    CHECK(o.id_hash_secret == defaults.id_hash_secret && o.id_hash_secret == NULL);
    CHECK(o.id_hash_secret_len == defaults.id_hash_secret_len && o.id_hash_secret_len == 0);
    CHECK(o.read_plain_ids == defaults.read_plain_ids && o.read_plain_ids == 0);
    CHECK(o.user_field == defaults.user_field && o.user_field == NULL);
    CHECK(o.user_index_name == defaults.user_index_name && o.user_index_name == NULL);
    CHECK(o.encryption_keys == defaults.encryption_keys && o.encryption_keys == NULL);
    CHECK(o.encryption_key_count == defaults.encryption_key_count && o.encryption_key_count == 0);
    CHECK(o.consistent_reads == 1 && o.create_table == 1);
    CHECK(o.default_ttl_seconds == 86400);
    CHECK(o.read_capacity_units == 5 && o.write_capacity_units == 5);
    CHECK(memcmp(&o, &defaults, sizeof o) == 0);

    /* A version-1 or -2 caller's struct ends before max_connections (3):
     * init writes nothing past it, and open reads nothing past it (the
     * default applies). */
    for (unsigned version = 1; version <= 2; version++) {
        cdyn_store *s = NULL;
        memset(&o, 0x5a, sizeof o);
        CHECK_RC(CDYN_OK, cdyn_store_options_init(&o, version));
        CHECK(o.version == version && o.max_attempts == defaults.max_attempts);
        CHECK(o.max_connections == 0x5a5a5a5a);
        o.endpoint = "http://127.0.0.1:9";
        CHECK_RC(CDYN_OK, cdyn_store_open(&s, &o));
        cdyn_store_free(s);
    }
    /* A version-3 caller's struct ends before hash_ids (4): the same. */
    {
        cdyn_store *s = NULL;
        memset(&o, 0x5a, sizeof o);
        CHECK_RC(CDYN_OK, cdyn_store_options_init(&o, 3));
        CHECK(o.version == 3 && o.max_connections == 50 && o.hash_ids == 0x5a5a5a5a);
        CHECK(o.encryption_key_count == (size_t)0x5a5a5a5a5a5a5a5aULL);
        o.endpoint = "http://127.0.0.1:9";
        CHECK_RC(CDYN_OK, cdyn_store_open(&s, &o));
        cdyn_store_free(s);
    }
}

/* Unset (NULL, "", what init put there) means the library's default; a 0
 * where only positive numbers make sense is refused. cdyn_store_info
 * shows what the store runs with: defaults applied, region and endpoint
 * resolved, no secret. */
static void test_unset_options_and_info(void) {
    cdyn_store_options o;
    cdyn_store *s = NULL;
    cdyn_info info = {0};
    cdyn_store_options_init(&o, CDYN_STORE_OPTIONS_VERSION);
    o.default_ttl_seconds = 0;
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));
    CHECK(strstr(cdyn_last_error(), "default_ttl_seconds") != NULL);
    cdyn_store_options_init(&o, CDYN_STORE_OPTIONS_VERSION);
    o.endpoint = "";
    o.region = "eu-west-1";
    CHECK_RC(CDYN_OK, cdyn_store_open(&s, &o));
    CHECK_RC(CDYN_EINVAL, cdyn_store_info(&info, s)); /* version not set */
    CHECK_RC(CDYN_EINVAL, cdyn_store_info(NULL, s));
    info.version = CDYN_INFO_VERSION;
    CHECK_RC(CDYN_EINVAL, cdyn_store_info(&info, NULL));
    CHECK_RC(CDYN_OK, cdyn_store_info(&info, s));
    CHECK(info.table && strcmp(info.table, "sessions") == 0);
    CHECK(info.hash_key && strcmp(info.hash_key, "id") == 0);
    CHECK(info.prefix && strcmp(info.prefix, "sess:") == 0);
    CHECK(info.region && strcmp(info.region, "eu-west-1") == 0);
    CHECK(info.endpoint && strcmp(info.endpoint, "https://dynamodb.eu-west-1.amazonaws.com/") == 0);
    {
        cdyn_store_options d = CDYN_STORE_OPTIONS_INIT;
        CHECK(info.default_ttl_seconds == d.default_ttl_seconds);
        CHECK(info.read_capacity_units == d.read_capacity_units);
        CHECK(info.write_capacity_units == d.write_capacity_units);
        CHECK(info.connect_timeout_ms == d.connect_timeout_ms);
        CHECK(info.request_timeout_ms == d.request_timeout_ms);
        CHECK(info.max_attempts == d.max_attempts);
        CHECK(info.max_connections == d.max_connections);
        CHECK(info.billing_mode == d.billing_mode);
    }
    CHECK(info.consistent_reads == 1 && info.create_table == 1 && info.explicit_credentials == 0);
    cdyn_info_dispose(&info);
    CHECK(info.table == NULL && info.endpoint == NULL);
    cdyn_info_dispose(&info);
    cdyn_info_dispose(NULL);
    cdyn_store_free(s);

    base_options(&o);
    o.prefix = "";
    o.max_connections = 7;
    CHECK_RC(CDYN_OK, cdyn_store_open(&s, &o));
    memset(&info, 0, sizeof info);
    info.version = CDYN_INFO_VERSION;
    CHECK_RC(CDYN_OK, cdyn_store_info(&info, s));
    CHECK(strcmp(info.prefix, "") == 0 && strcmp(info.table, table) == 0);
    CHECK(info.explicit_credentials == 1 && info.max_connections == 7);
    CHECK(strstr(info.endpoint, endpoint) == info.endpoint);
    cdyn_info_dispose(&info);
    /* a version-1 caller's struct ends before max_connections: untouched */
    memset(&info, 0x5a, sizeof info);
    info.version = 1;
    CHECK_RC(CDYN_OK, cdyn_store_info(&info, s));
    CHECK(info.version == 1 && info.explicit_credentials == 1 && info.max_connections == 0x5a5a5a5a);
    cdyn_info_dispose(&info);
    cdyn_store_free(s);
}

static void test_open_errors(void) {
    cdyn_store_options o;
    cdyn_store *s = (cdyn_store *)&o;
    cdyn_special_key bad_key = {"user", "SS"};

    base_options(&o);
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(NULL, &o));

    o.table = "x";
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));
    CHECK(s == NULL);
    CHECK(strstr(cdyn_last_error(), "table") != NULL);

    base_options(&o);
    o.endpoint = "ftp://example.com";
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));

    base_options(&o);
    o.prefix = "\xff\xfe";
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));

    base_options(&o);
    o.billing_mode = 7;
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));

    base_options(&o);
    o.secret_access_key = NULL;
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));

    base_options(&o);
    o.special_keys = &bad_key;
    o.special_key_count = 1;
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));

    base_options(&o);
    o.hash_key = "sess";
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));

    base_options(&o);
    o.version = 99;
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));

    /* Settings that would fail every call later are refused at open, with
     * a message naming the setting. */
    {
        static const struct { const char *endpoint, *region; int log_level; const char *named; } bad[] = {
            {"http://[::1", NULL, CDYN_LOG_WARN, "endpoint"},
            {"http://127.0.0.1:99999", NULL, CDYN_LOG_WARN, "endpoint"},
            {"http://127.0.0.1:", NULL, CDYN_LOG_WARN, "endpoint"},
            {NULL, "bad region!", CDYN_LOG_WARN, "region"},
            {NULL, NULL, 9, "log_level"},
            {NULL, NULL, -1, "log_level"},
        };
        size_t i;
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            base_options(&o);
            if (bad[i].endpoint) o.endpoint = bad[i].endpoint;
            if (bad[i].region) o.region = bad[i].region;
            o.log_level = bad[i].log_level;
            s = (cdyn_store *)&o;
            CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));
            CHECK(s == NULL);
            CHECK(strstr(cdyn_last_error(), bad[i].named) != NULL);
        }
    }

    /* Other rules of the core, each with its own message. */
    base_options(&o);
    o.max_attempts = 21;
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));
    CHECK(strstr(cdyn_last_error(), "max_attempts") != NULL);
    base_options(&o);
    o.max_connections = 0;
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));
    CHECK(strstr(cdyn_last_error(), "max_connections must be 1-4096") != NULL);
    base_options(&o);
    o.max_connections = 4097;
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));
    base_options(&o);
    o.read_capacity_units = -1;
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));
    CHECK(strstr(cdyn_last_error(), "read_capacity_units") != NULL);

    base_options(&o);
    o.profile = "no-such-profile-anywhere";
    CHECK_RC(CDYN_ECREDENTIALS, cdyn_store_open(&s, &o));

    /* NULL handles and zeroed structs are no-ops. */
    cdyn_store_free(NULL);
    cdyn_buf_dispose(NULL);
    cdyn_session_list_dispose(NULL);
    cdyn_result_free(NULL);
    {
        cdyn_buf b = {0};
        cdyn_session_list l = {0};
        cdyn_buf_dispose(&b);
        cdyn_session_list_dispose(&l);
    }
    passed++;
}

/* ---- session calls -------------------------------------------------------- */

static void test_argument_errors(cdyn_store *s) {
    cdyn_buf out = {0};
    char long_sid[2100];
    char *big;
    size_t big_size = 420 * 1024;
    int64_t expires = 0;

    memset(long_sid, 'a', sizeof long_sid - 1);
    long_sid[sizeof long_sid - 1] = 0;

    CHECK_RC(CDYN_EINVAL, cdyn_get(&out, NULL, NULL, "sid"));
    CHECK_RC(CDYN_EINVAL, cdyn_get(NULL, NULL, s, "sid"));
    CHECK_RC(CDYN_EINVAL, cdyn_get(&out, NULL, s, NULL));
    CHECK_RC(CDYN_EINVAL, cdyn_get(&out, NULL, s, ""));
    CHECK(strstr(cdyn_last_error(), "empty") != NULL);
    CHECK_RC(CDYN_EINVAL, cdyn_get(&out, NULL, s, long_sid));
    CHECK(strstr(cdyn_last_error(), "2048") != NULL);
    CHECK_RC(CDYN_EINVAL, cdyn_get(&out, NULL, s, "bad\xc3\x28utf8"));
    CHECK(strstr(cdyn_last_error(), "UTF-8") != NULL);

    /* A good value first, to see that failed writes leave it alone. */
    CHECK_RC(CDYN_OK, set_json(s, "keep", "{\"cookie\":{},\"v\":1}", 0));
    CHECK_RC(CDYN_EINVAL, cdyn_set(s, "keep", NULL, 0, 0, 0));
    CHECK_RC(CDYN_EINVAL, set_json(s, "keep", "not json", 0));
    CHECK_RC(CDYN_EINVAL, set_json(s, "keep", "[1,2]", 0));
    CHECK_RC(CDYN_EINVAL, set_json(s, "keep", "{\"a\":1,}", 0));
    CHECK_RC(CDYN_EINVAL, set_json(s, "keep", "{\"a\":\"\xff\"}", 0));
    CHECK_RC(CDYN_EINVAL, set_json(s, "keep", "{}", -5));
    CHECK_RC(CDYN_EINVAL, cdyn_set(s, "keep", "{}", 2, 0, 0x80));
    CHECK_RC(CDYN_EINVAL, cdyn_touch(s, "keep", -1));

    big = malloc(big_size);
    memset(big, 'x', big_size);
    memcpy(big, "{\"a\":\"", 6);
    memcpy(big + big_size - 2, "\"}", 2);
    CHECK_RC(CDYN_ETOOLARGE, cdyn_set(s, "keep", big, big_size, 0, 0));
    CHECK(strstr(cdyn_last_error(), "400") != NULL || strstr(cdyn_last_error(), "409600") != NULL);
    free(big);

    CHECK_RC(CDYN_OK, cdyn_get(&out, &expires, s, "keep"));
    CHECK(out.ptr && strcmp(out.ptr, "{\"cookie\":{},\"v\":1}") == 0);
    CHECK(out.size == strlen("{\"cookie\":{},\"v\":1}"));
    cdyn_buf_dispose(&out);
    CHECK(out.ptr == NULL && out.size == 0);
    CHECK_RC(CDYN_OK, cdyn_destroy(s, "keep"));
}

static void test_lifecycle(cdyn_store *s) {
    cdyn_buf out = {0};
    int64_t expires = 0;
    int64_t now = (int64_t)time(NULL);
    const char *json = "{\"cookie\":{\"maxAge\":60000},\"user\":\"ada\",\"\xc3\xa9t\xc3\xa9\":\"\\u2603\"}";

    CHECK_RC(CDYN_ENOTFOUND, cdyn_get(&out, &expires, s, "walk"));
    CHECK(out.ptr == NULL);

    CHECK_RC(CDYN_OK, set_json(s, "walk", json, now + 60));
    CHECK_RC(CDYN_OK, cdyn_get(&out, &expires, s, "walk"));
    CHECK(out.ptr && strcmp(out.ptr, json) == 0);
    CHECK(expires == now + 60);
    cdyn_buf_dispose(&out);

    /* expiry 0: now + the default TTL */
    CHECK_RC(CDYN_OK, set_json(s, "walk", json, 0));
    CHECK_RC(CDYN_OK, cdyn_get(&out, &expires, s, "walk"));
    CHECK(expires >= now + 86400 && expires <= now + 86400 + 30);
    cdyn_buf_dispose(&out);

    CHECK_RC(CDYN_OK, cdyn_touch(s, "walk", now + 500));
    CHECK_RC(CDYN_OK, cdyn_get(&out, &expires, s, "walk"));
    CHECK(expires == now + 500);
    cdyn_buf_dispose(&out);

    CHECK_RC(CDYN_OK, cdyn_destroy(s, "walk"));
    CHECK_RC(CDYN_OK, cdyn_destroy(s, "walk")); /* idempotent */
    CHECK_RC(CDYN_ENOTFOUND, cdyn_get(&out, &expires, s, "walk"));
    /* touch never creates an item */
    CHECK_RC(CDYN_ENOTFOUND, cdyn_touch(s, "walk", now + 500));
    CHECK_RC(CDYN_ENOTFOUND, cdyn_get(&out, &expires, s, "walk"));
    CHECK_RC(CDYN_ENOTFOUND, cdyn_touch(s, "never-existed", 0));

    /* expired sessions are hidden, not revived by touch, and reaped */
    CHECK_RC(CDYN_OK, set_json(s, "old", "{\"cookie\":{}}", now - 10));
    CHECK_RC(CDYN_ENOTFOUND, cdyn_get(&out, &expires, s, "old"));
    CHECK_RC(CDYN_ENOTFOUND, cdyn_touch(s, "old", now + 1000));

    /* create-only: a live id refuses, an expired one is free */
    CHECK_RC(CDYN_OK, cdyn_set(s, "fresh", "{}", 2, 0, CDYN_SET_CREATE_ONLY));
    CHECK_RC(CDYN_ECONDITION, cdyn_set(s, "fresh", "{\"x\":1}", 7, 0, CDYN_SET_CREATE_ONLY));
    CHECK_RC(CDYN_OK, cdyn_get(&out, NULL, s, "fresh"));
    CHECK(out.ptr && strcmp(out.ptr, "{}") == 0);
    cdyn_buf_dispose(&out);
    CHECK_RC(CDYN_OK, cdyn_set(s, "old", "{\"again\":true}", 14, 0, CDYN_SET_CREATE_ONLY));

    /* update-only: a live id is written, a missing or expired one is not */
    CHECK_RC(CDYN_OK, cdyn_set(s, "fresh", "{\"y\":2}", 7, 0, CDYN_SET_UPDATE_ONLY));
    CHECK_RC(CDYN_OK, cdyn_get(&out, NULL, s, "fresh"));
    CHECK(out.ptr && strcmp(out.ptr, "{\"y\":2}") == 0);
    cdyn_buf_dispose(&out);
    CHECK_RC(CDYN_ENOTFOUND, cdyn_set(s, "nobody", "{}", 2, 0, CDYN_SET_UPDATE_ONLY));
    CHECK_RC(CDYN_ENOTFOUND, cdyn_get(&out, NULL, s, "nobody"));
    CHECK_RC(CDYN_OK, set_json(s, "lapsed", "{}", now - 3));
    CHECK_RC(CDYN_ENOTFOUND, cdyn_set(s, "lapsed", "{\"z\":3}", 7, 0, CDYN_SET_UPDATE_ONLY));
    CHECK_RC(CDYN_ENOTFOUND, cdyn_get(&out, NULL, s, "lapsed"));
    CHECK_RC(CDYN_EINVAL, cdyn_set(s, "fresh", "{}", 2, 0, CDYN_SET_CREATE_ONLY | CDYN_SET_UPDATE_ONLY));
    CHECK_RC(CDYN_OK, cdyn_destroy(s, "lapsed"));
    CHECK_RC(CDYN_OK, cdyn_destroy(s, "fresh"));
    CHECK_RC(CDYN_OK, cdyn_destroy(s, "old"));
}

static int has_id(const cdyn_session_list *l, const char *id) {
    size_t i;
    for (i = 0; i < l->count; i++)
        if (strcmp(l->sessions[i].id, id) == 0) return 1;
    return 0;
}

static void test_listing(cdyn_store *a) {
    cdyn_store *b = open_store("other:");
    cdyn_session_list list = {0};
    uint64_t n = 99;
    int64_t now = (int64_t)time(NULL);
    char sid[32];
    int i;

    CHECK_RC(CDYN_OK, cdyn_clear(NULL, a));
    for (i = 0; i < 30; i++) {
        snprintf(sid, sizeof sid, "s%02d", i);
        CHECK_RC(CDYN_OK, set_json(a, sid, "{\"cookie\":{},\"n\":1}", 0));
    }
    CHECK_RC(CDYN_OK, set_json(a, "gone1", "{}", now - 100));
    CHECK_RC(CDYN_OK, set_json(a, "gone2", "{}", now - 1));
    CHECK_RC(CDYN_OK, set_json(b, "theirs", "{\"b\":true}", 0));

    CHECK_RC(CDYN_EINVAL, cdyn_length(NULL, a));
    CHECK_RC(CDYN_OK, cdyn_length(&n, a));
    CHECK(n == 30);
    CHECK_RC(CDYN_OK, cdyn_length(&n, b));
    CHECK(n == 1);

    CHECK_RC(CDYN_OK, cdyn_ids(&list, a));
    CHECK(list.count == 30);
    CHECK(has_id(&list, "s00") && has_id(&list, "s29") && !has_id(&list, "gone1") && !has_id(&list, "theirs"));
    CHECK(list.count > 0 && list.sessions[0].data == NULL && list.sessions[0].expires > now);
    cdyn_session_list_dispose(&list);
    CHECK(list.sessions == NULL && list.count == 0);

    CHECK_RC(CDYN_OK, cdyn_all(&list, b));
    CHECK(list.count == 1 && strcmp(list.sessions[0].id, "theirs") == 0);
    CHECK(list.count == 1 && strcmp(list.sessions[0].data, "{\"b\":true}") == 0);
    CHECK(list.count == 1 && list.sessions[0].data_len == 10 && list.sessions[0].id_len == 6);
    cdyn_session_list_dispose(&list);

    CHECK_RC(CDYN_OK, cdyn_reap(&n, a));
    CHECK(n == 2);
    CHECK_RC(CDYN_OK, cdyn_reap(&n, a));
    CHECK(n == 0);
    CHECK_RC(CDYN_OK, cdyn_clear(&n, a));
    CHECK(n == 30);
    CHECK_RC(CDYN_OK, cdyn_length(&n, a));
    CHECK(n == 0);
    /* the other prefix is untouched */
    CHECK_RC(CDYN_OK, cdyn_length(&n, b));
    CHECK(n == 1);
    CHECK_RC(CDYN_OK, cdyn_clear(&n, b));
    CHECK(n == 1);
    cdyn_store_free(b);
}

/* ---- asynchronous calls --------------------------------------------------- */

struct waiter {
    pthread_mutex_t lock;
    pthread_cond_t done;
    int pending;
    int statuses[64];
    int count;
    cdyn_store *store;
    int nested_status;
    char data[128];
    int64_t version;
    uint64_t result_count;
};

static void waiter_init(struct waiter *w, int pending) {
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->done, NULL);
    w->pending = pending;
}

static void waiter_wait(struct waiter *w) {
    pthread_mutex_lock(&w->lock);
    while (w->pending > 0) pthread_cond_wait(&w->done, &w->lock);
    pthread_mutex_unlock(&w->lock);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->done);
}

static void on_result(cdyn_result *result, void *userdata) {
    struct waiter *w = userdata;
    pthread_mutex_lock(&w->lock);
    /* never NULL, and neither is its message */
    if (result == NULL || result->message == NULL) abort();
    if (w->count < 64) w->statuses[w->count++] = result->status;
    if (result->data.ptr) snprintf(w->data, sizeof w->data, "%s", result->data.ptr);
    w->version = result->version;
    w->result_count = result->count;
    if (w->store) {
        /* a blocking call from the I/O thread must refuse, not deadlock */
        cdyn_buf out = {0};
        w->nested_status = cdyn_get(&out, NULL, w->store, "async");
    }
    w->pending--;
    pthread_cond_signal(&w->done);
    pthread_mutex_unlock(&w->lock);
    cdyn_result_free(result);
}

static void test_async(cdyn_store *s) {
    struct waiter w;
    int i;

    CHECK_RC(CDYN_EINVAL, cdyn_get_async(s, "x", NULL, NULL));
    CHECK_RC(CDYN_EINVAL, cdyn_get_async(NULL, "x", on_result, NULL));
    CHECK_RC(CDYN_EINVAL, cdyn_set_async(s, "", "{}", 2, 0, 0, on_result, NULL));
    CHECK_RC(CDYN_EINVAL, cdyn_set_async(s, "x", "nope", 4, 0, 0, on_result, NULL));

    waiter_init(&w, 1);
    CHECK_RC(CDYN_OK, cdyn_set_async(s, "async", "{\"a\":1}", 7, 0, 0, on_result, &w));
    waiter_wait(&w);
    CHECK(w.count == 1 && w.statuses[0] == CDYN_OK);

    waiter_init(&w, 1);
    w.store = s;
    CHECK_RC(CDYN_OK, cdyn_get_async(s, "async", on_result, &w));
    waiter_wait(&w);
    CHECK(w.statuses[0] == CDYN_OK && strcmp(w.data, "{\"a\":1}") == 0);
    CHECK(w.nested_status == CDYN_EDEADLOCK);

    waiter_init(&w, 8);
    CHECK_RC(CDYN_OK, cdyn_touch_async(s, "async", 0, on_result, &w));
    CHECK_RC(CDYN_OK, cdyn_touch_async(s, "missing", 0, on_result, &w));
    CHECK_RC(CDYN_OK, cdyn_length_async(s, on_result, &w));
    CHECK_RC(CDYN_OK, cdyn_ids_async(s, on_result, &w));
    CHECK_RC(CDYN_OK, cdyn_all_async(s, on_result, &w));
    CHECK_RC(CDYN_OK, cdyn_reap_async(s, on_result, &w));
    CHECK_RC(CDYN_OK, cdyn_ensure_table_async(s, on_result, &w));
    CHECK_RC(CDYN_OK, cdyn_get_async(s, "missing", on_result, &w));
    waiter_wait(&w);
    CHECK(w.count == 8);
    {
        int ok = 0, notfound = 0;
        for (i = 0; i < w.count; i++) {
            if (w.statuses[i] == CDYN_OK) ok++;
            if (w.statuses[i] == CDYN_ENOTFOUND) notfound++;
        }
        CHECK(ok == 6 && notfound == 2);
    }

    /* every blocking session call has its twin, get_item too */
    waiter_init(&w, 1);
    CHECK_RC(CDYN_EINVAL, cdyn_get_item_async(s, NULL, on_result, &w));
    CHECK_RC(CDYN_OK, cdyn_get_item_async(s, "async", on_result, &w));
    waiter_wait(&w);
    CHECK(w.statuses[0] == CDYN_OK && strstr(w.data, "\"sess:async\"") != NULL);

    waiter_init(&w, 2);
    CHECK_RC(CDYN_OK, cdyn_destroy_async(s, "async", on_result, &w));
    CHECK_RC(CDYN_OK, cdyn_clear_async(s, on_result, &w));
    waiter_wait(&w);
    CHECK(w.statuses[0] == CDYN_OK && w.statuses[1] == CDYN_OK);
}

/* ---- versioned saves ------------------------------------------------------ */

/* A read as a request makes it, for cdyn_save. */
struct read_session {
    cdyn_buf data;
    int64_t version;
};

static int read_versioned(struct read_session *r, cdyn_store *s, const char *sid) {
    memset(r, 0, sizeof *r);
    return cdyn_get_versioned(&r->data, NULL, &r->version, s, sid);
}

static int save_from(cdyn_store *s, const char *sid, const char *json, const struct read_session *r) {
    return cdyn_save(s, sid, json, strlen(json), 0, r ? r->data.ptr : NULL, r ? r->data.size : 0,
                     r ? r->version : 0);
}

static void test_versioned_saves(cdyn_store *s) {
    struct read_session r1, r2;
    cdyn_buf out = {0};
    struct waiter w;

    CHECK_RC(CDYN_EINVAL, cdyn_get_versioned(NULL, NULL, NULL, s, "v"));
    CHECK_RC(CDYN_EINVAL, cdyn_save(s, "v", NULL, 0, 0, NULL, 0, 0));
    CHECK_RC(CDYN_EINVAL, cdyn_save(s, "v", "[]", 2, 0, NULL, 0, 0));

    /* a new session: create-only, version 1 */
    CHECK_RC(CDYN_OK, save_from(s, "v", "{\"n\":0}", NULL));
    CHECK_RC(CDYN_ECONDITION, save_from(s, "v", "{\"n\":9}", NULL));
    CHECK_RC(CDYN_OK, read_versioned(&r1, s, "v"));
    CHECK(r1.version == 1 && strcmp(r1.data.ptr, "{\"n\":0}") == 0);

    /* two requests from one read, each adding a key: both kept */
    CHECK_RC(CDYN_OK, read_versioned(&r2, s, "v"));
    CHECK_RC(CDYN_OK, save_from(s, "v", "{\"n\":0,\"a\":1}", &r1));
    CHECK_RC(CDYN_OK, save_from(s, "v", "{\"n\":0,\"b\":2}", &r2));
    CHECK_RC(CDYN_OK, cdyn_get(&out, NULL, s, "v"));
    CHECK(out.ptr && strcmp(out.ptr, "{\"n\":0,\"a\":1,\"b\":2}") == 0);
    cdyn_buf_dispose(&out);
    cdyn_buf_dispose(&r2.data);

    /* a logout while a request is in flight: the session stays gone */
    CHECK_RC(CDYN_OK, cdyn_destroy(s, "v"));
    CHECK_RC(CDYN_ENOTFOUND, save_from(s, "v", "{\"n\":1}", &r1));
    CHECK_RC(CDYN_ENOTFOUND, cdyn_get(&out, NULL, s, "v"));
    cdyn_buf_dispose(&r1.data);

    /* connect-dynamodb's item (a plain set: no version) is saved on its text */
    CHECK_RC(CDYN_OK, set_json(s, "legacy", "{\"v\":1}", 0));
    CHECK_RC(CDYN_OK, read_versioned(&r1, s, "legacy"));
    CHECK(r1.version == 0);
    CHECK_RC(CDYN_OK, set_json(s, "legacy", "{\"v\":1,\"other\":1}", 0));
    CHECK_RC(CDYN_OK, save_from(s, "legacy", "{\"v\":1,\"mine\":1}", &r1));
    CHECK_RC(CDYN_OK, cdyn_get(&out, NULL, s, "legacy"));
    CHECK(out.ptr && strcmp(out.ptr, "{\"v\":1,\"other\":1,\"mine\":1}") == 0);
    cdyn_buf_dispose(&out);
    cdyn_buf_dispose(&r1.data);

    /* the asynchronous twins */
    waiter_init(&w, 1);
    CHECK_RC(CDYN_OK, cdyn_save_async(s, "av", "{\"x\":1}", 7, 0, NULL, 0, 0, on_result, &w));
    waiter_wait(&w);
    CHECK(w.statuses[0] == CDYN_OK);
    waiter_init(&w, 1);
    CHECK_RC(CDYN_OK, cdyn_get_versioned_async(s, "av", on_result, &w));
    waiter_wait(&w);
    CHECK(w.statuses[0] == CDYN_OK && w.version == 1 && strcmp(w.data, "{\"x\":1}") == 0);
    waiter_init(&w, 1);
    CHECK_RC(CDYN_OK, cdyn_save_async(s, "av", "{\"x\":2}", 7, 0, "{\"x\":1}", 7, 1, on_result, &w));
    waiter_wait(&w);
    CHECK(w.statuses[0] == CDYN_OK);
    CHECK_RC(CDYN_OK, cdyn_destroy(s, "av"));
    CHECK_RC(CDYN_OK, cdyn_destroy(s, "legacy"));
}

/* The race harness: N requests of one user in parallel, each reading the
 * session, adding its own key and saving; then a logout while requests are
 * in flight. No key may be lost, and the logout must stick. */
#define RACERS 8

struct racer {
    cdyn_store *store;
    int index;
    int status;
};

static void *race(void *arg) {
    struct racer *r = arg;
    struct read_session read;
    char json[256];
    r->status = read_versioned(&read, r->store, "race");
    if (r->status == CDYN_OK) {
        /* {"...existing...","kN":N}: the read object with one key added */
        snprintf(json, sizeof json, "%.*s%s\"k%d\":%d}", (int)read.data.size - 1, read.data.ptr,
                 read.data.size > 2 ? "," : "", r->index, r->index);
        r->status = save_from(r->store, "race", json, &read);
    }
    cdyn_buf_dispose(&read.data);
    return NULL;
}

static void test_race_no_lost_update_no_resurrection(cdyn_store *s) {
    pthread_t threads[RACERS];
    struct racer racers[RACERS];
    cdyn_buf out = {0};
    char key[16];
    int i, present = 0, gone = 0;

    CHECK_RC(CDYN_OK, save_from(s, "race", "{}", NULL));
    for (i = 0; i < RACERS; i++) {
        racers[i].store = s;
        racers[i].index = i;
        pthread_create(&threads[i], NULL, race, &racers[i]);
    }
    for (i = 0; i < RACERS; i++) pthread_join(threads[i], NULL);
    CHECK_RC(CDYN_OK, cdyn_get(&out, NULL, s, "race"));
    for (i = 0; i < RACERS; i++) {
        CHECK(racers[i].status == CDYN_OK);
        snprintf(key, sizeof key, "\"k%d\":", i);
        if (out.ptr && strstr(out.ptr, key)) present++;
    }
    CHECK(present == RACERS);
    cdyn_buf_dispose(&out);

    /* the logout races the requests: whatever order they land in, the
     * session is gone at the end and every save after it said so */
    for (i = 0; i < RACERS; i++) pthread_create(&threads[i], NULL, race, &racers[i]);
    CHECK_RC(CDYN_OK, cdyn_destroy(s, "race"));
    for (i = 0; i < RACERS; i++) {
        pthread_join(threads[i], NULL);
        CHECK(racers[i].status == CDYN_OK || racers[i].status == CDYN_ENOTFOUND);
        if (racers[i].status == CDYN_ENOTFOUND) gone++;
    }
    CHECK_RC(CDYN_ENOTFOUND, cdyn_get(&out, NULL, s, "race"));
    (void)gone;
}

/* Lazy touch: a touch gaining less than touch_after_seconds over the expiry
 * read writes nothing; CDYN_TOUCH_ALWAYS writes every time. */
static void test_lazy_touch(void) {
    cdyn_store_options o;
    cdyn_store *s = NULL, *always = NULL;
    int64_t e = (int64_t)time(NULL) + 3600, expires = 0;
    int moved = -1;
    cdyn_buf out = {0};
    struct waiter w;

    base_options(&o);
    o.prefix = "lazy:";
    o.touch_after_seconds = -5;
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));
    o.touch_after_seconds = 0;
    o.max_age_seconds = -1;
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));
    o.max_age_seconds = 0;
    o.touch_after_seconds = 60;
    CHECK_RC(CDYN_OK, cdyn_store_open(&s, &o));
    CHECK_RC(CDYN_OK, set_json(s, "t", "{}", e));
    CHECK_RC(CDYN_OK, cdyn_touch_lazy(&moved, s, "t", e + 59, e));
    CHECK(moved == 0);
    CHECK_RC(CDYN_OK, cdyn_get(&out, &expires, s, "t"));
    CHECK(expires == e);
    cdyn_buf_dispose(&out);
    CHECK_RC(CDYN_OK, cdyn_touch_lazy(&moved, s, "t", e + 60, e));
    CHECK(moved == 1);
    CHECK_RC(CDYN_OK, cdyn_get(&out, &expires, s, "t"));
    CHECK(expires == e + 60);
    cdyn_buf_dispose(&out);
    /* an unknown expiry read (0) writes; a write that finds nothing says so */
    CHECK_RC(CDYN_OK, cdyn_touch_lazy(NULL, s, "t", e + 61, 0));
    CHECK_RC(CDYN_ENOTFOUND, cdyn_touch_lazy(&moved, s, "absent", e + 600, e));
    CHECK(moved == 0);
    CHECK_RC(CDYN_EINVAL, cdyn_touch_lazy(&moved, s, "t", e, -1));

    waiter_init(&w, 2);
    CHECK_RC(CDYN_OK, cdyn_touch_lazy_async(s, "t", e + 62, e + 61, on_result, &w));
    CHECK_RC(CDYN_OK, cdyn_touch_lazy_async(s, "t", e + 200, e + 61, on_result, &w));
    waiter_wait(&w);
    CHECK(w.statuses[0] == CDYN_OK && w.statuses[1] == CDYN_OK);

    o.touch_after_seconds = CDYN_TOUCH_ALWAYS;
    CHECK_RC(CDYN_OK, cdyn_store_open(&always, &o));
    CHECK_RC(CDYN_OK, cdyn_touch_lazy(&moved, always, "t", e + 201, e + 200));
    CHECK(moved == 1);
    CHECK_RC(CDYN_OK, cdyn_destroy(s, "t"));
    cdyn_store_free(always);
    cdyn_store_free(s);
}

/* Compression (opt-in): a large session saved deflated, read back whole,
 * and the 400 KB limit applied to the compressed item. */
static void test_compression(void) {
    cdyn_store_options o;
    cdyn_store *s = NULL;
    size_t n = 600 * 1024, i;
    char *big = malloc(n + 16);
    cdyn_buf out = {0};

    base_options(&o);
    o.prefix = "zip:";
    o.compress_threshold_bytes = -1;
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));
    o.compress_threshold_bytes = 1024;
    CHECK_RC(CDYN_OK, cdyn_store_open(&s, &o));
    memcpy(big, "{\"b\":\"", 6);
    for (i = 6; i < n; i++) big[i] = (char)('a' + i % 3);
    memcpy(big + n, "\"}", 3);
    CHECK_RC(CDYN_ETOOLARGE, cdyn_set(s, "big", big, n + 2, 0, CDYN_SET_DEFAULT));
    CHECK_RC(CDYN_OK, cdyn_save(s, "big", big, n + 2, 0, NULL, 0, 0));
    CHECK_RC(CDYN_OK, cdyn_get(&out, NULL, s, "big"));
    CHECK(out.size == n + 2 && memcmp(out.ptr, big, n + 2) == 0);
    cdyn_buf_dispose(&out);
    CHECK_RC(CDYN_OK, cdyn_get_item(&out, s, "big"));
    CHECK(out.ptr && strstr(out.ptr, "\"sessz\":{\"B\":") != NULL && strstr(out.ptr, "\"sess\":") == NULL);
    cdyn_buf_dispose(&out);
    CHECK_RC(CDYN_OK, cdyn_destroy(s, "big"));
    cdyn_store_free(s);
    free(big);
}

static uint64_t reencrypted_async;

static void on_reencrypted(cdyn_result *result, void *userdata) {
    reencrypted_async = result->count;
    on_result(result, userdata);
}

/* Encryption at rest (opt-in): the key ring checked at open, sessions
 * stored encrypted under the first key and read back through a ring that
 * holds it, rotation, and cdyn_reencrypt moving the rest. */
static void test_encryption(void) {
    static const unsigned char k1[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                         17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
    static const unsigned char k2[32] = {201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216,
                                         217, 218, 219, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232};
    cdyn_key old_ring[1] = {{"k1", k1, 32}};
    cdyn_key new_ring[2] = {{"k2", k2, 32}, {"k1", k1, 32}};
    cdyn_key bad[2] = {{"k1", k1, 31}, {"k1", k1, 32}};
    const char *json = "{\"token\":\"bearer-secret\"}";
    cdyn_store_options o;
    cdyn_store *old = NULL, *fresh = NULL, *s = NULL;
    cdyn_reencrypt_counts counts;
    cdyn_buf out = {0};
    struct waiter w;

    base_options(&o);
    o.prefix = "crypt:";
    o.encryption_keys = bad;
    o.encryption_key_count = 1;
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));
    CHECK(strstr(cdyn_last_error(), "encryption_keys[0] must be 32 bytes") != NULL);
    bad[0].len = 32;
    o.encryption_key_count = 2;
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));
    CHECK(strstr(cdyn_last_error(), "duplicate") != NULL);
    o.encryption_keys = NULL;
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));
    CHECK(strstr(cdyn_last_error(), "encryption_keys is NULL") != NULL);

    o.encryption_keys = old_ring;
    o.encryption_key_count = 1;
    CHECK_RC(CDYN_OK, cdyn_store_open(&old, &o));
    o.encryption_keys = new_ring;
    o.encryption_key_count = 2;
    CHECK_RC(CDYN_OK, cdyn_store_open(&fresh, &o));
    /* the caller's ring may go away: it was copied */
    memset(new_ring, 0, sizeof new_ring);

    CHECK_RC(CDYN_OK, set_json(old, "a", json, 0));
    CHECK_RC(CDYN_OK, cdyn_save(old, "b", json, strlen(json), 0, NULL, 0, 0));
    CHECK_RC(CDYN_OK, cdyn_get_item(&out, old, "a"));
    CHECK(out.ptr && strstr(out.ptr, "\"sesse\":{\"B\":") != NULL && strstr(out.ptr, "bearer-secret") == NULL);
    CHECK(strstr(out.ptr, "\"sess\":") == NULL);
    cdyn_buf_dispose(&out);
    /* the new ring reads the old key's sessions */
    CHECK_RC(CDYN_OK, cdyn_get(&out, NULL, fresh, "a"));
    CHECK(out.ptr && strcmp(out.ptr, json) == 0);
    cdyn_buf_dispose(&out);
    /* re-encryption moves both to k2, which the old ring cannot read */
    CHECK_RC(CDYN_EINVAL, cdyn_reencrypt(&counts, fresh, -1, 0));
    CHECK_RC(CDYN_OK, cdyn_reencrypt(&counts, fresh, 0, 0));
    CHECK(counts.scanned == 2 && counts.reencrypted == 2 && counts.current == 0 && counts.unreadable == 0);
    CHECK(counts.elapsed_seconds >= 0);
    CHECK_RC(CDYN_ENOTFOUND, cdyn_get(&out, NULL, old, "a"));
    CHECK_RC(CDYN_OK, cdyn_get(&out, NULL, fresh, "b"));
    CHECK(out.ptr && strcmp(out.ptr, json) == 0);
    cdyn_buf_dispose(&out);
    /* the settings name the ring's size and encrypting id, never a key */
    {
        cdyn_info info = {0};
        info.version = CDYN_INFO_VERSION;
        CHECK_RC(CDYN_OK, cdyn_store_info(&info, fresh));
        CHECK(info.encryption_key_count == 2 && info.encryption_key_id && strcmp(info.encryption_key_id, "k2") == 0);
        cdyn_info_dispose(&info);
        CHECK(info.encryption_key_id == NULL);
        memset(&info, 0x5a, sizeof info);
        info.version = 2;  /* a version-2 caller's struct ends before them */
        CHECK_RC(CDYN_OK, cdyn_store_info(&info, fresh));
        CHECK(info.encryption_key_count == (size_t)0x5a5a5a5a5a5a5a5aULL);
        cdyn_info_dispose(&info);
    }
    /* asynchronously: nothing left to do */
    waiter_init(&w, 1);
    reencrypted_async = 99;
    CHECK_RC(CDYN_OK, cdyn_reencrypt_async(fresh, 0, 0, on_reencrypted, &w));
    waiter_wait(&w);
    CHECK(w.count == 1 && w.statuses[0] == CDYN_OK && reencrypted_async == 0);
    CHECK_RC(CDYN_OK, cdyn_clear(NULL, fresh));
    /* a store without keys cannot re-encrypt, and says it has none */
    CHECK_RC(CDYN_EINVAL, cdyn_reencrypt(NULL, (s = open_store("crypt:")), 0, 0));
    {
        cdyn_info info = {0};
        info.version = CDYN_INFO_VERSION;
        CHECK_RC(CDYN_OK, cdyn_store_info(&info, s));
        CHECK(info.encryption_key_count == 0 && info.encryption_key_id == NULL);
        cdyn_info_dispose(&info);
    }
    cdyn_store_free(s);
    cdyn_store_free(old);
    cdyn_store_free(fresh);
}

/* ---- operating: list by state, describe, TTL, the budgeted reaper ------- */

struct progress_log {
    int calls;
    int finished_calls;
    int stop_after;          /* stop when calls reaches it; 0: never */
    uint64_t last_deleted;
    int monotonic;
};

static int on_progress(const cdyn_reap_progress *p, void *userdata) {
    struct progress_log *log = userdata;
    log->calls++;
    if (p->finished) log->finished_calls++;
    if (p->deleted < log->last_deleted) log->monotonic = 0;
    log->last_deleted = p->deleted;
    return log->stop_after && log->calls >= log->stop_after;
}

static void test_operating(cdyn_store *s) {
    cdyn_session_list list = {0};
    cdyn_buf buf = {0};
    cdyn_reap_options ro;
    cdyn_reap_progress out;
    struct progress_log log;
    struct waiter w;
    int64_t now = (int64_t)time(NULL);
    char sid[32];
    uint64_t first;
    int i;

    CHECK_RC(CDYN_OK, cdyn_clear(NULL, s));
    for (i = 0; i < 40; i++) {
        snprintf(sid, sizeof sid, "old%02d", i);
        CHECK_RC(CDYN_OK, set_json(s, sid, "{}", now - 60));
    }
    CHECK_RC(CDYN_OK, set_json(s, "live", "{}", 0));

    CHECK_RC(CDYN_OK, cdyn_list(&list, s, CDYN_LIST_EXPIRED));
    CHECK(list.count == 40 && has_id(&list, "old00") && !has_id(&list, "live"));
    CHECK(list.count > 0 && list.sessions[0].expires == now - 60 && list.sessions[0].data == NULL);
    cdyn_session_list_dispose(&list);
    CHECK_RC(CDYN_OK, cdyn_list(&list, s, CDYN_LIST_LIVE));
    CHECK(list.count == 1 && has_id(&list, "live"));
    cdyn_session_list_dispose(&list);
    CHECK_RC(CDYN_EINVAL, cdyn_list(&list, s, 7));
    CHECK_RC(CDYN_EINVAL, cdyn_list(NULL, s, CDYN_LIST_LIVE));

    CHECK_RC(CDYN_OK, cdyn_describe(&buf, s));
    CHECK(buf.ptr && strstr(buf.ptr, "\"status\":\"ACTIVE\"") != NULL);
    CHECK(buf.ptr && strstr(buf.ptr, "\"sessions\":{\"live\":1,\"expired\":40,\"stubs\":0,\"foreign\":0}") != NULL);
    cdyn_buf_dispose(&buf);
    CHECK_RC(CDYN_EINVAL, cdyn_describe(NULL, s));
    CHECK_RC(CDYN_OK, cdyn_enable_ttl(s));
    CHECK_RC(CDYN_OK, cdyn_enable_ttl(s));

    CHECK_RC(CDYN_EINVAL, cdyn_reap_options_init(NULL, CDYN_REAP_OPTIONS_VERSION));
    CHECK_RC(CDYN_EINVAL, cdyn_reap_options_init(&ro, 99));
    CHECK_RC(CDYN_OK, cdyn_reap_options_init(&ro, CDYN_REAP_OPTIONS_VERSION));
    CHECK(ro.target == CDYN_REAP_EXPIRED && ro.segments == 1 && ro.dry_run == 0);
    CHECK(ro.read_units_per_second == 0 && ro.write_units_per_second == 0 && ro.progress == NULL);
    ro.segments = 0;
    CHECK_RC(CDYN_EINVAL, cdyn_reap_run(&out, s, &ro));
    ro.segments = 1;
    ro.read_units_per_second = -1;
    CHECK_RC(CDYN_EINVAL, cdyn_reap_run(&out, s, &ro));
    ro.read_units_per_second = 0;
    ro.target = 5;
    CHECK_RC(CDYN_EINVAL, cdyn_reap_run(&out, s, &ro));
    ro.target = CDYN_REAP_EXPIRED;

    /* A dry run counts and deletes nothing. */
    ro.dry_run = 1;
    CHECK_RC(CDYN_OK, cdyn_reap_run(&out, s, &ro));
    CHECK(out.matched == 40 && out.deleted == 0 && out.scanned == 41 && out.finished == 1);
    ro.dry_run = 0;

    /* Stopped by the progress callback after its first report. */
    memset(&log, 0, sizeof log);
    log.stop_after = 1;
    log.monotonic = 1;
    ro.page_size = 10;
    ro.segments = 2;
    ro.progress = on_progress;
    ro.progress_userdata = &log;
    CHECK_RC(CDYN_OK, cdyn_reap_run(&out, s, &ro));
    CHECK(out.cancelled == 1 && out.finished == 1 && out.deleted > 0 && out.deleted < 40);
    CHECK(log.finished_calls == 1 && log.last_deleted == out.deleted);
    CHECK_RC(CDYN_OK, cdyn_list(&list, s, CDYN_LIST_EXPIRED));
    CHECK(list.count == 40 - out.deleted);
    cdyn_session_list_dispose(&list);
    first = out.deleted;

    /* To the end, with budgets, reporting after every page. */
    memset(&log, 0, sizeof log);
    log.monotonic = 1;
    ro.read_units_per_second = 1000;
    ro.write_units_per_second = 1000;
    CHECK_RC(CDYN_OK, cdyn_reap_run(&out, s, &ro));
    CHECK(out.cancelled == 0 && out.deleted == 40 - first && log.last_deleted == out.deleted);
    CHECK(log.calls >= 3 && log.finished_calls == 1 && log.monotonic);
    CHECK(out.read_units > 0 && out.write_units > 0 && out.pages >= 3);
    CHECK_RC(CDYN_OK, cdyn_list(&list, s, CDYN_LIST_EXPIRED));
    CHECK(list.count == 0);
    cdyn_session_list_dispose(&list);
    CHECK_RC(CDYN_OK, cdyn_reap_run(NULL, s, NULL));

    /* The asynchronous twins. */
    CHECK_RC(CDYN_OK, set_json(s, "old", "{}", now - 5));
    waiter_init(&w, 4);
    CHECK_RC(CDYN_OK, cdyn_list_async(s, CDYN_LIST_EXPIRED, on_result, &w));
    CHECK_RC(CDYN_OK, cdyn_describe_async(s, on_result, &w));
    CHECK_RC(CDYN_OK, cdyn_enable_ttl_async(s, on_result, &w));
    CHECK_RC(CDYN_OK, cdyn_reap_run_async(s, NULL, on_result, &w));
    waiter_wait(&w);
    CHECK(w.count == 4 && w.statuses[0] == CDYN_OK && w.statuses[1] == CDYN_OK &&
          w.statuses[2] == CDYN_OK && w.statuses[3] == CDYN_OK);
    CHECK_RC(CDYN_EINVAL, cdyn_list_async(s, 9, on_result, &w));
    CHECK_RC(CDYN_EINVAL, cdyn_reap_run_async(s, NULL, NULL, NULL));
    CHECK_RC(CDYN_OK, cdyn_clear(NULL, s));
}

/* ---- threads -------------------------------------------------------------- */

struct worker {
    cdyn_store *store;
    int index;
    int failures;
};

static void *work(void *arg) {
    struct worker *wk = arg;
    char sid[32], json[64];
    cdyn_buf out = {0};
    int i;
    for (i = 0; i < 10; i++) {
        snprintf(sid, sizeof sid, "t%d-%d", wk->index, i);
        snprintf(json, sizeof json, "{\"worker\":%d,\"i\":%d}", wk->index, i);
        if (set_json(wk->store, sid, json, 0) != CDYN_OK) wk->failures++;
        if (cdyn_get(&out, NULL, wk->store, sid) != CDYN_OK || strcmp(out.ptr, json) != 0) wk->failures++;
        cdyn_buf_dispose(&out);
        if (cdyn_destroy(wk->store, sid) != CDYN_OK) wk->failures++;
    }
    return NULL;
}

static void test_threads_share_one_store_and_create_the_table_once(void) {
    /* a fresh table: every thread's first call waits for one creation */
    char fresh[80];
    cdyn_store_options o;
    cdyn_store *s = NULL;
    pthread_t threads[16];
    struct worker workers[8];
    cdyn_stats stats;
    int i, failures = 0;

    snprintf(fresh, sizeof fresh, "%s-fresh", table);
    base_options(&o);
    o.table = fresh;
    o.billing_mode = CDYN_BILLING_ON_DEMAND;
    CHECK_RC(CDYN_OK, cdyn_store_open(&s, &o));
    for (i = 0; i < 8; i++) {
        workers[i].store = s;
        workers[i].index = i;
        workers[i].failures = 0;
        pthread_create(&threads[i], NULL, work, &workers[i]);
    }
    for (i = 0; i < 8; i++) {
        pthread_join(threads[i], NULL);
        failures += workers[i].failures;
    }
    CHECK(failures == 0);

    memset(&stats, 0, sizeof stats);
    CHECK_RC(CDYN_EINVAL, cdyn_store_stats(&stats, s)); /* version unset */
    stats.version = CDYN_STATS_VERSION;
    CHECK_RC(CDYN_EINVAL, cdyn_store_stats(&stats, NULL));
    CHECK_RC(CDYN_OK, cdyn_store_stats(&stats, s));
    CHECK(stats.operations == 240);
    /* one DescribeTable + CreateTable + DescribeTable + UpdateTimeToLive */
    CHECK(stats.requests == 240 + 4);
    CHECK(stats.attempts == stats.requests && stats.retries == 0);
    cdyn_store_free(s);
}

/* ---- tables, network, closing --------------------------------------------- */

static int log_lines, log_leaked;

static void on_log(int level, const char *message, void *userdata) {
    (void)userdata;
    (void)level;
    log_lines++;
    if (strstr(message, "capi-secret-never-logged")) log_leaked++;
}

static void test_table_and_network_errors(void) {
    cdyn_store_options o;
    cdyn_store *s = NULL;
    cdyn_buf out = {0};

    base_options(&o);
    o.table = "no-such-table-here";
    o.create_table = 0;
    CHECK_RC(CDYN_OK, cdyn_store_open(&s, &o));
    CHECK_RC(CDYN_ENOTABLE, cdyn_store_ensure_table(s)); /* fails early */
    CHECK(strstr(cdyn_last_error(), "no-such-table-here") != NULL);
    CHECK_RC(CDYN_ENOTABLE, cdyn_get(&out, NULL, s, "x"));
    CHECK_RC(CDYN_ENOTABLE, cdyn_set(s, "x", "{}", 2, 0, 0));
    cdyn_store_free(s);

    base_options(&o);
    o.endpoint = "http://127.0.0.1:1";
    o.max_attempts = 2;
    o.log = on_log;
    o.log_level = CDYN_LOG_DEBUG;
    CHECK_RC(CDYN_OK, cdyn_store_open(&s, &o));
    CHECK_RC(CDYN_ENET, cdyn_store_ensure_table(s));
    CHECK(strstr(cdyn_last_error(), "connect") != NULL);
    CHECK(log_lines > 0 && log_leaked == 0);
    cdyn_store_free(s);
}

/* A log callback runs on whichever thread logs: during a blocking call on an
 * idle store, the caller's own (it runs the I/O itself). A blocking call made
 * there would wait for itself: it must return CDYN_EDEADLOCK, and the outer
 * call must still finish. */
struct log_probe {
    cdyn_store *store;
    int calls;
    int nested_status;
};

static void on_log_probe(int level, const char *message, void *userdata) {
    struct log_probe *probe = userdata;
    (void)level;
    (void)message;
    if (probe->store && probe->calls++ == 0) {
        cdyn_buf out = {0};
        probe->nested_status = cdyn_get(&out, NULL, probe->store, "from-the-log");
        cdyn_buf_dispose(&out);
    }
}

static void test_blocking_call_from_a_log_callback(void) {
    struct log_probe probe = {NULL, 0, 0};
    cdyn_store_options o;
    cdyn_store *s = NULL;
    cdyn_buf out = {0};
    base_options(&o);
    o.log = on_log_probe;
    o.log_userdata = &probe;
    o.log_level = CDYN_LOG_DEBUG;
    CHECK_RC(CDYN_OK, cdyn_store_open(&s, &o));
    probe.store = s;
    CHECK_RC(CDYN_OK, cdyn_set(s, "logged", "{}", 2, 0, 0));
    CHECK(probe.calls > 0);
    CHECK(probe.nested_status == CDYN_EDEADLOCK);
    CHECK_RC(CDYN_OK, cdyn_get(&out, NULL, s, "logged"));
    cdyn_buf_dispose(&out);
    cdyn_store_free(s);
}

static void test_free_with_calls_in_flight(void) {
    cdyn_store *s = open_store("closing:");
    struct waiter w;
    int i, closed_or_ok = 1;
    waiter_init(&w, 20);
    for (i = 0; i < 20; i++) CHECK_RC(CDYN_OK, cdyn_get_async(s, "x", on_result, &w));
    cdyn_store_free(s); /* every callback runs before this returns */
    CHECK(w.pending == 0);
    for (i = 0; i < w.count; i++)
        if (w.statuses[i] != CDYN_ECLOSED && w.statuses[i] != CDYN_ENOTFOUND) closed_or_ok = 0;
    CHECK(w.count == 20 && closed_or_ok);
    waiter_wait(&w);
}

/* ---- fork ------------------------------------------------------------------- */

/* In a child of fork(), the store the parent opened works: one blocking
 * and one asynchronous get of a session the parent wrote, then free. The
 * child's verdict is its exit status: 0 all went well, 1 a call failed;
 * a hang ends at the alarm (SIGALRM), which the parent sees. */
static int child_uses_the_store(cdyn_store *s) {
    cdyn_buf out = {0};
    struct waiter w;
    int ok;
    alarm(60);
    ok = cdyn_get(&out, NULL, s, "forked") == CDYN_OK && out.ptr && strcmp(out.ptr, "{\"from\":\"parent\"}") == 0;
    cdyn_buf_dispose(&out);
    waiter_init(&w, 1);
    if (cdyn_get_async(s, "forked", on_result, &w) == CDYN_OK) {
        waiter_wait(&w);
        ok = ok && w.statuses[0] == CDYN_OK && strcmp(w.data, "{\"from\":\"parent\"}") == 0;
    } else {
        ok = 0;
    }
    ok = ok && set_json(s, "child", "{\"from\":\"child\"}", 0) == CDYN_OK;
    cdyn_store_free(s);
    return ok ? 0 : 1;
}

/* Forks; the child runs child_uses_the_store. Returns its verdict (0 all
 * went well, 1 a call failed), or -1 when the child gave none (it hung
 * until its alarm, or crashed). The verdict comes through a pipe and the
 * child then ends itself with SIGKILL, not exit(): under valgrind (make
 * test-c) an exiting child's leak check would count as its own the blocks
 * that only a thread of the parent pointed to when it forked (mid-call in
 * libcurl, say), since the child has no such thread to scan. The parent's
 * own run checks the library's memory. */
static int in_a_child(cdyn_store *s) {
    int fds[2], status = 0;
    char verdict = -1;
    pid_t pid;
    if (pipe(fds) != 0) return -1;
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        char mine = (char)child_uses_the_store(s);
        if (write(fds[1], &mine, 1) != 1) _exit(3);
        kill(getpid(), SIGKILL);
        _exit(4);
    }
    close(fds[1]);
    if (pid < 0 || read(fds[0], &verdict, 1) != 1) verdict = -1;
    close(fds[0]);
    if (pid > 0) waitpid(pid, &status, 0);
    return verdict;
}

static void test_a_store_opened_but_unused_by_the_parent_works_in_a_child(void) {
    cdyn_store *writer = open_store("fork:");
    cdyn_store *s = open_store("fork:");
    cdyn_buf out = {0};
    CHECK_RC(CDYN_OK, set_json(writer, "forked", "{\"from\":\"parent\"}", 0));
    CHECK(in_a_child(s) == 0);
    /* the parent's store is untouched by what the child did */
    CHECK_RC(CDYN_OK, cdyn_get(&out, NULL, s, "child"));
    cdyn_buf_dispose(&out);
    cdyn_store_free(s);
    cdyn_store_free(writer);
}

struct busy {
    cdyn_store *store;
    pthread_mutex_t lock;
    int stop;
    int calls;
};

static void *keep_calling(void *arg) {
    struct busy *b = arg;
    cdyn_buf out = {0};
    for (;;) {
        pthread_mutex_lock(&b->lock);
        if (b->stop) {
            pthread_mutex_unlock(&b->lock);
            return NULL;
        }
        b->calls++;
        pthread_mutex_unlock(&b->lock);
        /* the thread is inside the store from here until the call returns */
        if (cdyn_get(&out, NULL, b->store, "forked") == CDYN_OK) cdyn_buf_dispose(&out);
    }
}

static void test_a_store_in_use_by_another_thread_at_the_fork_works_in_a_child(void) {
    struct busy b;
    pthread_t thread;
    int calls = 0, child;
    memset(&b, 0, sizeof b);
    pthread_mutex_init(&b.lock, NULL);
    b.store = open_store("fork:");
    CHECK_RC(CDYN_OK, set_json(b.store, "forked", "{\"from\":\"parent\"}", 0));
    CHECK(pthread_create(&thread, NULL, keep_calling, &b) == 0);
    /* fork once the other thread is into its calls */
    while (calls < 3) {
        pthread_mutex_lock(&b.lock);
        calls = b.calls;
        pthread_mutex_unlock(&b.lock);
        sched_yield();
    }
    child = in_a_child(b.store);
    CHECK(child == 0);
    pthread_mutex_lock(&b.lock);
    b.stop = 1;
    pthread_mutex_unlock(&b.lock);
    pthread_join(thread, NULL);
    cdyn_store_free(b.store);
    pthread_mutex_destroy(&b.lock);
}

/* ---- credentials from the host (cdyn_credentials_fn) ---------------------- */

/* The host's provider: each question is answered from a thread of its own
 * (answers may come from any thread), with the next planned expiration, or
 * a failure, or not at all. */
struct cred_host {
    int asks;
    int64_t expiration;       /* of the next answer: 0 = never expires */
    int fail;                 /* answer with cdyn_credentials_fail */
    int silent;               /* keep the question unanswered */
    cdyn_credential_request *kept;
    pthread_t threads[16];
    int thread_count;
    int answer_status;
};

struct cred_answer {
    struct cred_host *host;
    cdyn_credential_request *request;
    int64_t expiration;
};

static void *answer_credentials(void *arg) {
    struct cred_answer *a = arg;
    if (a->host->fail)
        a->host->answer_status = cdyn_credentials_fail(a->request, "no keys for you today");
    else
        a->host->answer_status = cdyn_credentials_provide(a->request, "AKIDFROMHOST",
                                                          "host-secret", "host-token", a->expiration);
    free(a);
    return NULL;
}

static void on_credentials(cdyn_credential_request *request, void *userdata) {
    struct cred_host *host = userdata;
    struct cred_answer *a;
    host->asks++;
    if (host->silent) {
        host->kept = request;
        return;
    }
    a = malloc(sizeof *a);
    if (!a || host->thread_count >= 16) abort();
    a->host = host;
    a->request = request;
    a->expiration = host->expiration;
    pthread_create(&host->threads[host->thread_count++], NULL, answer_credentials, a);
}

static void cred_host_join(struct cred_host *host) {
    int i;
    for (i = 0; i < host->thread_count; i++) pthread_join(host->threads[i], NULL);
    host->thread_count = 0;
}

static void credential_options(cdyn_store_options *o, struct cred_host *host) {
    base_options(o);
    o->access_key_id = NULL;
    o->secret_access_key = NULL;
    o->credentials = on_credentials;
    o->credentials_userdata = host;
}

static void test_credentials_from_the_host(void) {
    struct cred_host host;
    cdyn_store_options o;
    cdyn_store *s = NULL;
    cdyn_buf out = {0};
    int asks;

    /* a callback and explicit keys are two answers to one question */
    memset(&host, 0, sizeof host);
    credential_options(&o, &host);
    o.access_key_id = "AKIDTESTCAPI";
    o.secret_access_key = "capi-secret-never-logged";
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));
    CHECK(strstr(cdyn_last_error(), "credentials callback") != NULL);

    /* asked at first use (the table check and the write: one question
     * each, as credentials 60 s from expiry are inside the window where a
     * call waits for a refresh); then once per call while the answers keep
     * nearing expiry, and no more once an answer never expires */
    memset(&host, 0, sizeof host);
    host.expiration = (int64_t)time(NULL) + 60;
    credential_options(&o, &host);
    CHECK_RC(CDYN_OK, cdyn_store_open(&s, &o));
    CHECK(host.asks == 0); /* opening does no I/O */
    CHECK_RC(CDYN_OK, set_json(s, "hosted", "{\"a\":1}", 0));
    asks = host.asks;
    CHECK(asks >= 1);
    CHECK_RC(CDYN_OK, cdyn_get(&out, NULL, s, "hosted"));
    cdyn_buf_dispose(&out);
    CHECK(host.asks == asks + 1);
    host.expiration = 0;
    CHECK_RC(CDYN_OK, cdyn_get(&out, NULL, s, "hosted"));
    cdyn_buf_dispose(&out);
    CHECK(host.asks == asks + 2);
    CHECK_RC(CDYN_OK, cdyn_get(&out, NULL, s, "hosted"));
    cdyn_buf_dispose(&out);
    CHECK(host.asks == asks + 2);
    cdyn_store_free(s);
    cred_host_join(&host);
    CHECK(host.answer_status == CDYN_OK);

    /* credentials whose expiration has passed are asked for again too */
    memset(&host, 0, sizeof host);
    host.expiration = 1;
    credential_options(&o, &host);
    CHECK_RC(CDYN_OK, cdyn_store_open(&s, &o));
    CHECK_RC(CDYN_OK, cdyn_destroy(s, "hosted"));
    asks = host.asks;
    CHECK_RC(CDYN_OK, cdyn_destroy(s, "hosted"));
    CHECK(host.asks == asks + 1);
    cdyn_store_free(s);
    cred_host_join(&host);

    /* a failure answer reaches the call, with the host's words */
    memset(&host, 0, sizeof host);
    host.fail = 1;
    credential_options(&o, &host);
    CHECK_RC(CDYN_OK, cdyn_store_open(&s, &o));
    CHECK_RC(CDYN_ECREDENTIALS, cdyn_get(&out, NULL, s, "hosted"));
    CHECK(strstr(cdyn_last_error(), "no keys for you today") != NULL);
    cdyn_store_free(s);
    cred_host_join(&host);
    CHECK(host.answer_status == CDYN_OK);
}

/* A question still unanswered when the store closes: the waiting call ends
 * with CDYN_ECLOSED, and the late answer is refused (and frees the request:
 * valgrind would see it leak otherwise). A bad answer fails the call. */
static void test_unanswered_and_bad_credential_answers(void) {
    struct cred_host host;
    struct waiter w;
    cdyn_store_options o;
    cdyn_store *s = NULL;
    cdyn_buf out = {0};

    memset(&host, 0, sizeof host);
    host.silent = 1;
    credential_options(&o, &host);
    CHECK_RC(CDYN_OK, cdyn_store_open(&s, &o));
    waiter_init(&w, 1);
    CHECK_RC(CDYN_OK, cdyn_get_async(s, "x", on_result, &w));
    while (__atomic_load_n(&host.asks, __ATOMIC_SEQ_CST) == 0) sched_yield();
    cdyn_store_free(s);
    CHECK(w.count == 1 && w.statuses[0] == CDYN_ECLOSED);
    waiter_wait(&w);
    CHECK_RC(CDYN_ECLOSED, cdyn_credentials_provide(host.kept, "AKIDLATE", "late", NULL, 0));
    CHECK_RC(CDYN_EINVAL, cdyn_credentials_provide(NULL, "AKIDLATE", "late", NULL, 0));
    CHECK_RC(CDYN_EINVAL, cdyn_credentials_fail(NULL, "why"));

    /* an answer without a secret fails the request, and so the call */
    memset(&host, 0, sizeof host);
    host.silent = 1;
    credential_options(&o, &host);
    CHECK_RC(CDYN_OK, cdyn_store_open(&s, &o));
    waiter_init(&w, 1);
    CHECK_RC(CDYN_OK, cdyn_get_async(s, "x", on_result, &w));
    while (__atomic_load_n(&host.asks, __ATOMIC_SEQ_CST) == 0) sched_yield();
    CHECK_RC(CDYN_EINVAL, cdyn_credentials_provide(host.kept, "AKIDHALF", NULL, NULL, 0));
    waiter_wait(&w);
    CHECK(w.count == 1 && w.statuses[0] == CDYN_ECREDENTIALS);
    cdyn_store_free(s);
    (void)out;
}

/* connect-dynamodb's describeSessionsTable/createSessionsTable: DynamoDB's
 * own answers, without the store's table check in between. */
static void test_describe_and_create_table(void) {
    cdyn_store_options o;
    cdyn_store *s = NULL;
    cdyn_buf out = {0};
    struct waiter w;
    char name[80];
    snprintf(name, sizeof name, "%s-made", table);
    base_options(&o);
    o.table = name;
    o.read_capacity_units = 3;
    CHECK_RC(CDYN_OK, cdyn_store_open(&s, &o));
    CHECK_RC(CDYN_ENOTABLE, cdyn_describe_table(&out, s));
    CHECK(out.ptr == NULL);
    CHECK_RC(CDYN_OK, cdyn_create_table(&out, s));
    CHECK(out.ptr && strstr(out.ptr, "\"TableDescription\"") && strstr(out.ptr, "\"ReadCapacityUnits\":3"));
    cdyn_buf_dispose(&out);
    CHECK(cdyn_create_table(&out, s) < 0); /* it exists now */
    CHECK(out.ptr == NULL);
    CHECK_RC(CDYN_OK, cdyn_store_ensure_table(s));
    waiter_init(&w, 1);
    CHECK_RC(CDYN_OK, cdyn_describe_table_async(s, on_result, &w));
    waiter_wait(&w);
    CHECK(w.count == 1 && w.statuses[0] == CDYN_OK && strstr(w.data, "{\"Table\":") == w.data);
    CHECK_RC(CDYN_EINVAL, cdyn_describe_table(NULL, s));
    CHECK_RC(CDYN_EINVAL, cdyn_create_table_async(s, NULL, NULL));
    cdyn_store_free(s);
}

/* ---- hashed ids and the user index ------------------------------------ */

static int is_hex64(const char *text, size_t len) {
    size_t i;
    if (len != 64) return 0;
    for (i = 0; i < len; i++)
        if (!strchr("0123456789abcdef", text[i])) return 0;
    return 1;
}

static void test_hashed_ids_and_user_index(void) {
    static const unsigned char secret[] = "a secret of more than 16 bytes";
    const char *ada = "{\"passport\":{\"user\":\"ada\"},\"n\":1}";
    const char *bob = "{\"passport\":{\"user\":\"bob\"}}";
    cdyn_store_options o;
    cdyn_store *s = NULL, *plain = NULL;
    cdyn_session_list list = {0};
    cdyn_buf out = {0};
    cdyn_info info = {0};
    struct waiter w;
    uint64_t count = 99;
    size_t i;
    char name[80], sid[32];
    snprintf(name, sizeof name, "%s-users", table);

    /* the rules, one message each */
    base_options(&o);
    o.table = name;
    o.id_hash_secret = secret;
    o.id_hash_secret_len = sizeof secret - 1;
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));
    CHECK(strstr(cdyn_last_error(), "id_hash_secret needs hash_ids") != NULL);
    o.hash_ids = 1;
    o.id_hash_secret_len = 0;
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));
    CHECK(strstr(cdyn_last_error(), "id_hash_secret_len is 0") != NULL);
    o.id_hash_secret_len = 8;
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));
    CHECK(strstr(cdyn_last_error(), "at least 16 bytes") != NULL);
    o.id_hash_secret_len = (size_t)1 << 40; /* a length far past the buffer: refused, not read */
    CHECK_RC(CDYN_EINVAL, cdyn_store_open(&s, &o));
    o.id_hash_secret_len = sizeof secret - 1;
    o.user_field = "passport.user";
    o.user_index_name = "by-user";
    CHECK_RC(CDYN_OK, cdyn_store_open(&s, &o));  /* the store creates the table with its index */

    info.version = CDYN_INFO_VERSION;
    CHECK_RC(CDYN_OK, cdyn_store_info(&info, s));
    CHECK(info.hash_ids == 1 && info.user_field && strcmp(info.user_field, "passport.user") == 0);
    CHECK(info.user_index_name && strcmp(info.user_index_name, "by-user") == 0);
    cdyn_info_dispose(&info);
    CHECK(info.user_field == NULL && info.user_index_name == NULL);
    /* a version-2 caller's struct ends before hash_ids: nothing past it is
     * written, and dispose frees nothing past it */
    memset(&info, 0x5a, sizeof info);
    info.version = 2;
    CHECK_RC(CDYN_OK, cdyn_store_info(&info, s));
    CHECK(info.max_connections == 50 && info.hash_ids == 0x5a5a5a5a);
    cdyn_info_dispose(&info);

    for (i = 0; i < 3; i++) {
        snprintf(sid, sizeof sid, "ada-session-%zu", i);
        CHECK_RC(CDYN_OK, cdyn_save(s, sid, ada, strlen(ada), 0, NULL, 0, 0));
    }
    CHECK_RC(CDYN_OK, cdyn_set(s, "bob-session", bob, strlen(bob), 0, CDYN_SET_DEFAULT));
    /* the item holds hashes, not the id nor the user */
    CHECK_RC(CDYN_OK, cdyn_get_item(&out, s, "ada-session-0"));
    CHECK(out.ptr && strstr(out.ptr, "ada-session") == NULL && strstr(out.ptr, "\"uid\":{\"S\":\"") != NULL);
    CHECK(out.ptr && strstr(out.ptr, "\"uid\":{\"S\":\"ada\"") == NULL);
    cdyn_buf_dispose(&out);
    CHECK_RC(CDYN_OK, cdyn_get(&out, NULL, s, "ada-session-1"));
    CHECK(out.ptr && strcmp(out.ptr, ada) == 0);
    cdyn_buf_dispose(&out);
    /* ids returns the hashed keys */
    CHECK_RC(CDYN_OK, cdyn_ids(&list, s));
    CHECK(list.count == 4);
    for (i = 0; i < list.count; i++) CHECK(is_hex64(list.sessions[i].id, list.sessions[i].id_len));
    cdyn_session_list_dispose(&list);

    CHECK_RC(CDYN_OK, cdyn_user_sessions(&list, s, "ada"));
    CHECK(list.count == 3);
    for (i = 0; i < list.count; i++) {
        CHECK(is_hex64(list.sessions[i].id, list.sessions[i].id_len));
        CHECK(list.sessions[i].expires > (int64_t)time(NULL) && list.sessions[i].data == NULL);
    }
    cdyn_session_list_dispose(&list);
    waiter_init(&w, 1);
    CHECK_RC(CDYN_OK, cdyn_user_sessions_async(s, "bob", on_result, &w));
    waiter_wait(&w);
    CHECK(w.statuses[0] == CDYN_OK && w.result_count == 1);
    CHECK_RC(CDYN_EINVAL, cdyn_user_sessions(&list, s, NULL));
    CHECK_RC(CDYN_EINVAL, cdyn_user_sessions(&list, s, ""));
    CHECK_RC(CDYN_EINVAL, cdyn_user_sessions(NULL, s, "ada"));

    CHECK_RC(CDYN_OK, cdyn_destroy_user_sessions(&count, s, "ada"));
    CHECK(count == 3);
    CHECK_RC(CDYN_ENOTFOUND, cdyn_get(&out, NULL, s, "ada-session-2"));
    CHECK_RC(CDYN_OK, cdyn_get(&out, NULL, s, "bob-session"));
    cdyn_buf_dispose(&out);
    waiter_init(&w, 1);
    CHECK_RC(CDYN_OK, cdyn_destroy_user_sessions_async(s, "bob", on_result, &w));
    waiter_wait(&w);
    CHECK(w.statuses[0] == CDYN_OK && w.result_count == 1);
    CHECK_RC(CDYN_OK, cdyn_destroy_user_sessions(NULL, s, "nobody"));

    /* a store without user_field has no user calls; one without the secret
     * does not find the keyed store's sessions */
    base_options(&o);
    o.table = name;
    o.hash_ids = 1;
    CHECK_RC(CDYN_OK, cdyn_store_open(&plain, &o));
    CHECK_RC(CDYN_EINVAL, cdyn_user_sessions(&list, plain, "ada"));
    CHECK(strstr(cdyn_last_error(), "user_field") != NULL);
    CHECK_RC(CDYN_OK, cdyn_save(s, "keyed", ada, strlen(ada), 0, NULL, 0, 0));
    CHECK_RC(CDYN_ENOTFOUND, cdyn_get(&out, NULL, plain, "keyed"));
    cdyn_store_free(plain);
    cdyn_store_free(s);
}

/* A caller built against version 1 of the options has a shorter struct:
 * init writes nothing past it. */
static void test_options_version_1_is_shorter(void) {
    cdyn_store_options o;
    memset(&o, 0xAB, sizeof o);
    CHECK_RC(CDYN_OK, cdyn_store_options_init(&o, 1));
    CHECK(o.version == 1 && o.table == NULL && o.log_level == CDYN_LOG_WARN);
    CHECK(((unsigned char *)&o.credentials)[0] == 0xAB);
    CHECK(((unsigned char *)&o.credentials_userdata)[sizeof(void *) - 1] == 0xAB);
}

/* ---- the rules bindings ask for instead of restating them -------------- */

static void test_item_session_and_express_cookie(cdyn_store *s) {
    cdyn_buf out = {0};
    int64_t expires = 0;
    char item[512];
    long long later = (long long)time(NULL) + 600, earlier = (long long)time(NULL) - 1;
    const char *sess = "\"sess\":{\"S\":\"{\\\"a\\\":1}\"}";

    snprintf(item, sizeof item, "{\"id\":{\"S\":\"sess:x\"},\"expires\":{\"N\":\"%lld\"},%s}", later, sess);
    CHECK_RC(CDYN_OK, cdyn_item_session(&out, &expires, s, item, strlen(item)));
    CHECK(out.size == 7 && memcmp(out.ptr, "{\"a\":1}", 7) == 0 && expires == later);
    cdyn_buf_dispose(&out);
    /* expired, another prefix's, no sess, a sess that is not an object: no session */
    snprintf(item, sizeof item, "{\"id\":{\"S\":\"sess:x\"},\"expires\":{\"N\":\"%lld\"},%s}", earlier, sess);
    CHECK_RC(CDYN_ENOTFOUND, cdyn_item_session(&out, &expires, s, item, strlen(item)));
    CHECK(out.ptr == NULL);
    snprintf(item, sizeof item, "{\"id\":{\"S\":\"other:x\"},%s}", sess);
    CHECK_RC(CDYN_ENOTFOUND, cdyn_item_session(&out, NULL, s, item, strlen(item)));
    snprintf(item, sizeof item, "{\"id\":{\"S\":\"sess:x\"}}");
    CHECK_RC(CDYN_ENOTFOUND, cdyn_item_session(&out, NULL, s, item, strlen(item)));
    snprintf(item, sizeof item, "{\"id\":{\"S\":\"sess:x\"},\"sess\":{\"S\":\"[1]\"}}");
    CHECK_RC(CDYN_ENOTFOUND, cdyn_item_session(&out, NULL, s, item, strlen(item)));
    CHECK_RC(CDYN_EINVAL, cdyn_item_session(&out, NULL, s, "[]", 2));
    CHECK_RC(CDYN_EINVAL, cdyn_item_session(&out, NULL, s, NULL, 0));
    CHECK_RC(CDYN_EINVAL, cdyn_item_session(&out, NULL, NULL, item, strlen(item)));

    CHECK_RC(CDYN_OK, cdyn_express_cookie(&out, NAN, NULL, 1, 0, NULL, ""));
    CHECK(out.ptr && strcmp(out.ptr, "{\"originalMaxAge\":null,\"expires\":null,\"httpOnly\":true,\"path\":\"/\"}") == 0);
    cdyn_buf_dispose(&out);
    CHECK_RC(CDYN_OK, cdyn_express_cookie(&out, 60, "/app", 0, 1, "Lax", "example.com"));
    CHECK(out.ptr && strncmp(out.ptr, "{\"originalMaxAge\":60000,\"expires\":\"", 35) == 0);
    CHECK(out.ptr && strstr(out.ptr, "Z\",\"secure\":true,\"httpOnly\":false,\"domain\":\"example.com\","
                                     "\"path\":\"/app\",\"sameSite\":\"lax\"}") != NULL);
    cdyn_buf_dispose(&out);
    CHECK_RC(CDYN_EINVAL, cdyn_express_cookie(NULL, 60, NULL, 1, 0, NULL, NULL));
}

int main(void) {
    cdyn_store *s;
    endpoint = getenv("CDYN_TEST_ENDPOINT");
    if (!endpoint) {
        fprintf(stderr, "CDYN_TEST_ENDPOINT is not set (run through scripts/localdynamo.py run)\n");
        return 2;
    }
    snprintf(table, sizeof table, "capi-%ld", (long)time(NULL));

    test_versions_and_codes();
    test_options();
    test_open_errors();
    test_unset_options_and_info();

    s = open_store("sess:");
    CHECK_RC(CDYN_OK, cdyn_store_ensure_table(s));
    test_argument_errors(s);
    test_lifecycle(s);
    test_listing(s);
    test_async(s);
    test_versioned_saves(s);
    test_race_no_lost_update_no_resurrection(s);
    test_operating(s);
    test_item_session_and_express_cookie(s);
    cdyn_store_free(s);

    test_lazy_touch();
    test_compression();
    test_encryption();
    test_threads_share_one_store_and_create_the_table_once();
    test_table_and_network_errors();
    test_blocking_call_from_a_log_callback();
    test_free_with_calls_in_flight();
    test_a_store_opened_but_unused_by_the_parent_works_in_a_child();
    test_a_store_in_use_by_another_thread_at_the_fork_works_in_a_child();
    test_credentials_from_the_host();
    test_unanswered_and_bad_credential_answers();
    test_options_version_1_is_shorter();
    test_describe_and_create_table();
    test_hashed_ids_and_user_index();

    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
