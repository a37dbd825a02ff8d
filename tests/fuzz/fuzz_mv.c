/* fuzz_mv.c - the microversion headers (api/mv.c): OpenStack-API-Version
 * and X-OpenStack-Nova-API-Version, any bytes, against any maximum; and the
 * config's "2.96" parser.
 *
 * Input: MAX-BYTE STANDARD-HEADER \n LEGACY-HEADER */
#include <stdlib.h>
#include <string.h>

#include "api/mv.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char echo[16], out[16];
    struct err err = ERR_INIT;
    char *s, *legacy;
    int mv = 0, max;

    if (size < 1)
        return 0;
    max = MV(2, 1 + data[0] % 104);
    s = fuzz_strndup(data + 1, size - 1);
    if ((legacy = strchr(s, '\n')))
        *legacy++ = '\0';
    if (mv_negotiate(*s ? s : NULL, legacy, max, &mv, echo, sizeof(echo), &err) == 0) {
        if (mv < MV_MIN || mv > max)
            abort();            /* negotiated outside the range */
        mv_format(mv, out, sizeof(out));
        if (strcmp(out, echo) != 0)
            abort();            /* the echo is not the version */
    }
    (void)cfg_parse_mv(s);
    free(s);
    return 0;
}
