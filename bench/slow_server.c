/*
 * A DynamoDB stand-in for the concurrency benchmark: one epoll thread
 * answering every request a fixed delay (default 20 ms) after it arrived,
 * over kept-alive connections, so that a client's throughput is bounded by
 * how many calls it keeps in flight and by its own CPU, never by this
 * server's (it does almost nothing per request).
 *
 *   slow_server [DELAY_MS]    prints "http://127.0.0.1:PORT", then serves
 *
 * GetItem answers an item for the key asked (a small session), PutItem and
 * the rest answer {}, DescribeTable an ACTIVE table; each answer carries
 * x-amz-crc32 as DynamoDB's do. `GET /stats` answers at once with the
 * connections accepted and requests answered since the last /stats, as
 * {"connections":N,"requests":M}: how the benchmark counts the connections
 * a client opened. `GET /last/TARGET` (GetItem, PutItem...) answers with the
 * last request of that target as it came, headers and body: what the libcurl
 * floor (bench/curl_floor.c) sends again. With DELAY_MS 0 it is the C
 * keep-alive canned endpoint of the blocking benchmark. Runs until killed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_FDS 65536

typedef struct {
    char *data;
    size_t len, cap;
} buffer;

typedef struct {
    int open;
    unsigned generation;
    buffer in, out;
    int writing; /* EPOLLOUT registered */
} connection;

/* An answer waiting for its time; answers are due in arrival order (one
 * delay for all), so a FIFO ring is the timer queue. */
typedef struct {
    long long due_ns;
    int fd;
    unsigned generation;
    char *bytes;
    size_t len;
} pending;

static connection conns[MAX_FDS];
static pending *queue;
static size_t queue_cap, queue_head, queue_count;
static int epfd;
static long long delay_ns;
static unsigned long long accepted, answered;
/* The last request of each kind, for GET /last/TARGET. */
#define KEPT_TARGETS 4
static const char *kept_names[KEPT_TARGETS] = {"GetItem", "PutItem", "DescribeTable", "UpdateItem"};
static buffer kept[KEPT_TARGETS];

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void append(buffer *b, const char *data, size_t len) {
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + len) cap *= 2;
        b->data = realloc(b->data, cap);
        if (!b->data) abort();
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

static void consume(buffer *b, size_t len) {
    memmove(b->data, b->data + len, b->len - len);
    b->len -= len;
}

static void close_connection(int fd) {
    connection *c = &conns[fd];
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
    c->open = 0;
    c->generation++;
    c->in.len = c->out.len = 0;
    c->writing = 0;
}

static void flush_out(int fd) {
    connection *c = &conns[fd];
    while (c->out.len > 0) {
        ssize_t n = send(fd, c->out.data, c->out.len, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n <= 0) {
            close_connection(fd);
            return;
        }
        consume(&c->out, (size_t)n);
    }
    int want = c->out.len > 0;
    if (want != c->writing) {
        struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.fd = fd};
        epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
        c->writing = want;
    }
}

static char *answer(const char *json, size_t json_len, size_t *out_len) {
    char head[256];
    unsigned long crc = crc32(0, (const unsigned char *)json, (unsigned)json_len);
    int head_len = snprintf(head, sizeof head,
                            "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
                            "x-amz-crc32: %lu\r\nContent-Length: %zu\r\n\r\n",
                            crc, json_len);
    char *bytes = malloc((size_t)head_len + json_len);
    if (!bytes) abort();
    memcpy(bytes, head, (size_t)head_len);
    memcpy(bytes + head_len, json, json_len);
    *out_len = (size_t)head_len + json_len;
    return bytes;
}

/* The key's attribute name and value in a GetItem body:
 * "Key":{"NAME":{"S":"VALUE"}}, spaces allowed (boto3 writes them; bench
 * ids have no escapes). */
