/* fuzz_body.c - every JSON request body Ferry reads, with the microversion
 * that selects its schema (api/schema.c and the handlers' schemas):
 * os-migrateLive and the other server actions, force_complete, the
 * os-services update, on /v2.1 and on the tolerant legacy /v2; and
 * os-migrateLive's schema directly, with Python's repr of the value.
 *
 * Input: TARGET-BYTE MICROVERSION-BYTE BODY... */
#include <stdio.h>
#include <stdlib.h>

#include "api/routes.h"
#include "api/schema.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SID "4b1c2a3e-8d4b-4c1a-9f3e-2a1b0c9d8e7f"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct {
        enum http_method m;
        const char *path;
    } targets[] = {
        { HTTP_POST, "/v2.1/servers/" SID "/action" },
        { HTTP_POST, "/v2.1/servers/" SID "/migrations/7/action" },
        { HTTP_PUT, "/v2.1/os-services/" SID },
        { HTTP_PUT, "/v2.1/os-services/3" },
        { HTTP_POST, "/v2/servers/" SID "/action" },
        { HTTP_POST, "/v2.1/servers/" SID "/migrations" },
    };
    char mv[16], repr[512];
    struct err err = ERR_INIT;
    json_error_t jerr;
    json_t *v;
    int minor;

    if (size < 2)
        return 0;
    minor = 1 + data[1] % 104;
    snprintf(mv, sizeof(mv), "compute 2.%d", minor);
    fuzz_request(targets[data[0] % 6].m, targets[data[0] % 6].path, mv, "admin:admin",
                 "application/json", (const char *)data + 2, size - 2);

    if ((v = json_loadb((const char *)data + 2, size - 2, JSON_DECODE_ANY, &jerr))) {
        const json_t *lm = json_object_get(v, "os-migrateLive");

        schema_validate(lm ? lm : v, migrate_live_schema(MV(2, minor)), data[0] & 0x80,
                        &err);
        schema_pyrepr(v, repr, sizeof(repr));
        json_decref(v);
    }
    return 0;
}
