/* db_flavor.h - flavors (db_flavor.c).
 *
 * Nova's flavor reads.  Unlike the other rows, a flavor owns two strings of
 * no fixed bound (a description may be 64 KiB, extra specs have no limit on
 * their count): they are malloc'd and go with db_flavor_list_free() or
 * db_flavor_clear(), never cut short.
 */
#ifndef FERRY_DB_FLAVOR_H
#define FERRY_DB_FLAVOR_H

#include <stdbool.h>

#include "common/err.h"
#include "db/db.h"
#include "db/db_types.h"

struct db_flavor {
    int id;                         /* internal id (sort key "id") */
    char flavorid[NAME_LEN];        /* the public id */
    char name[NAME_LEN];
    char *description;              /* owned; NULL when NULL */
    int memory_mb;
    int vcpus;
    int root_gb;
    int ephemeral_gb;
    int swap;
    double rxtx_factor;
    bool is_public;
    bool disabled;
    char *extra_specs;              /* owned JSON object text, "{}" when none */
};

/* Which flavors a list shows, as Nova's _get_flavors and the flavor query of
 * its context: a project (non-admin) sees public flavors and those shared
 * with it; public selects (admin only) public ones and those shared with
 * access_project, private ones, or all. */
enum db_flavor_public { DB_FLAVOR_PUBLIC, DB_FLAVOR_PRIVATE, DB_FLAVOR_ANY };

struct db_flavor_filter {
    const char *project;            /* non-admin caller's project; NULL: admin */
    const char *access_project;     /* with DB_FLAVOR_PUBLIC: shared with it counts */
    enum db_flavor_public public;
    bool enabled_only;              /* leave disabled flavors out (non-admins) */
    const char *min_ram;            /* decimal integer (any size, sign) or NULL */
    const char *min_disk;
    const char *name_regex;         /* POSIX regex on the name (2.102), or NULL */
    const char *sort_key;           /* one of Nova's VALID_SORT_KEYS; NULL: flavorid */
    bool sort_desc;
    int limit;                      /* rows at most; 0 gives none, as in Nova */
    const char *marker;             /* flavorid of the last row seen (checked by
                                     * db_flavor_marker_check() first), or NULL */
};

/* Is key one of Nova's flavor sort keys (schemas/flavors.py VALID_SORT_KEYS)? */
bool db_flavor_sort_key_ok(const char *key);

/* Nova's MarkerNotFound: f's marker must be a flavor the caller may see
 * (f->project as in db_flavor_list()); ERR_INVALID "marker [<marker>] not
 * found" otherwise. */
int db_flavor_marker_check(struct db *db, const struct db_flavor_filter *f, struct err *err);

/* The page of flavors f selects, ordered by (sort key, id) both in f's
 * direction (a NULL description, updated_at or vcpu_weight first when
 * ascending, as MySQL orders them for Nova), starting after the marker
 * (db_flavor_marker_check() says whether there is one). */
int db_flavor_list(struct db *db, const struct db_flavor_filter *f, struct db_flavor **out,
                   int *n, struct err *err);

/* By public id, as the caller may see it (project != NULL: public or shared
 * with project).  ERR_NOT_FOUND "Flavor <id> could not be found.". */
int db_flavor_get(struct db *db, const char *flavorid, const char *project,
                  struct db_flavor *out, struct err *err);

/* The projects a flavor is shared with (os-flavor-access), sorted; *out is
 * a malloc'd array of n names. */
int db_flavor_projects(struct db *db, int flavor_db_id, char (**out)[NAME_LEN], int *n,
                       struct err *err);

/* Free a flavor's strings (the struct itself stays); NULL is a no-op. */
void db_flavor_clear(struct db_flavor *f);

/* Free a list from db_flavor_list(); NULL is a no-op. */
void db_flavor_list_free(struct db_flavor *v, int n);

#endif
