/* mv.h - microversion negotiation, as Nova does it (pure, no I/O).
 *
 * Read OpenStack-API-Version ("compute X.Y", comma list, service matched
 * case-insensitively, last entry wins), else X-OpenStack-Nova-API-Version
 * (its last comma element); none means 2.1; "latest" (lowercase only) means
 * the maximum.  The grammar is ^([1-9]\d*)\.([1-9]\d*|0)$.
 */
#ifndef FERRY_MV_H
#define FERRY_MV_H

#include "common/err.h"

/* On success *mv is the encoded version (major * 1000 + minor).
 * On failure: ERR_INVALID for a malformed string (echo[0] = '\0': no version
 * headers on that answer) or ERR_NOT_ACCEPTABLE for one out of range (echo
 * holds it, as Nova echoes the rejected version). */
int mv_negotiate(const char *std_hdr, const char *legacy_hdr, int max, int *mv, char *echo,
                 size_t echo_size, struct err *err);

/* "2.96" for 2096. */
void mv_format(int mv, char *out, size_t size);

#endif
