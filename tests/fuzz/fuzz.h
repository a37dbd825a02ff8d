/* fuzz.h - what the libFuzzer harnesses of tests/fuzz/ share.
 *
 * Each harness feeds bytes to one parser of Ferry's and aborts when the
 * answer breaks a rule every input must keep (a 500, an empty body); ASan
 * and UBSan catch the rest.  `make fuzz` builds and runs them all. */
#ifndef FERRY_FUZZ_H
#define FERRY_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "api/api.h"
#include "db/db.h"

/* The configuration the API harnesses run with: defaults, noauth2, and a
 * database that cannot be reached (a handler that gets that far answers
 * 503), so that nothing but the code under test runs. */
const struct cfg *fuzz_cfg(void);
struct db_pool *fuzz_pool(void);

/* Run one request through router_handle() and check the answer: never a
 * 500, never without a body (but for HEAD-less 204/202 answers, which Nova
 * sends empty), status in 200..599. */
void fuzz_request(enum http_method m, const char *path_and_query, const char *api_version,
                  const char *token, const char *content_type, const char *body,
                  size_t body_len);

/* A NUL-terminated copy of data (owned by the caller). */
char *fuzz_strndup(const uint8_t *data, size_t size);

#endif
