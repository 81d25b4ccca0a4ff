/*
 * connectdynamo - the operator's command line for a connect-dynamo
 * session table, written over the library's public C API only.
 *
 * The library resolves region, endpoint and credentials exactly as the
 * bindings do (AWS_* environment, shared config files, profiles); the
 * global flags override it. `connectdynamo --help` and
 * `connectdynamo VERB --help` say the rest; the man page is generated from
 * them (tools/connectdynamo/genman.sh).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "connectdynamo.h"

/* Exit codes (documented in --help and the man page). */
enum {
    EXIT_OK = 0,
    EXIT_FAILURE_ = 1,   /* any other failure */
    EXIT_USAGE = 2,      /* bad command line */
    EXIT_NOTFOUND = 3,   /* no such session (get, touch) */
    EXIT_NOTABLE = 4,    /* the table does not exist */
    EXIT_AUTH = 5,       /* no credentials, or credentials rejected */
    EXIT_UNAVAILABLE = 6,/* network, timeout, throttled, server error */
    EXIT_INTERRUPTED = 130 /* reap/clear stopped by Ctrl-C (counts printed) */
};

static const char *program = "connectdynamo";

/* ------------------------------------------------------------------------
 * Help
 * ------------------------------------------------------------------------ */

struct verb;
typedef int (*verb_fn)(cdyn_store_options *opts, int argc, char **argv);

struct verb {
    const char *name;
    verb_fn run;
    const char *synopsis;
    const char *help;
};

static const char GLOBAL_HELP[] =
    "Global options (before or after the verb):\n"
    "  --table NAME       the session table (default: sessions)\n"
    "  --prefix TEXT      put before every session id (default: sess:)\n"
    "  --hash-key NAME    the partition key attribute (default: id)\n"
    "  --endpoint URL     DynamoDB endpoint (default: AWS_ENDPOINT_URL_DYNAMODB,\n"
    "                     AWS_ENDPOINT_URL, the profile's, the region's)\n"
    "  --region NAME      (default: AWS_REGION, AWS_DEFAULT_REGION, the\n"
    "                     profile's, us-east-1)\n"
    "  --profile NAME     shared AWS profile for credentials and settings\n"
    "                     (default: AWS_PROFILE, default)\n"
    "  --hash-ids         the table's keys hold hashed session ids (the store's\n"
    "                     hash_ids); SID arguments are hashed the same way, and\n"
    "                     ls and user print the hashed keys\n"
    "  --id-hash-secret-file FILE\n"
    "                     the HMAC secret of hashed ids, read from FILE (one\n"
    "                     trailing newline dropped; default:\n"
    "                     CONNECTDYNAMO_ID_HASH_SECRET_FILE); implies --hash-ids\n"
    "  --read-plain-ids   also find sessions still under their plain key\n"
    "  --user-field NAME  the session field holding the user id (the store's\n"
    "                     user_field, e.g. passport.user): needed by user\n"
    "  --user-index-name NAME\n"
    "                     the user index (default: uid-index)\n"
    "  --keys-file FILE   the encryption key ring, for tables whose sessions are\n"
    "                     encrypted: one \"ID BASE64-KEY\" line per key (32\n"
    "                     bytes), the first encrypting; '#' lines ignored.\n"
    "                     Keys are never taken on the command line.\n"
    "  -h, --help         this help; VERB --help for a verb's\n"
    "  --version          the tool's and the library's version\n";

static const char EXIT_HELP[] =
    "Exit status:\n"
    "  0    success\n"
    "  1    any other failure (the library's message on stderr)\n"
    "  2    bad command line\n"
    "  3    no such session (get, touch)\n"
    "  4    the table does not exist\n"
    "  5    no credentials, or credentials rejected\n"
    "  6    DynamoDB unreachable, timed out, throttled or failing\n"
    "  130  reap or clear stopped by Ctrl-C (the counts so far are printed)\n";

static int cmd_create_table(cdyn_store_options *, int, char **);
static int cmd_describe(cdyn_store_options *, int, char **);
static int cmd_enable_ttl(cdyn_store_options *, int, char **);
static int cmd_ls(cdyn_store_options *, int, char **);
static int cmd_get(cdyn_store_options *, int, char **);
static int cmd_set(cdyn_store_options *, int, char **);
static int cmd_touch(cdyn_store_options *, int, char **);
static int cmd_rm(cdyn_store_options *, int, char **);
static int cmd_reap(cdyn_store_options *, int, char **);
static int cmd_clear(cdyn_store_options *, int, char **);
static int cmd_user(cdyn_store_options *, int, char **);
static int cmd_reencrypt(cdyn_store_options *, int, char **);

#define SWEEP_OPTIONS \
    "  --dry-run          count what would be deleted; delete nothing\n" \
    "  --json             a JSON summary on stdout at the end\n" \
    "  --segments N       parallel scan segments, 1-64 (default 1)\n" \
    "  --read-budget U    read capacity units per second for the scan\n" \
    "                     (default: no limit)\n" \
    "  --write-budget U   write capacity units per second for the deletes\n" \
    "                     (default: no limit)\n" \
    "  --page-size N      items per scan page (default: DynamoDB's 1 MB)\n" \
    "On a terminal, a progress line (scanned, deleted, capacity used, rate,\n" \
    "ETA) is redrawn on stderr; otherwise a plain line is printed about every\n" \
    "second. Ctrl-C stops after the pages in flight and prints the counts so\n" \
    "far (exit 130); a second Ctrl-C ends the program at once.\n"

