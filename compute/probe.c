/* probe.c - the migration data path's probe: a listener that answers one
 * line, and the client that asks it (see probe.h). */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "compute/probe.h"

#define PROBE_HELLO "ferry-compute probe\n"

struct probe {
    struct compute *c;
    int fd;
    int port;
    pthread_t thread;
};

/* A TCP socket for addr:port, bound (listen) or connecting (non-blocking). */
static int
probe_socket(const char *addr, int port, bool listen_, struct err *err)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
    char service[16];
    int fd, rc, one = 1;

    snprintf(service, sizeof(service), "%d", port);
    if ((rc = getaddrinfo(addr, service, &hints, &ai)) != 0)
        return err_set(err, ERR_INVALID, "%s: %s", addr, gai_strerror(rc));
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | (listen_ ? 0 : SOCK_NONBLOCK), 0);
    if (fd < 0) {
        freeaddrinfo(ai);
        return err_set(err, ERR_INTERNAL, "socket: %s", strerror(errno));
    }
    if (listen_) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        rc = bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 16) < 0 ? -1 : 0;
    } else {
        rc = connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS ? -1 : 0;
    }
    freeaddrinfo(ai);
    if (rc < 0) {
        err_set(err, ERR_UNAVAILABLE, "%s %s:%d: %s", listen_ ? "listen on" : "connect to",
                addr, port, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static void *
probe_thread(void *arg)
{
    struct probe *p = arg;

    while (!*p->c->stop) {
        struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
        int fd;

        if (poll(&pfd, 1, 500) <= 0)
            continue;
        fd = accept4(p->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            continue;
        /* one line, best effort: the asker reads it or it does not */
        if (write(fd, PROBE_HELLO, strlen(PROBE_HELLO)) < 0)
            log_debug("probe answer not written: %s", strerror(errno));
        close(fd);
    }
    return NULL;
}

struct probe *
probe_start(struct compute *c)
{
    struct err err = ERR_INIT;
    struct probe *p;
    int fd;

    if (c->cfg->postcopy_probe_port == 0)
        return NULL;
    fd = probe_socket(c->migration_addr, c->cfg->postcopy_probe_port, true, &err);
    if (fd < 0) {
        log_warnx("no data-path probe listener (broken post-copy migrations to this host are "
                  "resumed without probing): %s", err.msg);
        return NULL;
    }
    p = calloc(1, sizeof(*p));
    if (!p)
        fatalx("out of memory");
    p->c = c;
    p->fd = fd;
    p->port = c->cfg->postcopy_probe_port;
    if (pthread_create(&p->thread, NULL, probe_thread, p) != 0)
        fatal("pthread_create");
    log_info("data-path probe listening on %s:%d", c->migration_addr, p->port);
    return p;
}

void
probe_join(struct probe *p)
{
    if (!p)
        return;
    pthread_join(p->thread, NULL);
    close(p->fd);
    free(p);
}

int
probe_port(const struct probe *p)
{
    return p ? p->port : 0;
}

/* Wait for events on fd until the deadline; 0 when they came. */
static int
probe_wait(int fd, short events, int64_t deadline)
{
    struct pollfd pfd = { .fd = fd, .events = events };
    int64_t left;

    while ((left = deadline - now_ms()) > 0) {
        int rc = poll(&pfd, 1, (int)left);

        if (rc > 0)
            return 0;
        if (rc < 0 && errno != EINTR)
            return -1;
    }
    return -1;
}

int
probe_path(const char *addr, int port, int timeout_ms, struct err *err)
{
    int64_t deadline = now_ms() + timeout_ms;
    char line[64] = "";
    int fd, soerr = 0;
    socklen_t len = sizeof(soerr);
    ssize_t n;

    if ((fd = probe_socket(addr, port, false, err)) < 0)
        return -1;
    if (probe_wait(fd, POLLOUT, deadline) < 0) {
        close(fd);
        return err_set(err, ERR_TIMEOUT, "%s:%d: no connection in %d ms", addr, port,
                       timeout_ms);
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 || soerr != 0) {
        close(fd);
        return err_set(err, ERR_UNAVAILABLE, "%s:%d: %s", addr, port, strerror(soerr));
    }
    /* connected (perhaps only to something on the way): the answer says the
     * path goes through */
    if (probe_wait(fd, POLLIN, deadline) < 0) {
        close(fd);
        return err_set(err, ERR_TIMEOUT, "%s:%d: connected, but no answer in %d ms", addr,
                       port, timeout_ms);
    }
    n = read(fd, line, sizeof(line) - 1);
    soerr = errno;
    close(fd);
    if (n <= 0)
        return err_set(err, ERR_UNAVAILABLE, "%s:%d: %s", addr, port,
                       n == 0 ? "closed without an answer" : strerror(soerr));
    line[n] = '\0';
    if (strncmp(line, PROBE_HELLO, strlen(PROBE_HELLO) - 1) != 0)
        return err_set(err, ERR_UNAVAILABLE, "%s:%d: not ferry-compute's probe", addr, port);
    return 0;
}
