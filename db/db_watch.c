/* db_watch.c - waiting for a notification without a connection each.
 *
 * LISTEN needs a connection of its own for as long as one waits, and a
 * pooled connection cannot be lent for minutes: ferry-api's callers below
 * microversion 2.34 each wait up to rpc_response_timeout for the scheduler.
 * One listener thread holds the process's only listening connection and
 * wakes the waiters whose key a notification names (the payload's first
 * word: "42 queued" on ferry_migration wakes the waiters of migration 42).
 * Waiters read the state they wait on through the pool, briefly.
 *
 * A waiter registers before it reads that state, so a notification sent in
 * between still wakes it.  When the listener loses its connection, and
 * again when it has it back or listens to a new channel, every waiter is
 * woken to re-read (what was sent meanwhile is lost); while it is down,
 * waiters re-read every second, and every 2 s even while all looks well.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "db/db.h"
#include "db/db_watch.h"

#define WATCH_MAX_CHANNELS 4
#define WATCH_POLL_MS 250           /* how soon a new channel is listened to */
#define WATCH_BLIND_MS 1000         /* a waiter's re-read period while unlistened */
#define WATCH_RECHECK_MS 2000       /* and while listening: a connection can go
                                     * deaf unseen (a half-open TCP peer) */

struct db_waiter {
    struct db_watch *watch;
    int channel;                    /* index in watch->channels */
    long key;
    bool woken;
    pthread_cond_t cond;
    struct db_waiter *next;
};

struct db_watch {
    struct db *db;                  /* the listener thread's only */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;         /* a channel was listened to, or healthy changed */
    volatile bool stop;
    bool healthy;                   /* listening now: nothing is being missed */
    int nchannels, nlistened;
    char channels[WATCH_MAX_CHANNELS][64];
    struct db_waiter *waiters;
};

/* Under the lock: wake the waiters of (channel, key), or all of them (channel < 0). */
static void
watch_wake(struct db_watch *w, int channel, long key)
{
    for (struct db_waiter *me = w->waiters; me; me = me->next)
        if (channel < 0 || (me->channel == channel && me->key == key)) {
            me->woken = true;
            pthread_cond_signal(&me->cond);
        }
}

static void
watch_set_healthy(struct db_watch *w, bool healthy)
{
    pthread_mutex_lock(&w->lock);
    if (w->healthy != healthy) {
        w->healthy = healthy;
        watch_wake(w, -1, 0);       /* lost, or (back) listening: re-read */
        pthread_cond_broadcast(&w->changed);
    }
    pthread_mutex_unlock(&w->lock);
}

static void
watch_notified(struct db_watch *w, const struct db_notify *n)
{
    char *end;
    long key = strtol(n->payload, &end, 10);

    if (end == n->payload)
        return;
    pthread_mutex_lock(&w->lock);
    for (int i = 0; i < w->nchannels; i++)
        if (strcmp(w->channels[i], n->channel) == 0)
            watch_wake(w, i, key);
    pthread_mutex_unlock(&w->lock);
}

static void *
watch_thread(void *arg)
{
    struct db_watch *w = arg;
    int64_t backoff = 0;

    while (!w->stop) {
        struct err err = ERR_INIT;
        struct db_notify n;
        char channel[64];
        int rc, want;

        /* LISTEN to the channels waiters asked for since the last turn */
        pthread_mutex_lock(&w->lock);
        want = w->nchannels;
        pthread_mutex_unlock(&w->lock);
        for (int i = w->nlistened; i < want; i++) {
            pthread_mutex_lock(&w->lock);
            strlcpy0(channel, w->channels[i], sizeof(channel));
            pthread_mutex_unlock(&w->lock);
            if (db_listen(w->db, channel, &err) < 0)
                goto lost;
        }
        rc = db_wait(w->db, WATCH_POLL_MS, &n, &err);
        if (rc < 0)
            goto lost;
        pthread_mutex_lock(&w->lock);
        if (w->nlistened != want) {
            w->nlistened = want;    /* a turn of db_wait proved those LISTENs */
            watch_wake(w, -1, 0);   /* sent before them was not heard: re-read */
            pthread_cond_broadcast(&w->changed);
        }
        pthread_mutex_unlock(&w->lock);
        watch_set_healthy(w, true);
        if (rc == 1)
            watch_notified(w, &n);
        backoff = 0;
        continue;
lost:
        if (w->healthy || !backoff)
            log_warnx("database listener lost, waiters re-read every %d ms: %s%s%s",
                      WATCH_BLIND_MS, err.msg, err.detail[0] ? ": " : "", err.detail);
        watch_set_healthy(w, false);
        backoff_next(&backoff);
        for (int64_t slept = 0; slept < backoff && !w->stop; slept += 250)
            sleep_ms(250);      /* a stop is not kept waiting */
    }
    return NULL;
}