static int key_of(const char *body, size_t len, char *name, size_t name_cap, char *value, size_t value_cap) {
    const char *end = body + len;
    const char *p = memmem(body, len, "\"Key\"", 5);
    if (!p) return 0;
    p = memchr(p + 5, '{', (size_t)(end - p - 5));
    if (!p) return 0;
    p = memchr(p, '"', (size_t)(end - p));
    if (!p) return 0;
    const char *q = memchr(p + 1, '"', (size_t)(end - p - 1));
    if (!q || (size_t)(q - p - 1) >= name_cap) return 0;
    memcpy(name, p + 1, (size_t)(q - p - 1));
    name[q - p - 1] = 0;
    p = memmem(q, (size_t)(end - q), "\"S\"", 3);
    if (!p) return 0;
    p = memchr(p + 3, '"', (size_t)(end - p - 3));
    if (!p) return 0;
    q = memchr(p + 1, '"', (size_t)(end - p - 1));
    if (!q || (size_t)(q - p - 1) >= value_cap) return 0;
    memcpy(value, p + 1, (size_t)(q - p - 1));
    value[q - p - 1] = 0;
    return 1;
}

static char *respond(const char *head, size_t head_len, const char *body, size_t body_len, size_t *out_len) {
    const char *target = memmem(head, head_len, "X-Amz-Target: DynamoDB_20120810.", 32);
    if (!target) target = memmem(head, head_len, "x-amz-target: DynamoDB_20120810.", 32);
    char json[2048];
    int n;
    if (target && strncmp(target + 32, "GetItem", 7) == 0) {
        char name[128], value[1024];
        if (!key_of(body, body_len, name, sizeof name, value, sizeof value)) return answer("{}", 2, out_len);
        n = snprintf(json, sizeof json,
                     "{\"Item\":{\"%s\":{\"S\":\"%s\"},\"expires\":{\"N\":\"4102444800\"},"
                     "\"type\":{\"S\":\"connect-session\"},"
                     "\"sess\":{\"S\":\"{\\\"cookie\\\":{\\\"originalMaxAge\\\":86400000,\\\"httpOnly\\\":true,"
                     "\\\"path\\\":\\\"/\\\"},\\\"user\\\":\\\"ada\\\"}\"}}}",
                     name, value);
    } else if (target && strncmp(target + 32, "DescribeTable", 13) == 0) {
        n = snprintf(json, sizeof json, "{\"Table\":{\"TableName\":\"bench\",\"TableStatus\":\"ACTIVE\"}}");
    } else {
        n = snprintf(json, sizeof json, "{}");
    }
    return answer(json, (size_t)n, out_len);
}

static void enqueue(int fd, char *bytes, size_t len) {
    if (queue_count == queue_cap) {
        size_t cap = queue_cap ? queue_cap * 2 : 1024;
        pending *grown = malloc(cap * sizeof *grown);
        if (!grown) abort();
        for (size_t i = 0; i < queue_count; i++) grown[i] = queue[(queue_head + i) % queue_cap];
        free(queue);
        queue = grown;
        queue_cap = cap;
        queue_head = 0;
    }
    pending *p = &queue[(queue_head + queue_count) % queue_cap];
    p->due_ns = now_ns() + delay_ns;
    p->fd = fd;
    p->generation = conns[fd].generation;
    p->bytes = bytes;
    p->len = len;
    queue_count++;
}

