/* fuzz_token.c - the token file ([ferry] token_file, api/auth.c): any bytes
 * as the file, then every line's first word, and the input's first line
 * whole, as an X-Auth-Token; a token found must name a user and a project. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "api/auth.h"
#include "common/log.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static struct cfg cfg;
    struct err err = ERR_INIT;
    struct identity who;
    char *s, *line, *save = NULL;

    if (fd < 0) {
        if ((fd = memfd_create("ferry-fuzz-tokens", 0)) < 0)
            abort();
        cfg_defaults(&cfg);
        cfg.auth_strategy = AUTH_TOKEN;
        snprintf(cfg.token_file, sizeof(cfg.token_file), "/proc/self/fd/%d", fd);
        log_init("fuzz", LOG_LVL_WARN);
    }
    if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    if (auth_init(&cfg, &err) < 0)
        return 0;
    s = fuzz_strndup(data, size);
    for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char tok[256];

        if (sscanf(line, "%255s", tok) == 1 && auth_identify(&cfg, tok, &who, &err) == 0 &&
            (!who.user_id[0] || !who.project_id[0]))
            abort();
        auth_identify(&cfg, line, &who, &err);
    }
    free(s);
    return 0;
}
