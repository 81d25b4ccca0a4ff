#define _GNU_SOURCE
#include "creactor.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static int64_t monotonic_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Marks a registered socket libcurl no longer watches. */
#define PARKED 0x80000000u

/* The registration slot of socket s, growing the table; NULL when out of
 * memory (then every change is made with epoll_ctl, as if unknown). */
static uint32_t *slot(creactor *reactor, int s) {
    if (s < 0) return NULL;
    if (s >= reactor->registered_count) {
        int count = reactor->registered_count ? reactor->registered_count : 64;
        while (count <= s) count *= 2;
        uint32_t *grown = realloc(reactor->registered, (size_t)count * sizeof *grown);
        if (!grown) return NULL;
        memset(grown + reactor->registered_count, 0, (size_t)(count - reactor->registered_count) * sizeof *grown);
        reactor->registered = grown;
        reactor->registered_count = count;
    }
    return &reactor->registered[s];
}

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp) {
    creactor *reactor = userp;
    uint32_t *state = slot(reactor, s);
    (void)easy;
    (void)socketp;
    if (what == CURL_POLL_REMOVE) {
        if (state && *state) {
            *state |= PARKED;  /* kept in the set: see creactor.registered */
        } else {
            epoll_ctl(reactor->epoll_fd, EPOLL_CTL_DEL, s, NULL);
        }
        return 0;
    }
    struct epoll_event ev = {0};
    if (what & CURL_POLL_IN) ev.events |= EPOLLIN;
    if (what & CURL_POLL_OUT) ev.events |= EPOLLOUT;
    ev.data.fd = s;
    if (state && *state == ev.events) return 0;  /* watched already, same events */
    /* A parked socket is modified even with the same events: libcurl may
     * have closed it meanwhile (a stale connection, a resolver's pipe) and
     * its number been reused, and epoll drops a closed file from the set;
     * then MOD fails and ADD puts the new one in. */
    if (!(state && *state) || epoll_ctl(reactor->epoll_fd, EPOLL_CTL_MOD, s, &ev) != 0)
        if (epoll_ctl(reactor->epoll_fd, EPOLL_CTL_ADD, s, &ev) != 0 && errno == EEXIST)
            epoll_ctl(reactor->epoll_fd, EPOLL_CTL_MOD, s, &ev);
    if (state) *state = ev.events;
    return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp) {
    creactor *reactor = userp;
    (void)multi;
    reactor->curl_deadline_ms = timeout_ms < 0 ? -1 : monotonic_ms() + timeout_ms;
    return 0;
}

int creactor_open(creactor *reactor, CURLM *multi) {
    reactor->curl_deadline_ms = -1;
    reactor->registered = NULL;
    reactor->registered_count = 0;
    reactor->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (reactor->epoll_fd < 0) return -1;
    reactor->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = reactor->wake_fd};
    if (reactor->wake_fd < 0 || epoll_ctl(reactor->epoll_fd, EPOLL_CTL_ADD, reactor->wake_fd, &ev) != 0 ||
        curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket) != CURLM_OK ||
        curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, reactor) != CURLM_OK ||
        curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer) != CURLM_OK ||
        curl_multi_setopt(multi, CURLMOPT_TIMERDATA, reactor) != CURLM_OK) {
        int saved = errno;
        if (reactor->wake_fd >= 0) close(reactor->wake_fd);
        close(reactor->epoll_fd);
        errno = saved;
        return -1;
    }
    return 0;
}

void creactor_close(creactor *reactor) {
    free(reactor->registered);
    reactor->registered = NULL;
    close(reactor->wake_fd);
    close(reactor->epoll_fd);
}

void creactor_wake(creactor *reactor) {
    uint64_t one = 1;
    /* EAGAIN only when the counter is full: it is already signalled. */
    ssize_t written = write(reactor->wake_fd, &one, sizeof one);
    (void)written;
}

int creactor_wait(creactor *reactor, CURLM *multi, int timeout_ms) {
    struct epoll_event events[64];
    int n = epoll_wait(reactor->epoll_fd, events, 64, timeout_ms);
    int acted = 0;
    int running = 0;
    for (int i = 0; i < n; i++) {
        int fd = events[i].data.fd;
        if (fd == reactor->wake_fd) {
            uint64_t count;
            ssize_t got = read(reactor->wake_fd, &count, sizeof count);
            (void)got;
            continue;
        }
        if (fd >= 0 && fd < reactor->registered_count && (reactor->registered[fd] & PARKED)) {
            /* An idle kept-alive connection turned readable: the server
             * closed it (libcurl notices when it next picks it). Out of the
             * set, or the wait would report it on every turn. */
            epoll_ctl(reactor->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
            reactor->registered[fd] = 0;
            continue;
        }
        int mask = 0;
        if (events[i].events & EPOLLIN) mask |= CURL_CSELECT_IN;
        if (events[i].events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
        if (events[i].events & (EPOLLERR | EPOLLHUP)) mask |= CURL_CSELECT_ERR | CURL_CSELECT_IN;
        curl_multi_socket_action(multi, fd, mask, &running);
        acted++;
    }
    return acted;
}

void creactor_run_timeouts(creactor *reactor, CURLM *multi) {
    int running = 0;
    long next = -1;
    if (reactor->curl_deadline_ms < 0 || reactor->curl_deadline_ms > monotonic_ms()) return;
    curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
    /* libcurl skips its timer callback when the next timeout is the one
     * it last gave: asked here, so a past deadline never lingers (and
     * never spins the loop). */
    if (curl_multi_timeout(multi, &next) == CURLM_OK)
        reactor->curl_deadline_ms = next < 0 ? -1 : monotonic_ms() + next;
}