static const struct verb VERBS[] = {
    {"create-table", cmd_create_table, "create-table [--on-demand | --rcu N --wcu N] [--user-index]",
     "Creates the table (partition key --hash-key, type S) if it does not\n"
     "exist, waits until it is ACTIVE and enables TTL on `expires`. An existing\n"
     "table is left as it is (add the user index to one with aws dynamodb\n"
     "update-table: see the README's \"The user index\").\n"
     "  --on-demand        PAY_PER_REQUEST billing\n"
     "  --rcu N, --wcu N   provisioned read/write capacity units (default 5)\n"
     "  --user-index       also the global secondary index on `uid` that user\n"
     "                     (log out everywhere) queries (--user-index-name)\n"},
    {"describe", cmd_describe, "describe [--json]",
     "Shows the table's status, billing, TTL setting, item count and size (as\n"
     "DynamoDB reports them, refreshed by it about every six hours), and this\n"
     "prefix's items counted by state with one scan of the table: live,\n"
     "expired (waiting for TTL or a reap), stubs (no `sess`), and foreign\n"
     "(the table's other items).\n"
     "  --json             the description as one JSON object\n"},
    {"enable-ttl", cmd_enable_ttl, "enable-ttl",
     "Turns DynamoDB's TTL on for the `expires` attribute (nothing to do when\n"
     "it already is).\n"},
    {"ls", cmd_ls, "ls [--expired] [--json]",
     "Lists session ids with their expiry: live sessions, or with --expired\n"
     "the expired ones not yet deleted. One \"ID<TAB>EXPIRES\" line each\n"
     "(EXPIRES in UTC, or \"never\").\n"
     "  --expired          expired sessions instead of live ones\n"
     "  --json             a JSON array of {\"id\", \"expires\"} (epoch seconds)\n"},
    {"get", cmd_get, "get SID [--raw]",
     "Prints a live session's JSON (exit 3 when there is none or it expired).\n"
     "  --raw              the item exactly as stored (DynamoDB attribute-value\n"
     "                     JSON), expired or not\n"},
    {"set", cmd_set, "set SID JSON [--ttl SECONDS]",
     "Writes a session (a JSON object). Its expiry is now + --ttl, or now +\n"
     "the default (one day).\n"
     "  --ttl SECONDS      lifetime from now\n"},
    {"touch", cmd_touch, "touch SID [--ttl SECONDS]",
     "Moves a live session's expiry to now + --ttl (default one day). Never\n"
     "creates a session: exit 3 when there is none.\n"},
    {"rm", cmd_rm, "rm SID",
     "Deletes a session (deleting one that is not there succeeds).\n"},
    {"reap", cmd_reap, "reap [--dry-run] [--json] [--segments N] [--read-budget U] [--write-budget U] [--page-size N]",
     "Deletes this prefix's expired sessions (DynamoDB's TTL deletes them too,\n"
     "but up to days late). Paced by the budgets, so that it does not take the\n"
     "capacity the application needs.\n" SWEEP_OPTIONS},
    {"user", cmd_user, "user USER [--logout] [--json]",
     "Lists a user's live sessions (\"ID<TAB>EXPIRES\" lines; IDs are hashed\n"
     "keys under --hash-ids) through the user index, or with --logout deletes\n"
     "all of them (log out everywhere) and prints how many. Needs --user-field.\n"
     "The index is eventually consistent: a session written a moment ago may\n"
     "be missed.\n"
     "  --logout           delete the user's sessions, live or expired\n"
     "  --json             a JSON array of {\"id\", \"expires\"}, or with\n"
     "                     --logout {\"user\", \"deleted\"}\n"},
    {"clear", cmd_clear, "clear --yes [--dry-run] [--json] [--segments N] [--read-budget U] [--write-budget U] [--page-size N]",
     "Deletes every item of this prefix, live sessions included (the table's\n"
     "other items are untouched).\n"
     "  --yes              required (unless --dry-run): clear logs everyone out\n"
     SWEEP_OPTIONS},
    {"reencrypt", cmd_reencrypt, "reencrypt --keys-file FILE [--json] [--read-budget U] [--write-budget U]",
     "Rewrites every live session not yet encrypted under the first key of\n"
     "--keys-file (sessions under an older key of the file, and sessions in the\n"
     "clear) under it, one conditional write each: a session saved meanwhile\n"
     "is left to that save. Sessions no key opens are left alone and counted.\n"
     "After a key rotation (a new first line), run it, then drop the old key.\n"
     "  --json             a JSON summary on stdout\n"
     "  --read-budget U    read capacity units per second for the scan\n"
     "                     (default: no limit)\n"
     "  --write-budget U   write capacity units per second for the rewrites\n"
     "                     (default: no limit)\n"},
};
#define VERB_COUNT (sizeof VERBS / sizeof VERBS[0])

static void print_usage(FILE *to) {
    fprintf(to, "usage: %s [global options] VERB [options] [arguments]\n\n", program);
    fputs("Operates a connect-dynamo session table in DynamoDB (the item format of\n"
          "connect-dynamodb), through libconnectdynamo.\n\nVerbs:\n", to);
    for (size_t i = 0; i < VERB_COUNT; i++) fprintf(to, "  %s\n", VERBS[i].synopsis);
    fputc('\n', to);
    fputs(GLOBAL_HELP, to);
    fputc('\n', to);
    fputs(EXIT_HELP, to);
}