struct db_watch *
db_watch_new(const char *conninfo, const char *appname)
{
    struct db_watch *w = calloc(1, sizeof(*w));

    if (!w)
        fatalx("out of memory");
    w->db = db_new(conninfo, appname);
    pthread_mutex_init(&w->lock, NULL);
    cond_init_monotonic(&w->changed);
    if (pthread_create(&w->thread, NULL, watch_thread, w) != 0)
        fatalx("cannot start the database listener thread");
    return w;
}

void
db_watch_free(struct db_watch *w)
{
    if (!w)
        return;
    w->stop = true;
    pthread_join(w->thread, NULL);
    db_free(w->db);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->changed);
    free(w);
}

struct db_waiter *
db_watch_add(struct db_watch *w, const char *channel, long key)
{
    struct db_waiter *me = calloc(1, sizeof(*me));
    struct timespec deadline = mono_deadline(2000);
    int i;

    if (!me)
        fatalx("out of memory");
    me->watch = w;
    me->key = key;
    cond_init_monotonic(&me->cond);
    pthread_mutex_lock(&w->lock);
    for (i = 0; i < w->nchannels; i++)
        if (strcmp(w->channels[i], channel) == 0)
            break;
    if (i == w->nchannels) {
        if (i == WATCH_MAX_CHANNELS || strlen(channel) >= sizeof(w->channels[0]))
            fatalx("BUG: db_watch: too many or too long channels (%s)", channel);
        strlcpy0(w->channels[w->nchannels++], channel, sizeof(w->channels[0]));
    }
    me->channel = i;
    me->next = w->waiters;
    w->waiters = me;
    /* a channel new to the listener: let it LISTEN first (briefly: while
     * the database is away, db_waiter_sleep() re-reads every second) */
    while (i >= w->nlistened || !w->healthy)
        if (pthread_cond_timedwait(&w->changed, &w->lock, &deadline) == ETIMEDOUT)
            break;
    me->woken = false;              /* the caller reads its state after this */
    pthread_mutex_unlock(&w->lock);
    return me;
}

int
db_waiter_sleep(struct db_waiter *me, int timeout_ms)
{
    struct db_watch *w = me->watch;
    struct timespec deadline;
    bool woken;

    pthread_mutex_lock(&w->lock);
    if ((!w->healthy || me->channel >= w->nlistened) && timeout_ms > WATCH_BLIND_MS)
        timeout_ms = WATCH_BLIND_MS;
    else if (timeout_ms > WATCH_RECHECK_MS)
        timeout_ms = WATCH_RECHECK_MS;
    deadline = mono_deadline(timeout_ms > 0 ? timeout_ms : 0);
    while (!me->woken)
        if (pthread_cond_timedwait(&me->cond, &w->lock, &deadline) == ETIMEDOUT)
            break;
    woken = me->woken;
    me->woken = false;
    pthread_mutex_unlock(&w->lock);
    return woken ? 1 : 0;
}

void
db_waiter_free(struct db_waiter *me)
{
    struct db_watch *w;

    if (!me)
        return;
    w = me->watch;
    pthread_mutex_lock(&w->lock);
    for (struct db_waiter **p = &w->waiters; *p; p = &(*p)->next)
        if (*p == me) {
            *p = me->next;
            break;
        }
    pthread_mutex_unlock(&w->lock);
    pthread_cond_destroy(&me->cond);
    free(me);
}
