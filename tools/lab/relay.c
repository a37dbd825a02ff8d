/* relay: one lab link, the way into one lab host's migration ports.
 *
 * The lab (tools/lab/lab) points a per-lab nftables DNAT rule at this
 * relay: every new TCP connection to DEST:MIN-MAX (the host's migration
 * ports) that does not come from DEST itself lands on --listen.  The relay
 * reads where the connection was going (SO_ORIGINAL_DST), connects to
 * DEST:that port from --bind (which the rule leaves alone) and forwards
 * both ways.  All connections share one token bucket, so the cap holds for
 * all of them together and whatever QEMU does (its own max-bandwidth is
 * lifted for the final stop-and-copy; backpressure is not).
 *
 *   relay --listen ADDR:PORT --dest ADDR --bind ADDR --conf FILE --status FILE
 *
 * FILE --conf (read at start and on SIGHUP), "key=value" lines:
 *   rate=B      bytes per second, each direction, shared; 0 = no cap
 *   delay=MS    hold every byte MS milliseconds before forwarding it
 *   mode=up     forward
 *   mode=cut    reset every connection (RST) and reset new ones at once
 *   mode=drop   forward nothing and accept nothing, silently: connections
 *               stay open, new ones wait in the listen backlog
 *   gen=N       echoed in the status file once the change is applied
 * FILE --status is rewritten (atomically) every 100 ms and after a reload:
 *   t_ms gen mode rate delay conns accepted reset up_bytes down_bytes, then
 *   "conn ID dport=P up=B down=B" per connection (up = toward DEST).
 * SIGTERM or SIGINT: reset every connection, remove the status file, exit.
 * One thread, epoll, level-triggered; buffering is kept small so that what
 * the sender has written is close to what has crossed the link.  A shallow
 * queue, as on a real link: the sender's own send buffer, which Linux sizes
 * from its window in segments (about 20 segments at first), is what held
 * seconds of data at a few MiB/s with loopback's 64 KiB segments (QEMU's
 * socket kept 3.2 MiB, 0.8 s at 4 MiB/s, ahead of a post-copy switch's
 * device state); the relay advertises an Ethernet MSS and small buffers. */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80
#endif

#define MAX_CONNS   64
#define CHUNK       (64 * 1024)     /* one read */
#define QUANTUM     (16 * 1024)     /* one write per connection per round */
#define QUEUE_BASE  (64 * 1024)     /* bytes held per direction, no delay */
#define QUEUE_MAX   (64 << 20)      /* ... at most, with a delay */
#define SOCK_BUF    (32 * 1024)     /* SO_RCVBUF / SO_SNDBUF of both sides (doubled) */
#define LINK_MSS    1448            /* an Ethernet link's segments, not loopback's 64 KiB */
#define STATUS_MS   100

struct chunk {
    struct chunk *next;
    int64_t due_ms;                 /* forward not before */
    size_t len, off;
    char data[];
};

struct dir {                        /* bytes read from fd[i], written to fd[!i] */
    struct chunk *head, *tail;
    size_t queued;
    uint64_t bytes;                 /* forwarded */
    int eof;                        /* read side closed */
    int shut;                       /* write side shut down after eof */
};

struct conn {
    int used;
    unsigned id;
    int fd[2];                      /* 0: the sender's side, 1: toward DEST */
    uint32_t ev[2];                 /* registered epoll events */
    int connecting;
    int dport;
    struct dir d[2];                /* d[0]: up (toward DEST), d[1]: down */
};

struct link {
    const char *conf_path, *status_path;
    struct sockaddr_in listen_sa, bind_sa;
    struct in_addr dest;
    int lfd, ep;
    uint32_t lev;
    uint64_t rate;                  /* bytes/s, 0 = no cap */
    int64_t delay_ms;
    char mode[8];
    unsigned long gen;
    double tokens;
    int64_t refill_ms, status_ms;
    unsigned next_id, accepted, reset;
    uint64_t closed_up, closed_down; /* bytes of connections gone */
    unsigned rr;
    struct conn c[MAX_CONNS];
};