static void print_verb_help(const struct verb *verb) {
    printf("usage: %s [global options] %s\n\n%s\n%s\n%s", program, verb->synopsis,
           verb->help, GLOBAL_HELP, EXIT_HELP);
}

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "%s: ", program);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry '%s --help'.\n", program);
    return EXIT_USAGE;
}

/* ------------------------------------------------------------------------
 * Errors and small helpers
 * ------------------------------------------------------------------------ */

static int exit_code_for(int rc) {
    switch (rc) {
    case CDYN_OK: return EXIT_OK;
    case CDYN_EINVAL: return EXIT_USAGE;
    case CDYN_ENOTFOUND: return EXIT_NOTFOUND;
    case CDYN_ENOTABLE: return EXIT_NOTABLE;
    case CDYN_EAUTH: case CDYN_ECREDENTIALS: return EXIT_AUTH;
    case CDYN_ENET: case CDYN_ETIMEOUT: case CDYN_ETHROTTLED: case CDYN_ESERVER:
        return EXIT_UNAVAILABLE;
    default: return EXIT_FAILURE_;
    }
}

static int fail(const char *what, int rc) {
    const char *detail = cdyn_last_error();
    fprintf(stderr, "%s: %s: %s (%s)%s%s\n", program, what, cdyn_strerror(rc),
            cdyn_error_name(rc), *detail ? ": " : "", detail);
    return exit_code_for(rc);
}

static int parse_int64(const char *text, int64_t min, int64_t max, int64_t *out) {
    if (!text || !*text) return 0;
    errno = 0;
    char *end = NULL;
    long long value = strtoll(text, &end, 10);
    if (errno || *end || value < min || value > max) return 0;
    *out = (int64_t)value;
    return 1;
}

static int parse_double(const char *text, double *out) {
    if (!text || !*text) return 0;
    errno = 0;
    char *end = NULL;
    double value = strtod(text, &end);
    if (errno || *end || !isfinite(value) || value < 0) return 0;
    *out = value;
    return 1;
}

/* JSON string escaping for the few strings the tool itself writes as JSON
 * (ids from the library are valid UTF-8). */
static void put_json_string(FILE *to, const char *s, size_t len) {
    fputc('"', to);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') fprintf(to, "\\%c", c);
        else if (c == '\n') fputs("\\n", to);
        else if (c == '\r') fputs("\\r", to);
        else if (c == '\t') fputs("\\t", to);
        else if (c < 0x20) fprintf(to, "\\u%04x", c);
        else fputc(c, to);
    }
    fputc('"', to);
}

static void format_time(int64_t epoch, char *out, size_t size) {
    if (epoch == 0) { snprintf(out, size, "never"); return; }
    time_t t = (time_t)epoch;
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, size, "%" PRId64, epoch);
}

/* Ids and expiries, as "ID<TAB>EXPIRES" lines or a JSON array of
 * {"id", "expires"} (epoch seconds): ls and user. */
static void print_sessions(const cdyn_session_list *list, int json) {
    if (json) {
        putchar('[');
        for (size_t i = 0; i < list->count; i++) {
            printf("%s{\"id\":", i ? "," : "");
            put_json_string(stdout, list->sessions[i].id, list->sessions[i].id_len);
            printf(",\"expires\":%" PRId64 "}", list->sessions[i].expires);
        }
        puts("]");
        return;
    }
    for (size_t i = 0; i < list->count; i++) {
        char when[40];
        format_time(list->sessions[i].expires, when, sizeof when);
        printf("%s\t%s\n", list->sessions[i].id, when);
    }
}

static int open_store(cdyn_store **store, cdyn_store_options *opts) {
    int rc = cdyn_store_open(store, opts);
    return rc == CDYN_OK ? EXIT_OK : fail("cannot open the store", rc);
}

/* A verb's own flags: each name either takes a value or not. */
struct flag {
    const char *name;
    int takes_value;
    const char *value; /* NULL: not given; "" for a given switch */
};

/* Splits argv into flags and positional arguments. Returns -1 after
 * printing a usage error, 1 for --help, else 0. */
static int parse_flags(int argc, char **argv, struct flag *flags, size_t nflags,
                       char **positional, int max_positional, int *npositional) {
    *npositional = 0;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) return 1;
        if (strncmp(arg, "--", 2) == 0 && arg[2]) {
            size_t f = 0;
            for (; f < nflags; f++) if (strcmp(arg, flags[f].name) == 0) break;
            if (f == nflags) { usage_error("unknown option %s", arg); return -1; }
            if (flags[f].takes_value) {
                if (i + 1 >= argc) { usage_error("%s needs a value", arg); return -1; }
                flags[f].value = argv[++i];
            } else {
                flags[f].value = "";
            }
            continue;
        }
        if (*npositional >= max_positional) { usage_error("unexpected argument %s", arg); return -1; }
        positional[(*npositional)++] = argv[i];
    }
    return 0;
}

static const struct verb *find_verb(const char *name) {
    for (size_t i = 0; i < VERB_COUNT; i++)
        if (strcmp(VERBS[i].name, name) == 0) return &VERBS[i];
    return NULL;
}

