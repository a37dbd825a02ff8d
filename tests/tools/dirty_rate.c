/* dirty_rate.c - measure a domain's dirty rate through the virt seam's
 * dirty_rate op (virt_libvirt.c), as the ferry policy's forecast does.
 *
 *   dirty_rate URI UUID SECONDS
 *
 * prints "bytes_per_s=N period_s=N" and exits 0, or the error on stderr and
 * exits 1.  Run by tests/e2e/e350-dirty-rate.sh against the lab.
 */
#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "compute/virt.h"

int
main(int argc, char **argv)
{
    struct err err = ERR_INIT;
    struct virt_dirty_rate dr;
    struct virt *v;
    int rc;

    if (argc != 4) {
        fprintf(stderr, "usage: dirty_rate URI UUID SECONDS\n");
        return 2;
    }
    log_init("dirty_rate", LOG_LVL_WARN);
    if (virt_libvirt.open(argv[1], &v, &err) < 0) {
        fprintf(stderr, "dirty_rate: %s: %s\n", argv[1], err.msg);
        return 1;
    }
    rc = virt_libvirt.dirty_rate(v, argv[2], atoi(argv[3]), &dr, &err);
    virt_libvirt.close(v);
    if (rc < 0) {
        fprintf(stderr, "dirty_rate: %s\n", err.msg);
        return 1;
    }
    printf("bytes_per_s=%lld period_s=%d\n", (long long)dr.bytes_per_s, dr.period_s);
    return 0;
}