static volatile sig_atomic_t got_hup, got_term;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        got_hup = 1;
    else
        got_term = 1;
}

static void die(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fprintf(stderr, "relay: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void parse_addr(const char *s, int port, struct sockaddr_in *sa)
{
    char host[64];
    const char *colon = strchr(s, ':');
    size_t n = colon ? (size_t)(colon - s) : strlen(s);

    if (n >= sizeof(host))
        die("bad address '%s'", s);
    memcpy(host, s, n);
    host[n] = '\0';
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        die("bad address '%s'", s);
    if (colon)
        port = atoi(colon + 1);
    if (port < 0 || port > 65535)
        die("bad port in '%s'", s);
    sa->sin_port = htons((uint16_t)port);
}

/* ---- configuration and status ------------------------------------------ */

/* Read --conf; keeps the old value of a key that is missing or bad. */
static void conf_load(struct link *l)
{
    FILE *f = fopen(l->conf_path, "r");
    char line[128], val[8];
    unsigned long long u;

    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "rate=%llu", &u) == 1)
            l->rate = u;
        else if (sscanf(line, "delay=%llu", &u) == 1)
            l->delay_ms = (int64_t)(u > 600000 ? 600000 : u);
        else if (sscanf(line, "gen=%llu", &u) == 1)
            l->gen = (unsigned long)u;
        else if (sscanf(line, "mode=%7s", val) == 1 &&
                 (!strcmp(val, "up") || !strcmp(val, "cut") || !strcmp(val, "drop")))
            snprintf(l->mode, sizeof(l->mode), "%s", val);
    }
    fclose(f);
}

static void status_write(struct link *l, int64_t now)
{
    char tmp[4096];
    FILE *f;
    unsigned n = 0, i;
    uint64_t up = l->closed_up, down = l->closed_down;

    for (i = 0; i < MAX_CONNS; i++) {
        if (l->c[i].used) {
            n++;
            up += l->c[i].d[0].bytes;
            down += l->c[i].d[1].bytes;
        }
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp", l->status_path);
    f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "t_ms=%lld\ngen=%lu\nmode=%s\nrate=%llu\ndelay=%lld\nconns=%u\n"
            "accepted=%u\nreset=%u\nup_bytes=%llu\ndown_bytes=%llu\n",
            (long long)now, l->gen, l->mode, (unsigned long long)l->rate,
            (long long)l->delay_ms, n, l->accepted, l->reset,
            (unsigned long long)up, (unsigned long long)down);
    for (i = 0; i < MAX_CONNS; i++) {
        struct conn *c = &l->c[i];

        if (c->used)
            fprintf(f, "conn %u dport=%d up=%llu down=%llu\n", c->id, c->dport,
                    (unsigned long long)c->d[0].bytes, (unsigned long long)c->d[1].bytes);
    }
    if (fclose(f) == 0)
        rename(tmp, l->status_path);
    l->status_ms = now;
}

/* ---- connections ----------------------------------------------------------- */

/* Close fd with an RST rather than a FIN. */
static void close_rst(int fd)
{
    struct linger lg = { 1, 0 };

    if (fd < 0)
        return;
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);
}

static void conn_free(struct link *l, struct conn *c, int rst)
{
    int i;

    for (i = 0; i < 2; i++) {
        struct chunk *k = c->d[i].head, *next;

        for (; k; k = next) {
            next = k->next;
            free(k);
        }
        if (c->fd[i] >= 0) {
            epoll_ctl(l->ep, EPOLL_CTL_DEL, c->fd[i], NULL);
            if (rst)
                close_rst(c->fd[i]);
            else
                close(c->fd[i]);
        }
    }
    l->closed_up += c->d[0].bytes;
    l->closed_down += c->d[1].bytes;
    memset(c, 0, sizeof(*c));
}

static void cut_all(struct link *l)
{
    int i;

    for (i = 0; i < MAX_CONNS; i++) {
        if (l->c[i].used) {
            conn_free(l, &l->c[i], 1);
            l->reset++;
        }
    }
}