#define PARSE(flags, positional, max, n, verbname)                                       \
    do {                                                                                 \
        int parsed_ = parse_flags(argc, argv, flags, sizeof flags / sizeof flags[0],     \
                                  positional, max, &n);                                  \
        if (parsed_ < 0) return EXIT_USAGE;                                              \
        if (parsed_ > 0) { print_verb_help(find_verb(verbname)); return EXIT_OK; }       \
    } while (0)

/* ------------------------------------------------------------------------
 * Verbs
 * ------------------------------------------------------------------------ */

static int cmd_create_table(cdyn_store_options *opts, int argc, char **argv) {
    struct flag flags[] = {{"--on-demand", 0, NULL}, {"--rcu", 1, NULL}, {"--wcu", 1, NULL},
                           {"--user-index", 0, NULL}};
    char *pos[1]; int n;
    PARSE(flags, pos, 0, n, "create-table");
    /* The store creates the index when it has a user field; which field the
     * applications name does not change the index (it is on `uid`). */
    if (flags[3].value && !opts->user_field) opts->user_field = "user";
    int64_t rcu = 5, wcu = 5;
    if (flags[0].value && (flags[1].value || flags[2].value))
        return usage_error("%s: --on-demand and --rcu/--wcu exclude each other", "create-table");
    if (flags[1].value && !parse_int64(flags[1].value, 1, 40000, &rcu))
        return usage_error("--rcu needs a whole number of units, 1-40000 (got %s)", flags[1].value);
    if (flags[2].value && !parse_int64(flags[2].value, 1, 40000, &wcu))
        return usage_error("--wcu needs a whole number of units, 1-40000 (got %s)", flags[2].value);
    opts->create_table = 1;
    opts->billing_mode = flags[0].value ? CDYN_BILLING_ON_DEMAND : CDYN_BILLING_PROVISIONED;
    opts->read_capacity_units = rcu;
    opts->write_capacity_units = wcu;
    cdyn_store *store = NULL;
    int status = open_store(&store, opts);
    if (status) return status;
    int rc = cdyn_store_ensure_table(store);
    if (rc == CDYN_OK) printf("table %s is ACTIVE\n", opts->table ? opts->table : "sessions");
    else status = fail("create-table", rc);
    cdyn_store_free(store);
    return status;
}

/* Prints the flat JSON object cdyn_describe returns (strings, numbers,
 * null, and one level of nested object) as "key: value" lines. */
static void print_description(const char *json) {
    const char *p = json;
    int depth = 0;
    char key[128];
    while (*p) {
        if (*p == '{') { depth++; p++; continue; }
        if (*p == '}') { depth--; p++; continue; }
        if (*p == ',' || *p == ' ') { p++; continue; }
        if (*p != '"') { p++; continue; }
        /* a key */
        size_t k = 0;
        for (p++; *p && *p != '"'; p++) {
            if (*p == '\\' && p[1]) p++;
            if (k + 1 < sizeof key) key[k++] = *p;
        }
        key[k] = 0;
        if (*p) p++;
        if (*p == ':') p++;
        printf("%*s%-22s", (depth - 1) * 2, "", key);
        if (*p == '{') { printf("\n"); continue; }
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1]) p++;
                putchar(*p);
            }
            if (*p) p++;
        } else {
            while (*p && *p != ',' && *p != '}') putchar(*p++);
        }
        putchar('\n');
    }
}

static int cmd_describe(cdyn_store_options *opts, int argc, char **argv) {
    struct flag flags[] = {{"--json", 0, NULL}};
    char *pos[1]; int n;
    PARSE(flags, pos, 0, n, "describe");
    cdyn_store *store = NULL;
    int status = open_store(&store, opts);
    if (status) return status;
    cdyn_buf buf = {NULL, 0};
    int rc = cdyn_describe(&buf, store);
    if (rc != CDYN_OK) status = fail("describe", rc);
    else if (flags[0].value) printf("%s\n", buf.ptr);
    else print_description(buf.ptr);
    cdyn_buf_dispose(&buf);
    cdyn_store_free(store);
    return status;
}

static int cmd_enable_ttl(cdyn_store_options *opts, int argc, char **argv) {
    struct flag flags[] = {{"--json", 0, NULL}};
    char *pos[1]; int n;
    PARSE(flags, pos, 0, n, "enable-ttl");
    cdyn_store *store = NULL;
    int status = open_store(&store, opts);
    if (status) return status;
    int rc = cdyn_enable_ttl(store);
    if (rc == CDYN_OK) printf("TTL is on for %s.expires\n", opts->table ? opts->table : "sessions");
    else status = fail("enable-ttl", rc);
    cdyn_store_free(store);
    return status;
}

static int cmd_ls(cdyn_store_options *opts, int argc, char **argv) {
    struct flag flags[] = {{"--expired", 0, NULL}, {"--json", 0, NULL}};
    char *pos[1]; int n;
    PARSE(flags, pos, 0, n, "ls");
    cdyn_store *store = NULL;
    int status = open_store(&store, opts);
    if (status) return status;
    cdyn_session_list list = {NULL, 0};
    int rc = cdyn_list(&list, store, flags[0].value ? CDYN_LIST_EXPIRED : CDYN_LIST_LIVE);
    if (rc != CDYN_OK) {
        status = fail("ls", rc);
    } else {
        print_sessions(&list, flags[1].value != NULL);
    }
    cdyn_session_list_dispose(&list);
    cdyn_store_free(store);
    return status;
}

