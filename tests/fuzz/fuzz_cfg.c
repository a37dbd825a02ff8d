/* fuzz_cfg.c - the configuration parser (common/cfg.c over inih): any
 * bytes as a ferry.conf, then --print-config of what was read. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/cfg.h"
#include "common/log.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    static FILE *devnull;
    struct cfg cfg;
    struct err err = ERR_INIT;

    if (fd < 0) {
        /* a file in memory, rewritten for each input */
        if ((fd = memfd_create("ferry-fuzz-cfg", 0)) < 0)
            abort();
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        if (!(devnull = fopen("/dev/null", "w")))
            abort();
        log_init("fuzz", LOG_LVL_WARN);
    }
    if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    cfg_defaults(&cfg);
    if (cfg_load(&cfg, path, &err) == 0)
        cfg_print(&cfg, devnull);
    return 0;
}
