/*
 * The floor for any libcurl-based DynamoDB client: one easy handle POSTing
 * to CDYN_TEST_ENDPOINT N times with the headers every DynamoDB request
 * carries, precomputed once: no signing, no JSON, no threads. Prints
 * "floor <us>": CPU microseconds per request. (libcurl formats each header
 * line byte by byte, so the headers a client must send are part of its
 * floor.)
 *
 *   curl_floor N [REQUEST_FILE]
 *
 * With REQUEST_FILE (a raw HTTP request, as bench/slow_server.c's
 * /last/TARGET gives ours), it sends exactly that request's headers and
 * body: our bytes without our work. Under valgrind --tool=callgrind
 * --collect-atstart=no only the loop is counted (dumped as "floor").
 */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include "connectdynamo.h" /* CDYN_VERSION, for the User-Agent */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <valgrind/callgrind.h>

static size_t discard(char *data, size_t size, size_t count, void *userdata) {
    (void)data;
    (void)userdata;
    return size * count;
}

static double cpu_seconds(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

/* Reads a raw request: its header lines (but those libcurl writes
 * itself) into *headers, its body into a new buffer. */
static char *load_request(const char *path, struct curl_slist **headers, long *body_len) {
    FILE *f = fopen(path, "rb");
    static char raw[65536];
    size_t len;
    char *end, *line, *body;
    if (!f) return NULL;
    len = fread(raw, 1, sizeof raw - 1, f);
    fclose(f);
    raw[len] = 0;
    end = strstr(raw, "\r\n\r\n");
    if (!end) return NULL;
    *end = 0;
    line = strstr(raw, "\r\n");  /* past the request line */
    while (line) {
        char *next;
        line += 2;
        next = strstr(line, "\r\n");
        if (next) *next = 0;
        if (strncasecmp(line, "Host:", 5) != 0 && strncasecmp(line, "Content-Length:", 15) != 0 &&
            strncasecmp(line, "User-Agent:", 11) != 0 && strncasecmp(line, "Accept:", 7) != 0)
            *headers = curl_slist_append(*headers, line);
        line = next;
    }
    *body_len = (long)(len - (size_t)(end + 4 - raw));
    body = malloc((size_t)*body_len + 1);
    if (!body) return NULL;
    memcpy(body, end + 4, (size_t)*body_len);
    return body;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 300;
    CURL *handle = curl_easy_init();
    struct curl_slist *headers = NULL;
    char *body = NULL;
    long body_len = 0;
    double start;
    int i;
    if (argc > 2) {
        body = load_request(argv[2], &headers, &body_len);
        if (!body) {
            fprintf(stderr, "curl_floor: cannot read the request in %s\n", argv[2]);
            return 1;
        }
    } else {
        headers = curl_slist_append(headers, "Content-Type: application/x-amz-json-1.0");
        headers = curl_slist_append(headers, "X-Amz-Target: DynamoDB_20120810.GetItem");
        headers = curl_slist_append(headers, "X-Amz-Date: 20261129T060000Z");
        headers = curl_slist_append(headers,
            "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261129/us-east-1/dynamodb/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    }
    curl_easy_setopt(handle, CURLOPT_USERAGENT, "connect-dynamo/" CDYN_VERSION);
    curl_easy_setopt(handle, CURLOPT_URL, getenv("CDYN_TEST_ENDPOINT"));
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
    if (body) {
        curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE, body_len);
        curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body);
    } else {
        curl_easy_setopt(handle, CURLOPT_POSTFIELDS, "{\"TableName\":\"bench\",\"Key\":{\"id\":{\"S\":\"sess:x\"}}}");
    }
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, discard);
    /* As the library does: no SIGPIPE juggling around every transfer. */
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_perform(handle);  /* the connection, outside the count */
    start = cpu_seconds();
    CALLGRIND_TOGGLE_COLLECT;
    for (i = 0; i < n; i++) curl_easy_perform(handle);
    CALLGRIND_DUMP_STATS_AT("floor");
    CALLGRIND_TOGGLE_COLLECT;
    printf("floor %.1f\n", (cpu_seconds() - start) / n * 1e6);
    curl_slist_free_all(headers);
    curl_easy_cleanup(handle);
    free(body);
    return 0;
}