static int cmd_get(cdyn_store_options *opts, int argc, char **argv) {
    struct flag flags[] = {{"--raw", 0, NULL}};
    char *pos[1]; int n;
    PARSE(flags, pos, 1, n, "get");
    if (n != 1) return usage_error("%s needs a session id", "get");
    cdyn_store *store = NULL;
    int status = open_store(&store, opts);
    if (status) return status;
    cdyn_buf buf = {NULL, 0};
    int rc = flags[0].value ? cdyn_get_item(&buf, store, pos[0]) : cdyn_get(&buf, NULL, store, pos[0]);
    if (rc == CDYN_OK) {
        fwrite(buf.ptr, 1, buf.size, stdout);
        putchar('\n');
    } else {
        status = fail("get", rc);
    }
    cdyn_buf_dispose(&buf);
    cdyn_store_free(store);
    return status;
}

/* now + --ttl, or 0 (the library's default) when not given. */
static int expiry_from(const char *ttl, int64_t *expires) {
    *expires = 0;
    if (!ttl) return 1;
    int64_t seconds;
    if (!parse_int64(ttl, 1, INT64_C(100) * 365 * 86400, &seconds)) return 0;
    *expires = (int64_t)time(NULL) + seconds;
    return 1;
}

static int cmd_set(cdyn_store_options *opts, int argc, char **argv) {
    struct flag flags[] = {{"--ttl", 1, NULL}};
    char *pos[2]; int n;
    PARSE(flags, pos, 2, n, "set");
    if (n != 2) return usage_error("%s needs a session id and a JSON object", "set");
    int64_t expires;
    if (!expiry_from(flags[0].value, &expires))
        return usage_error("--ttl needs a positive number of seconds (got %s)", flags[0].value);
    cdyn_store *store = NULL;
    int status = open_store(&store, opts);
    if (status) return status;
    int rc = cdyn_set(store, pos[0], pos[1], strlen(pos[1]), expires, CDYN_SET_DEFAULT);
    if (rc != CDYN_OK) status = fail("set", rc);
    cdyn_store_free(store);
    return status;
}

static int cmd_touch(cdyn_store_options *opts, int argc, char **argv) {
    struct flag flags[] = {{"--ttl", 1, NULL}};
    char *pos[1]; int n;
    PARSE(flags, pos, 1, n, "touch");
    if (n != 1) return usage_error("%s needs a session id", "touch");
    int64_t expires;
    if (!expiry_from(flags[0].value, &expires))
        return usage_error("--ttl needs a positive number of seconds (got %s)", flags[0].value);
    cdyn_store *store = NULL;
    int status = open_store(&store, opts);
    if (status) return status;
    int rc = cdyn_touch(store, pos[0], expires);
    if (rc != CDYN_OK) status = fail("touch", rc);
    cdyn_store_free(store);
    return status;
}

static int cmd_rm(cdyn_store_options *opts, int argc, char **argv) {
    struct flag flags[] = {{"--force", 0, NULL}};
    char *pos[1]; int n;
    PARSE(flags, pos, 1, n, "rm");
    if (n != 1) return usage_error("%s needs a session id", "rm");
    cdyn_store *store = NULL;
    int status = open_store(&store, opts);
    if (status) return status;
    int rc = cdyn_destroy(store, pos[0]);
    if (rc != CDYN_OK) status = fail("rm", rc);
    cdyn_store_free(store);
    return status;
}

static int cmd_user(cdyn_store_options *opts, int argc, char **argv) {
    struct flag flags[] = {{"--logout", 0, NULL}, {"--json", 0, NULL}};
    char *pos[1]; int n;
    PARSE(flags, pos, 1, n, "user");
    if (n != 1) return usage_error("%s needs a user id", "user");
    if (!opts->user_field) return usage_error("%s needs --user-field (the store's user_field)", "user");
    cdyn_store *store = NULL;
    int status = open_store(&store, opts);
    if (status) return status;
    if (flags[0].value) {
        uint64_t deleted = 0;
        int rc = cdyn_destroy_user_sessions(&deleted, store, pos[0]);
        if (rc != CDYN_OK) {
            status = fail("user --logout", rc);
        } else if (flags[1].value) {
            printf("{\"user\":");
            put_json_string(stdout, pos[0], strlen(pos[0]));
            printf(",\"deleted\":%" PRIu64 "}\n", deleted);
        } else {
            printf("deleted %" PRIu64 " session(s) of %s\n", deleted, pos[0]);
        }
        cdyn_store_free(store);
        return status;
    }
    cdyn_session_list list = {NULL, 0};
    int rc = cdyn_user_sessions(&list, store, pos[0]);
    if (rc != CDYN_OK) {
        status = fail("user", rc);
    } else {
        print_sessions(&list, flags[1].value != NULL);
    }
    cdyn_session_list_dispose(&list);
    cdyn_store_free(store);
    return status;
}

/* The HMAC secret of hashed ids from a file (never a command-line argument,
 * which other users of the machine can read): its bytes, one trailing
 * newline dropped. Returns the malloc'd length, or -1 after a message. */
