/* fuzz_router.c - a whole request through router.c: path and query parsing,
 * the version documents, noauth2 tokens, route matching with the project
 * segment, microversions, Content-Type, action keys, every handler's body
 * schema and parameter checks, up to the database (unreachable: 503).
 *
 * Input: METHOD-BYTE PATH?QUERY \n OPENSTACK-API-VERSION \n TOKEN \n
 *        CONTENT-TYPE \n BODY...  (a missing line reads as absent) */
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum http_method methods[] = { HTTP_GET, HTTP_POST, HTTP_PUT, HTTP_DELETE,
                                                HTTP_HEAD, HTTP_OTHER };
    char *s, *fields[4] = { NULL, NULL, NULL, NULL }, *p, *body;
    enum http_method m;

    if (size < 1)
        return 0;
    m = methods[data[0] % (sizeof(methods) / sizeof(methods[0]))];
    s = fuzz_strndup(data + 1, size - 1);
    body = s;
    for (int i = 0; i < 4; i++) {
        if (!(p = strchr(body, '\n')))
            break;
        *p = '\0';
        fields[i] = body;
        body = p + 1;
    }
    if (!fields[0]) {           /* one line: the path only */
        fields[0] = body;
        body = "";
    }
    /* the body's bytes after the last newline, NULs included */
    fuzz_request(m, fields[0][0] ? fields[0] : "/", fields[1] && *fields[1] ? fields[1] : NULL,
                 fields[2] && *fields[2] ? fields[2] : NULL,
                 fields[3] && *fields[3] ? fields[3] : NULL, body,
                 fields[3] ? size - 1 - (size_t)(body - s) : 0);
    free(s);
    return 0;
}