static void sock_bufs(int fd)
{
    int v = SOCK_BUF;

    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
}

/* Accept one connection; open its way on to DEST (or reset it, when cut). */
static void conn_accept(struct link *l)
{
    struct sockaddr_in orig, to;
    socklen_t len = sizeof(orig);
    struct conn *c = NULL;
    int fd, out, i;

    fd = accept4(l->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    for (i = 0; i < MAX_CONNS && !c; i++) {
        if (!l->c[i].used)
            c = &l->c[i];
    }
    if (!c || strcmp(l->mode, "up") != 0 ||
        getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &orig, &len) < 0 ||
        orig.sin_addr.s_addr != l->dest.s_addr) {
        close_rst(fd);
        l->reset++;
        return;
    }
    to = orig;
    out = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (out >= 0)
        sock_bufs(out);
    if (out < 0 ||
        bind(out, (struct sockaddr *)&l->bind_sa, sizeof(l->bind_sa)) < 0 ||
        (connect(out, (struct sockaddr *)&to, sizeof(to)) < 0 && errno != EINPROGRESS)) {
        fprintf(stderr, "relay: connect to port %d: %s\n", ntohs(to.sin_port),
                strerror(errno));
        close_rst(fd);
        if (out >= 0)
            close(out);
        l->reset++;
        return;
    }
    memset(c, 0, sizeof(*c));
    c->used = 1;
    c->id = ++l->next_id;
    c->fd[0] = fd;
    c->fd[1] = out;
    c->connecting = 1;
    c->dport = ntohs(to.sin_port);
    for (i = 0; i < 2; i++) {
        struct epoll_event e = { .events = 0, .data.ptr = c };

        epoll_ctl(l->ep, EPOLL_CTL_ADD, c->fd[i], &e);
    }
    l->accepted++;
}

/* Bytes a direction may hold: a little, plus what the delay keeps in flight. */
static size_t queue_max(const struct link *l)
{
    uint64_t r = l->rate ? l->rate : 256ull << 20;
    uint64_t want = QUEUE_BASE + r * (uint64_t)l->delay_ms / 1000;

    return want > QUEUE_MAX ? QUEUE_MAX : (size_t)want;
}

/* Read what fd[i] has into d[i], as far as the queue allows. */
static int conn_read(struct link *l, struct conn *c, int i, int64_t now)
{
    struct dir *d = &c->d[i];
    struct chunk *k;
    ssize_t n;

    if (d->eof || d->queued >= queue_max(l))
        return 0;
    k = malloc(sizeof(*k) + CHUNK);
    if (!k)
        return 0;
    n = read(c->fd[i], k->data, CHUNK);
    if (n <= 0) {
        free(k);
        if (n == 0) {
            d->eof = 1;
            return 0;
        }
        return errno == EAGAIN || errno == EINTR ? 0 : -1;
    }
    k->next = NULL;
    k->len = (size_t)n;
    k->off = 0;
    k->due_ms = now + l->delay_ms;
    if (d->tail)
        d->tail->next = k;
    else
        d->head = k;
    d->tail = k;
    d->queued += (size_t)n;
    return 0;
}

/* Write up to max bytes of d[i]'s due data to fd[!i]; bytes written or -1. */
static ssize_t conn_write(struct conn *c, int i, size_t max, int64_t now)
{
    struct dir *d = &c->d[i];
    struct chunk *k = d->head;
    size_t len;
    ssize_t n;

    if (!k || k->due_ms > now || c->connecting)
        return 0;
    len = k->len - k->off;
    if (len > max)
        len = max;
    n = send(c->fd[!i], k->data + k->off, len, MSG_NOSIGNAL);
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -1;
    k->off += (size_t)n;
    d->queued -= (size_t)n;
    d->bytes += (uint64_t)n;
    if (k->off == k->len) {
        d->head = k->next;
        if (!d->head)
            d->tail = NULL;
        free(k);
    }
    return n;
}

/* ---- the loop ------------------------------------------------------------- */