static long read_secret_file(const char *path, unsigned char **out) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot read the id hash secret %s: %s\n", program, path, strerror(errno));
        return -1;
    }
    unsigned char *buf = malloc(4097);
    size_t len = buf ? fread(buf, 1, 4097, f) : 0;
    fclose(f);
    if (!buf || len > 4096) {
        fprintf(stderr, "%s: the id hash secret %s is over 4096 bytes\n", program, path);
        free(buf);
        return -1;
    }
    if (len && buf[len - 1] == '\n') len--;
    if (len && buf[len - 1] == '\r') len--;
    *out = buf;
    return (long)len;
}

/* ------------------------------------------------------------------------
 * reap and clear: progress, Ctrl-C, summary
 * ------------------------------------------------------------------------ */

static volatile sig_atomic_t interrupted = 0;

static void on_interrupt(int sig) {
    (void)sig;
    interrupted = 1;
    /* A second Ctrl-C ends the program at once. */
    signal(SIGINT, SIG_DFL);
}

struct sweep {
    int terminal;       /* redraw one line on stderr */
    int dry_run;
    double last_line;   /* elapsed seconds at the last plain line */
};

static void format_duration(double seconds, char *out, size_t size) {
    if (!(seconds >= 0) || seconds > 359999) { snprintf(out, size, "?"); return; }
    long s = (long)(seconds + 0.5);
    snprintf(out, size, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
}

static void describe_progress(const struct sweep *sweep, const cdyn_reap_progress *p, char *out, size_t size) {
    double t = p->elapsed_seconds > 0 ? p->elapsed_seconds : 0;
    double rate = t > 0 ? (double)p->scanned / t : 0;
    char eta[32] = "?";
    if (p->finished) snprintf(eta, sizeof eta, "done");
    else if (p->table_items > p->scanned && rate > 0)
        format_duration((double)(p->table_items - p->scanned) / rate, eta, sizeof eta);
    snprintf(out, size,
             "scanned %" PRIu64 "  %s %" PRIu64 "  read %.1f RCU (%.1f/s)  write %.1f WCU (%.1f/s)"
             "  %.0f items/s  retries %" PRIu64 "  ETA %s",
             p->scanned, sweep->dry_run ? "would delete" : "deleted",
             sweep->dry_run ? p->matched : p->deleted,
             p->read_units, t > 0 ? p->read_units / t : 0,
             p->write_units, t > 0 ? p->write_units / t : 0, rate, p->retries, eta);
}

static int on_progress(const cdyn_reap_progress *p, void *userdata) {
    struct sweep *sweep = userdata;
    char line[256];
    describe_progress(sweep, p, line, sizeof line);
    if (sweep->terminal) {
        /* \r, the line, then clear to the end of the line. */
        fprintf(stderr, "\r%s\033[K%s", line, p->finished ? "\n" : "");
    } else if (p->finished || p->elapsed_seconds - sweep->last_line >= 1.0) {
        fprintf(stderr, "%s\n", line);
        sweep->last_line = p->elapsed_seconds;
    }
    fflush(stderr);
    return interrupted ? 1 : 0;
}

static int sweep(cdyn_store_options *opts, int argc, char **argv, int target, const char *verbname) {
    struct flag flags[] = {
        {"--dry-run", 0, NULL}, {"--json", 0, NULL}, {"--segments", 1, NULL},
        {"--read-budget", 1, NULL}, {"--write-budget", 1, NULL}, {"--page-size", 1, NULL},
        {"--yes", 0, NULL},
    };
    char *pos[1]; int n;
    size_t nflags = sizeof flags / sizeof flags[0] - (target == CDYN_REAP_ALL ? 0 : 1);
    int parsed = parse_flags(argc, argv, flags, nflags, pos, 0, &n);
    if (parsed < 0) return EXIT_USAGE;
    if (parsed > 0) { print_verb_help(find_verb(verbname)); return EXIT_OK; }

    cdyn_reap_options ro;
    int rc = cdyn_reap_options_init(&ro, CDYN_REAP_OPTIONS_VERSION);
    if (rc != CDYN_OK) return fail("cdyn_reap_options_init", rc);
    ro.target = target;
    ro.dry_run = flags[0].value != NULL;
    int64_t value;
    if (flags[2].value) {
        if (!parse_int64(flags[2].value, 1, 64, &value))
            return usage_error("--segments needs a number 1-64 (got %s)", flags[2].value);
        ro.segments = (int)value;
    }
    if (flags[3].value && !parse_double(flags[3].value, &ro.read_units_per_second))
        return usage_error("--read-budget needs units per second (got %s)", flags[3].value);
    if (flags[4].value && !parse_double(flags[4].value, &ro.write_units_per_second))
        return usage_error("--write-budget needs units per second (got %s)", flags[4].value);
    if (flags[5].value) {
        if (!parse_int64(flags[5].value, 1, 1000000, &value))
            return usage_error("--page-size needs a number of items (got %s)", flags[5].value);
        ro.page_size = (int)value;
    }
    if (target == CDYN_REAP_ALL && !ro.dry_run && !flags[6].value)
        return usage_error("%s deletes every session of the prefix: add --yes (or --dry-run)", "clear");

    struct sweep state = {isatty(STDERR_FILENO), ro.dry_run, 0};
    ro.progress = on_progress;
    ro.progress_userdata = &state;

    cdyn_store *store = NULL;
    int status = open_store(&store, opts);
    if (status) return status;

    struct sigaction action, previous;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, &previous);

    cdyn_reap_progress result;
    rc = cdyn_reap_run(&result, store, &ro);
    sigaction(SIGINT, &previous, NULL);
    if (rc != CDYN_OK) status = fail(verbname, rc);
    else if (result.cancelled) status = EXIT_INTERRUPTED;

    if (flags[1].value) {
        printf("{\"verb\":\"%s\",\"dry_run\":%s,\"scanned\":%" PRIu64 ",\"matched\":%" PRIu64
               ",\"deleted\":%" PRIu64 ",\"read_units\":%.1f,\"write_units\":%.1f,\"retries\":%" PRIu64
               ",\"pages\":%" PRIu64 ",\"elapsed_seconds\":%.3f,\"cancelled\":%s,\"status\":\"%s\"}\n",
               verbname, ro.dry_run ? "true" : "false", result.scanned, result.matched, result.deleted,
               result.read_units, result.write_units, result.retries, result.pages,
               result.elapsed_seconds, result.cancelled ? "true" : "false", cdyn_error_name(rc));
    } else {
        printf("%s: %s %" PRIu64 " of %" PRIu64 " scanned item(s)%s\n", verbname,
               ro.dry_run ? "would delete" : "deleted", ro.dry_run ? result.matched : result.deleted,
               result.scanned, result.cancelled ? " (stopped by Ctrl-C)" : "");
    }
    cdyn_store_free(store);
    return status;
}

