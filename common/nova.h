/* nova.h - Nova's enumerations and numbers, as every Ferry process speaks
 * them: a leaf header (no .c), so the API, the scheduler, compute and the
 * database layer compare the same values, never a bare 2034 or a 3. */
#ifndef FERRY_NOVA_H
#define FERRY_NOVA_H

/* A microversion as one integer: 2.34 is MV(2, 34) = 2034. */
#define MV(major, minor) ((major) * 1000 + (minor))
#define MV_MIN MV(2, 1)
#define MV_NOVA_MAX MV(2, 104)      /* the newest Nova this contract describes */
/* From 2.34 os-migrateLive is a cast: the API answers 202 at once, and the
 * conductor's checks run after it (below, the API waits for them). */
#define MV_LIVE_MIGRATE_ASYNC MV(2, 34)

/* Nova's power_state values. */
enum power_state {
    POWER_NOSTATE = 0,
    POWER_RUNNING = 1,
    POWER_PAUSED = 3,
    POWER_SHUTDOWN = 4,
    POWER_CRASHED = 6,
    POWER_SUSPENDED = 7,
};

/* Nova's name of a power state (power_state.STATE_MAP), as its messages
 * say it. */
static inline const char *
power_state_name(int ps)
{
    switch (ps) {
    case POWER_NOSTATE: return "pending";
    case POWER_RUNNING: return "running";
    case POWER_PAUSED: return "paused";
    case POWER_SHUTDOWN: return "shutdown";
    case POWER_CRASHED: return "crashed";
    case POWER_SUSPENDED: return "suspended";
    default: return "unknown";
    }
}

#endif