static void refill(struct link *l, int64_t now)
{
    double burst = l->rate / 50.0;          /* 20 ms worth */

    if (burst < 4 * QUANTUM)
        burst = 4 * QUANTUM;
    l->tokens += (double)l->rate * (double)(now - l->refill_ms) / 1000.0;
    if (l->tokens > burst)
        l->tokens = burst;
    l->refill_ms = now;
}

/* Forward due data of every connection, QUANTUM at a time in turn, while
 * the bucket has tokens; the turn goes on, across calls, after the last
 * connection served.  Connections that fail are reset both ways. */
static void pump(struct link *l, int64_t now)
{
    int progress = 1, i;
    unsigned k, start, s;

    if (strcmp(l->mode, "up") != 0)
        return;
    while (progress) {
        progress = 0;
        start = l->rr;
        for (k = 0; k < MAX_CONNS; k++) {
            struct conn *c = &l->c[(s = (start + k) % MAX_CONNS)];

            for (i = 0; i < 2 && c->used; i++) {
                size_t max = QUANTUM;
                ssize_t n;

                if (l->rate && l->tokens < QUANTUM)
                    return;
                n = conn_write(c, i, max, now);
                if (n < 0) {
                    conn_free(l, c, 1);
                    break;
                }
                if (n > 0) {
                    progress = 1;
                    l->rr = (s + 1) % MAX_CONNS;
                    if (l->rate)
                        l->tokens -= (double)n;
                }
                /* the sender closed and everything it sent is through */
                if (c->d[i].eof && !c->d[i].head && !c->d[i].shut) {
                    shutdown(c->fd[!i], SHUT_WR);
                    c->d[i].shut = 1;
                }
            }
            if (c->used && c->d[0].shut && c->d[1].shut)
                conn_free(l, c, 0);
        }
    }
}

static void want_events(struct link *l, int fd, uint32_t *cur, uint32_t ev, void *ptr)
{
    struct epoll_event e = { .events = ev, .data.ptr = ptr };

    if (*cur == ev)
        return;
    epoll_ctl(l->ep, EPOLL_CTL_MOD, fd, &e);
    *cur = ev;
}

/* What each socket should wake us for, now. */
static void interests(struct link *l, int64_t now)
{
    int up = !strcmp(l->mode, "up"), i, j;
    int tokens = !l->rate || l->tokens >= QUANTUM;

    want_events(l, l->lfd, &l->lev, strcmp(l->mode, "drop") ? EPOLLIN : 0, NULL);
    for (i = 0; i < MAX_CONNS; i++) {
        struct conn *c = &l->c[i];

        if (!c->used)
            continue;
        for (j = 0; j < 2; j++) {
            uint32_t ev = 0;
            struct chunk *k = c->d[!j].head;

            if (up && !c->d[j].eof && c->d[j].queued < queue_max(l))
                ev |= EPOLLIN;
            if (j == 1 && c->connecting)
                ev |= EPOLLOUT;
            else if (up && tokens && k && k->due_ms <= now)
                ev |= EPOLLOUT;
            want_events(l, c->fd[j], &c->ev[j], ev, c);
        }
    }
}

/* Milliseconds until something is due: tokens, a delayed chunk, status. */
static int next_timeout(struct link *l, int64_t now)
{
    int64_t t = l->status_ms + STATUS_MS - now;
    int i, j;

    for (i = 0; i < MAX_CONNS; i++) {
        for (j = 0; j < 2 && l->c[i].used; j++) {
            struct chunk *k = l->c[i].d[j].head;

            if (!k)
                continue;
            if (k->due_ms > now && k->due_ms - now < t)
                t = k->due_ms - now;
            else if (k->due_ms <= now && l->rate && l->tokens < QUANTUM) {
                int64_t w = (int64_t)((QUANTUM - l->tokens) * 1000 / l->rate) + 1;

                t = w < t ? w : t;
            }
        }
    }
    return t < 0 ? 0 : (int)t;
}