static int cmd_reap(cdyn_store_options *opts, int argc, char **argv) {
    return sweep(opts, argc, argv, CDYN_REAP_EXPIRED, "reap");
}

static int cmd_clear(cdyn_store_options *opts, int argc, char **argv) {
    return sweep(opts, argc, argv, CDYN_REAP_ALL, "clear");
}

static int cmd_reencrypt(cdyn_store_options *opts, int argc, char **argv) {
    struct flag flags[] = {{"--json", 0, NULL}, {"--read-budget", 1, NULL}, {"--write-budget", 1, NULL}};
    char *pos[1]; int n;
    PARSE(flags, pos, 0, n, "reencrypt");
    double read = 0, write = 0;
    if (flags[1].value && !parse_double(flags[1].value, &read))
        return usage_error("--read-budget needs units per second (got %s)", flags[1].value);
    if (flags[2].value && !parse_double(flags[2].value, &write))
        return usage_error("--write-budget needs units per second (got %s)", flags[2].value);
    if (opts->encryption_key_count == 0)
        return usage_error("%s needs the key ring: --keys-file FILE", "reencrypt");
    cdyn_store *store = NULL;
    int status = open_store(&store, opts);
    if (status) return status;
    cdyn_reencrypt_counts c;
    int rc = cdyn_reencrypt(&c, store, read, write);
    if (rc != CDYN_OK) status = fail("reencrypt", rc);
    if (flags[0].value) {
        printf("{\"scanned\":%" PRIu64 ",\"current\":%" PRIu64 ",\"reencrypted\":%" PRIu64 ",\"changed\":%" PRIu64
               ",\"unreadable\":%" PRIu64 ",\"read_units\":%.1f,\"write_units\":%.1f,\"elapsed_seconds\":%.3f"
               ",\"status\":\"%s\"}\n", c.scanned, c.current, c.reencrypted, c.changed, c.unreadable,
               c.read_units, c.write_units, c.elapsed_seconds, cdyn_error_name(rc));
    } else if (rc == CDYN_OK) {
        printf("reencrypt: re-encrypted %" PRIu64 " of %" PRIu64 " session(s); %" PRIu64 " already current, %" PRIu64
               " changed meanwhile, %" PRIu64 " unreadable\n",
               c.reencrypted, c.scanned, c.current, c.changed, c.unreadable);
    }
    cdyn_store_free(store);
    return status;
}

/* ------------------------------------------------------------------------
 * The key ring file (--keys-file)
 * ------------------------------------------------------------------------ */

#define MAX_KEYS 16

static char key_ids[MAX_KEYS][256];
static unsigned char key_bytes[MAX_KEYS][64];
static cdyn_key key_ring[MAX_KEYS];

/* Standard base64 (padding optional) into out; the byte count, or -1. */
static long decode_base64(const char *text, unsigned char *out, size_t room) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned long bits = 0;
    int nbits = 0;
    size_t n = 0;
    for (; *text && *text != '='; text++) {
        const char *at = strchr(alphabet, *text);
        if (!at || !*text) return -1;
        bits = (bits << 6) | (unsigned long)(at - alphabet);
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            if (n >= room) return -1;
            out[n++] = (unsigned char)(bits >> nbits);
            bits &= (1UL << nbits) - 1;
        }
    }
    while (*text == '=') text++;
    return *text ? -1 : (long)n;
}

/* Reads FILE into the options' key ring; the key material is never
 * printed (a bad line is named by its number). The library checks the
 * rest (32 bytes, unique ids). */
