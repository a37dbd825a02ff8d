/* dirty_rate.c - measure domains' dirty rates through the virt seam
 * (virt_libvirt.c), as the ferry policy's forecast and ferry-compute's
 * background measure (compute/rates.c) do.
 *
 *   dirty_rate URI UUID SECONDS
 *       the dirty_rate op: prints "bytes_per_s=N period_s=N" and exits 0, or
 *       the error on stderr and exits 1;
 *   dirty_rate --start URI SECONDS UUID
 *       dirty_rate_start only (the calculation runs on): exits 0, or 1;
 *   dirty_rate --all URI SECONDS UUID...
 *       dirty_rate_start on every UUID, then "pending=N": how many have no
 *       result yet once all are started; then each result as it comes in,
 *       "UUID bytes_per_s=N period_s=N", or "UUID error=MESSAGE" for one
 *       that could not start or was not in within SECONDS + 10 s.
 *
 * Run by tests/e2e/e350-dirty-rate.sh against the lab.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "compute/virt.h"

#define MAX_UUIDS 16

static int
all(struct virt *v, int seconds, char **uuids, int n)
{
    struct err err = ERR_INIT;
    bool pending[MAX_UUIDS] = { false };
    int64_t until;
    int left = 0;

    for (int i = 0; i < n; i++) {
        err_clear(&err);
        if (virt_libvirt.dirty_rate_start(v, uuids[i], seconds, &err) < 0) {
            printf("%s error=%s\n", uuids[i], err.msg);
            continue;
        }
        pending[i] = true;
    }
    for (int i = 0; i < n; i++) {
        struct virt_dirty_rate dr;

        if (pending[i] && virt_libvirt.dirty_rate_result(v, uuids[i], seconds, &dr, &err) == 0)
            left++;
    }
    printf("pending=%d\n", left);
    fflush(stdout);
    until = now_ms() + seconds * 1000LL + 10000;
    for (left = n; left > 0;) {
        left = 0;
        for (int i = 0; i < n; i++) {
            struct virt_dirty_rate dr;
            int rc;

            if (!pending[i])
                continue;
            err_clear(&err);
            rc = virt_libvirt.dirty_rate_result(v, uuids[i], seconds, &dr, &err);
            if (rc == 0 && now_ms() < until) {
                left++;
                continue;
            }
            pending[i] = false;
            if (rc > 0)
                printf("%s bytes_per_s=%lld period_s=%d\n", uuids[i],
                       (long long)dr.bytes_per_s, dr.period_s);
            else
                printf("%s error=%s\n", uuids[i], rc < 0 ? err.msg : "no result in time");
        }
        if (left > 0)
            sleep_ms(100);
    }
    return 0;
}

int
main(int argc, char **argv)
{
    struct err err = ERR_INIT;
    struct virt_dirty_rate dr;
    struct virt *v;
    bool start = argc == 5 && strcmp(argv[1], "--start") == 0;
    bool many = argc >= 5 && argc - 4 <= MAX_UUIDS && strcmp(argv[1], "--all") == 0;
    int rc;

    if (argc != 4 && !start && !many) {
        fprintf(stderr, "usage: dirty_rate URI UUID SECONDS\n"
                        "       dirty_rate --start URI SECONDS UUID\n"
                        "       dirty_rate --all URI SECONDS UUID... (at most %d)\n",
                MAX_UUIDS);
        return 2;
    }
    log_init("dirty_rate", LOG_LVL_WARN);
    if (virt_libvirt.open(argv[start || many ? 2 : 1], &v, &err) < 0) {
        fprintf(stderr, "dirty_rate: %s: %s\n", argv[start || many ? 2 : 1], err.msg);
        return 1;
    }
    if (many)
        rc = all(v, atoi(argv[3]), argv + 4, argc - 4);
    else if (start)
        rc = virt_libvirt.dirty_rate_start(v, argv[4], atoi(argv[3]), &err);
    else
        rc = virt_libvirt.dirty_rate(v, argv[2], atoi(argv[3]), &dr, &err);
    virt_libvirt.close(v);
    if (rc < 0) {
        fprintf(stderr, "dirty_rate: %s\n", err.msg);
        return 1;
    }
    if (!start && !many)
        printf("bytes_per_s=%lld period_s=%d\n", (long long)dr.bytes_per_s, dr.period_s);
    return 0;
}