/* Answers every complete request in the connection's input. */
static void serve_requests(int fd) {
    connection *c = &conns[fd];
    for (;;) {
        char *end = c->in.len ? memmem(c->in.data, c->in.len, "\r\n\r\n", 4) : NULL;
        if (!end) return;
        size_t head_len = (size_t)(end - c->in.data) + 4;
        size_t body_len = 0;
        for (char *line = c->in.data; line < end;) {
            char *next = memmem(line, (size_t)(end + 2 - line), "\r\n", 2);
            if (!next) break;
            if ((size_t)(next - line) > 15 && strncasecmp(line, "Content-Length:", 15) == 0)
                body_len = strtoul(line + 15, NULL, 10);
            line = next + 2;
        }
        if (c->in.len < head_len + body_len) return;
        size_t len;
        if (strncmp(c->in.data, "GET /last/", 10) == 0) {
            buffer *which = NULL;
            for (int k = 0; k < KEPT_TARGETS; k++)
                if (strncmp(c->in.data + 10, kept_names[k], strlen(kept_names[k])) == 0 &&
                    c->in.data[10 + strlen(kept_names[k])] == ' ')
                    which = &kept[k];
            char *bytes = answer(which && which->len ? which->data : "", which ? which->len : 0, &len);
            append(&c->out, bytes, len);
            free(bytes);
            flush_out(fd);
            if (!conns[fd].open) return;
        } else if (strncmp(c->in.data, "GET /stats", 10) == 0) {
            char json[128];
            int n = snprintf(json, sizeof json, "{\"connections\":%llu,\"requests\":%llu}", accepted, answered);
            accepted = answered = 0;
            char *bytes = answer(json, (size_t)n, &len);
            append(&c->out, bytes, len);
            free(bytes);
            flush_out(fd);
            if (!conns[fd].open) return;
        } else {
            for (int k = 0; k < KEPT_TARGETS; k++) {
                char marker[64];
                int m = snprintf(marker, sizeof marker, "DynamoDB_20120810.%s\r\n", kept_names[k]);
                if (memmem(c->in.data, head_len, marker, (size_t)m)) {
                    kept[k].len = 0;
                    append(&kept[k], c->in.data, head_len + body_len);
                }
            }
            char *bytes = respond(c->in.data, head_len, c->in.data + head_len, body_len, &len);
            enqueue(fd, bytes, len);
        }
        consume(&c->in, head_len + body_len);
    }
}

static void release_due(void) {
    long long now = now_ns();
    while (queue_count > 0 && queue[queue_head].due_ns <= now) {
        pending *p = &queue[queue_head];
        if (conns[p->fd].open && conns[p->fd].generation == p->generation) {
            append(&conns[p->fd].out, p->bytes, p->len);
            answered++;
            flush_out(p->fd);
        }
        free(p->bytes);
        queue_head = (queue_head + 1) % queue_cap;
        queue_count--;
    }
}

int main(int argc, char **argv) {
    delay_ns = (argc > 1 ? atoll(argv[1]) : 20) * 1000000LL;
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0) {
        files.rlim_cur = files.rlim_max < MAX_FDS ? files.rlim_max : MAX_FDS;
        setrlimit(RLIMIT_NOFILE, &files);
    }
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t addr_len = sizeof addr;
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(listener, 4096) != 0 ||
        getsockname(listener, (struct sockaddr *)&addr, &addr_len) != 0) {
        perror("slow_server");
        return 1;
    }
    printf("http://127.0.0.1:%d\n", ntohs(addr.sin_port));
    fflush(stdout);
    epfd = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = listener};
    epoll_ctl(epfd, EPOLL_CTL_ADD, listener, &ev);
    struct epoll_event events[256];
    for (;;) {
        int timeout = -1;
        if (queue_count > 0) {
            long long wait = queue[queue_head].due_ns - now_ns();
            timeout = wait <= 0 ? 0 : (int)((wait + 999999) / 1000000);
        }
        int n = epoll_wait(epfd, events, 256, timeout);
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == listener) {
                int client;
                while ((client = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (client >= MAX_FDS) {
                        close(client);
                        continue;
                    }
                    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conns[client].open = 1;
                    struct epoll_event cev = {.events = EPOLLIN, .data.fd = client};
                    epoll_ctl(epfd, EPOLL_CTL_ADD, client, &cev);
                    accepted++;
                }
                continue;
            }
            if (!conns[fd].open) continue;
            if (events[i].events & EPOLLOUT) flush_out(fd);
            if (!conns[fd].open) continue;
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                char chunk[16384];
                for (;;) {
                    ssize_t got = recv(fd, chunk, sizeof chunk, 0);
                    if (got > 0) {
                        append(&conns[fd].in, chunk, (size_t)got);
                        continue;
                    }
                    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
                    close_connection(fd);
                    break;
                }
                if (conns[fd].open) serve_requests(fd);
            }
        }
        release_due();
    }
}