static int load_keys(cdyn_store_options *opts, const char *path) {
    FILE *file = fopen(path, "r");
    if (!file) { fprintf(stderr, "%s: --keys-file %s: %s\n", program, path, strerror(errno)); return EXIT_USAGE; }
    char line[1024];
    size_t count = 0;
    int number = 0, status = EXIT_OK;
    while (fgets(line, sizeof line, file)) {
        number++;
        char *id = strtok(line, " \t\r\n");
        if (!id || id[0] == '#') continue;
        char *key = strtok(NULL, " \t\r\n");
        long len = key ? decode_base64(key, key_bytes[count < MAX_KEYS ? count : 0], sizeof key_bytes[0]) : -1;
        if (count >= MAX_KEYS || len < 0 || strtok(NULL, " \t\r\n") || strlen(id) >= sizeof key_ids[0]) {
            fprintf(stderr, "%s: --keys-file %s: line %d is not \"ID BASE64-KEY\" (or more than %d keys)\n",
                    program, path, number, MAX_KEYS);
            status = EXIT_USAGE;
            break;
        }
        memcpy(key_ids[count], id, strlen(id) + 1);
        key_ring[count] = (cdyn_key){key_ids[count], key_bytes[count], (size_t)len};
        count++;
    }
    memset(line, 0, sizeof line);
    fclose(file);
    if (status == EXIT_OK && count == 0) {
        fprintf(stderr, "%s: --keys-file %s holds no key\n", program, path);
        status = EXIT_USAGE;
    }
    opts->encryption_keys = key_ring;
    opts->encryption_key_count = status == EXIT_OK ? count : 0;
    return status;
}

/* ------------------------------------------------------------------------
 * main: global options anywhere, then the verb with the rest
 * ------------------------------------------------------------------------ */

int main(int argc, char **argv) {
    cdyn_store_options opts;
    int rc = cdyn_store_options_init(&opts, CDYN_STORE_OPTIONS_VERSION);
    if (rc != CDYN_OK) return fail("cdyn_store_options_init", rc);
    /* Only create-table creates: every other verb reports a missing table. */
    opts.create_table = 0;

    static const struct { const char *flag; size_t offset; } GLOBALS[] = {
        {"--table", offsetof(cdyn_store_options, table)},
        {"--prefix", offsetof(cdyn_store_options, prefix)},
        {"--hash-key", offsetof(cdyn_store_options, hash_key)},
        {"--endpoint", offsetof(cdyn_store_options, endpoint)},
        {"--region", offsetof(cdyn_store_options, region)},
        {"--profile", offsetof(cdyn_store_options, profile)},
        {"--user-field", offsetof(cdyn_store_options, user_field)},
        {"--user-index-name", offsetof(cdyn_store_options, user_index_name)},
    };
    const char *secret_file = getenv("CONNECTDYNAMO_ID_HASH_SECRET_FILE");
    unsigned char *secret = NULL;
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest) return EXIT_FAILURE_;
    int nrest = 0;
    const struct verb *verb = NULL;
    const char *keys_file = NULL;
    int help = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        size_t g = 0;
        if (strcmp(arg, "--keys-file") == 0) {
            if (i + 1 >= argc) { free(rest); return usage_error("%s needs a value", arg); }
            keys_file = argv[++i];
            continue;
        }
        for (; g < sizeof GLOBALS / sizeof GLOBALS[0]; g++) if (strcmp(arg, GLOBALS[g].flag) == 0) break;
        if (g < sizeof GLOBALS / sizeof GLOBALS[0]) {
            if (i + 1 >= argc) { free(rest); return usage_error("%s needs a value", arg); }
            *(const char **)((char *)&opts + GLOBALS[g].offset) = argv[++i];
            continue;
        }
        if (strcmp(arg, "--hash-ids") == 0) { opts.hash_ids = 1; continue; }
        if (strcmp(arg, "--read-plain-ids") == 0) { opts.read_plain_ids = 1; continue; }
        if (strcmp(arg, "--id-hash-secret-file") == 0) {
            if (i + 1 >= argc) { free(rest); return usage_error("%s needs a value", arg); }
            secret_file = argv[++i];
            continue;
        }
        if (!verb && strcmp(arg, "--version") == 0) {
            printf("connectdynamo %s (libconnectdynamo %s)\n", CDYN_VERSION, cdyn_version());
            free(rest);
            return EXIT_OK;
        }
        if (!verb && (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)) { help = 1; continue; }
        if (!verb && arg[0] != '-') {
            verb = find_verb(arg);
            if (!verb) { free(rest); return usage_error("unknown verb %s", arg); }
            continue;
        }
        if (!verb) { free(rest); return usage_error("unknown option %s", arg); }
        rest[nrest++] = argv[i];
    }
    if (secret_file && *secret_file && verb && !help) {
        long len = read_secret_file(secret_file, &secret);
        if (len < 0) { free(rest); return EXIT_USAGE; }
        opts.hash_ids = 1;
        opts.id_hash_secret = secret;
        opts.id_hash_secret_len = (size_t)len;
    }
    int status;
    if (!verb) {
        print_usage(help ? stdout : stderr);
        status = help ? EXIT_OK : EXIT_USAGE;
    } else if (help) {
        print_verb_help(verb);
        status = EXIT_OK;
    } else if (keys_file && (status = load_keys(&opts, keys_file)) != EXIT_OK) {
        /* said on stderr */
    } else {
        status = verb->run(&opts, nrest, rest);
    }
    memset(key_bytes, 0, sizeof key_bytes);
    free(rest);
    if (secret) {
        memset(secret, 0, opts.id_hash_secret_len);
        free(secret);
    }
    return status;
}