static void on_event(struct link *l, struct epoll_event *e, int64_t now)
{
    struct conn *c = e->data.ptr;
    int err = 0, j;
    socklen_t len = sizeof(err);

    if (!c->used)
        return;
    if ((e->events & EPOLLERR) || ((e->events & EPOLLHUP) && strcmp(l->mode, "up"))) {
        conn_free(l, c, 1);
        l->reset++;
        return;
    }
    if (c->connecting && (e->events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
            conn_free(l, c, 1);
            l->reset++;
            return;
        }
        c->connecting = 0;
    }
    for (j = 0; j < 2 && c->used; j++) {
        if (strcmp(l->mode, "up") == 0 && conn_read(l, c, j, now) < 0) {
            conn_free(l, c, 1);
            return;
        }
    }
}

static void loop(struct link *l)
{
    struct epoll_event ev[32];
    int64_t now;
    int n, i;

    for (;;) {
        now = now_ms();
        if (got_term)
            break;
        if (got_hup) {
            got_hup = 0;
            conf_load(l);
            if (!strcmp(l->mode, "cut"))
                cut_all(l);
            status_write(l, now);
        }
        refill(l, now);
        pump(l, now);
        interests(l, now);
        if (now - l->status_ms >= STATUS_MS)
            status_write(l, now);
        n = epoll_wait(l->ep, ev, 32, next_timeout(l, now));
        now = now_ms();
        /* accepting last: a slot freed in this batch is not reused in it */
        for (i = 0; i < n; i++) {
            if (ev[i].data.ptr)
                on_event(l, &ev[i], now);
        }
        for (i = 0; i < n; i++) {
            if (!ev[i].data.ptr)
                conn_accept(l);
        }
    }
    cut_all(l);
    unlink(l->status_path);
}

static void setup(struct link *l)
{
    struct epoll_event e = { .events = EPOLLIN, .data.ptr = NULL };
    struct sigaction sa;
    int one = 1, mss = LINK_MSS;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    l->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l->lfd < 0)
        die("socket: %s", strerror(errno));
    setsockopt(l->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sock_bufs(l->lfd);      /* inherited by accepted sockets, before the SYN */
    if (setsockopt(l->lfd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss)) < 0)
        die("TCP_MAXSEG: %s", strerror(errno));
    if (bind(l->lfd, (struct sockaddr *)&l->listen_sa, sizeof(l->listen_sa)) < 0)
        die("bind %s:%d: %s", inet_ntoa(l->listen_sa.sin_addr),
            ntohs(l->listen_sa.sin_port), strerror(errno));
    if (listen(l->lfd, 64) < 0)
        die("listen: %s", strerror(errno));
    l->ep = epoll_create1(EPOLL_CLOEXEC);
    if (l->ep < 0 || epoll_ctl(l->ep, EPOLL_CTL_ADD, l->lfd, &e) < 0)
        die("epoll: %s", strerror(errno));
    l->lev = EPOLLIN;
}

int main(int argc, char **argv)
{
    static struct link l;
    struct sockaddr_in sa;
    int i;

    snprintf(l.mode, sizeof(l.mode), "up");
    l.lfd = -1;
    for (i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--listen"))
            parse_addr(argv[i + 1], 0, &l.listen_sa);
        else if (!strcmp(argv[i], "--bind"))
            parse_addr(argv[i + 1], 0, &l.bind_sa);
        else if (!strcmp(argv[i], "--dest")) {
            parse_addr(argv[i + 1], 0, &sa);
            l.dest = sa.sin_addr;
        } else if (!strcmp(argv[i], "--conf"))
            l.conf_path = argv[i + 1];
        else if (!strcmp(argv[i], "--status"))
            l.status_path = argv[i + 1];
        else
            die("unknown option %s", argv[i]);
    }
    if (i != argc || !l.conf_path || !l.status_path || !l.listen_sa.sin_port ||
        !l.dest.s_addr || !l.bind_sa.sin_family)
        die("usage: relay --listen ADDR:PORT --dest ADDR --bind ADDR "
            "--conf FILE --status FILE");
    conf_load(&l);
    setup(&l);
    l.refill_ms = now_ms();
    status_write(&l, l.refill_ms);
    loop(&l);
    return 0;
}
