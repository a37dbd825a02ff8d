/* db_flavor.c - flavors as Nova's flavor API reads them: who sees which,
 * its filters, its sort keys and its marker paging. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auto.h"
#include "common/log.h"
#include "db/db.h"
#include "db/db_flavor.h"
#include "db/db_int.h"
#include "db/db_types.h"

#define FLAVOR_COLS                                                                   \
    "SELECT f.id, f.flavorid, f.name, f.description,"                                 \
    " f.description IS NULL AS description_null, f.memory_mb, f.vcpus, f.root_gb,"    \
    " f.ephemeral_gb, f.swap, f.rxtx_factor, f.is_public, f.disabled,"                \
    " f.extra_specs::text AS extra_specs FROM flavors f"

/* What a caller may see at all (Nova's _flavor_get_query_from_db): $1 is the
 * caller's project, NULL for an admin, who sees every flavor. */
#define FLAVOR_VISIBLE(p)                                                             \
    " (" p "::text IS NULL OR f.is_public OR EXISTS (SELECT 1 FROM flavor_projects fp" \
    "  WHERE fp.flavor_id = f.id AND fp.project_id = " p "))"

/* Nova's sort keys and the expressions they order by.  A nullable column
 * sorts as (IS NOT NULL, value): NULLs first ascending and last descending,
 * as MySQL does under Nova, and never NULL, so that the marker's row
 * comparison holds for every row. */
struct flavor_sort {
    const char *key;
    const char *expr[2];            /* the second one NULL for a NOT NULL column */
};

static const struct flavor_sort flavor_sort_keys[] = {
    { "created_at", { "f.created_at", NULL } },
    { "description", { "f.description IS NOT NULL", "coalesce(f.description, '')" } },
    { "disabled", { "f.disabled", NULL } },
    { "ephemeral_gb", { "f.ephemeral_gb", NULL } },
    { "flavorid", { "f.flavorid", NULL } },
    { "id", { "f.id", NULL } },
    { "is_public", { "f.is_public", NULL } },
    { "memory_mb", { "f.memory_mb", NULL } },
    { "name", { "f.name", NULL } },
    { "root_gb", { "f.root_gb", NULL } },
    { "rxtx_factor", { "f.rxtx_factor", NULL } },
    { "swap", { "f.swap", NULL } },
    { "updated_at", { "f.updated_at IS NOT NULL", "coalesce(f.updated_at, 'epoch')" } },
    { "vcpu_weight", { "f.vcpu_weight IS NOT NULL", "coalesce(f.vcpu_weight, 0)" } },
    { "vcpus", { "f.vcpus", NULL } },
};

static const struct flavor_sort *
flavor_sort_find(const char *key)
{
    for (size_t i = 0; i < ARRAY_SIZE(flavor_sort_keys); i++)
        if (strcmp(flavor_sort_keys[i].key, key) == 0)
            return &flavor_sort_keys[i];
    return NULL;
}

bool
db_flavor_sort_key_ok(const char *key)
{
    return key && flavor_sort_find(key) != NULL;
}

static char *
flavor_strdup(const char *s)
{
    char *d = strdup(s);

    if (!d)
        fatalx("out of memory");
    return d;
}

static void
flavor_read(const PGresult *r, int i, struct db_flavor *o)
{
    memset(o, 0, sizeof(*o));
    o->id = row_int(r, i, "id");
    row_cpy(r, i, "flavorid", o->flavorid, sizeof(o->flavorid));
    row_cpy(r, i, "name", o->name, sizeof(o->name));
    if (!row_bool(r, i, "description_null"))
        o->description = flavor_strdup(row_str(r, i, "description"));
    o->memory_mb = row_int(r, i, "memory_mb");
    o->vcpus = row_int(r, i, "vcpus");
    o->root_gb = row_int(r, i, "root_gb");
    o->ephemeral_gb = row_int(r, i, "ephemeral_gb");
    o->swap = row_int(r, i, "swap");
    o->rxtx_factor = row_real(r, i, "rxtx_factor");
    o->is_public = row_bool(r, i, "is_public");
    o->disabled = row_bool(r, i, "disabled");
    o->extra_specs = flavor_strdup(row_str(r, i, "extra_specs"));
}

int
db_flavor_get(struct db *db, const char *flavorid, const char *project, struct db_flavor *out,
              struct err *err)
{
    const char *p[2] = { project, flavorid };
    AUTO_PGRES PGresult *r = db_query(db,
                                      FLAVOR_COLS " WHERE f.flavorid = $2 AND"
                                      FLAVOR_VISIBLE("$1"),
                                      2, p, err);

    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return err_set(err, ERR_NOT_FOUND, "Flavor %s could not be found.", flavorid);
    flavor_read(r, 0, out);
    return 0;
}

int
db_flavor_marker_check(struct db *db, const struct db_flavor_filter *f, struct err *err)
{
    const char *p[2] = { f->project, f->marker };
    AUTO_PGRES PGresult *r = db_query(db,
                                      "SELECT 1 FROM flavors f WHERE f.flavorid = $2 AND"
                                      FLAVOR_VISIBLE("$1"),
                                      2, p, err);

    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        return err_set(err, ERR_INVALID, "marker [%s] not found", f->marker);
    return 0;
}

/* The statement for a sort key: its expressions (trusted text from the
 * table above) in ORDER BY and in the marker's row comparison, where the
 * subquery's own "f" is the marker's row. */
static void
flavor_list_sql(const struct flavor_sort *k, bool desc, char *sql, size_t size)
{
    const char *dir = desc ? "DESC" : "ASC";
    char cols[160], order[200];

    if (k->expr[1]) {
        snprintf(cols, sizeof(cols), "%s, %s", k->expr[0], k->expr[1]);
        snprintf(order, sizeof(order), "%s %s, %s %s", k->expr[0], dir, k->expr[1], dir);
    } else {
        snprintf(cols, sizeof(cols), "%s", k->expr[0]);
        snprintf(order, sizeof(order), "%s %s", k->expr[0], dir);
    }
    snprintf(sql, size,
             FLAVOR_COLS " WHERE" FLAVOR_VISIBLE("$1")
             " AND ($2::text IS NULL OR ($2 = 'private' AND NOT f.is_public)"
             "  OR ($2 = 'public' AND (f.is_public OR EXISTS (SELECT 1 FROM flavor_projects fp"
             "   WHERE fp.flavor_id = f.id AND fp.project_id = $3))))"
             " AND (NOT $4::boolean OR NOT f.disabled)"
             " AND ($5::numeric IS NULL OR f.memory_mb >= $5::numeric)"
             " AND ($6::numeric IS NULL OR f.root_gb >= $6::numeric)"
             " AND ($7::text IS NULL OR f.name ~ $7)"
             " AND ($8::text IS NULL OR (%s, f.id) %s"
             "  (SELECT %s, f.id FROM flavors f WHERE f.flavorid = $8))"
             " ORDER BY %s, f.id %s LIMIT $9::int",
             cols, desc ? "<" : ">", cols, order, dir);
}

int
db_flavor_list(struct db *db, const struct db_flavor_filter *f, struct db_flavor **out,
               int *n, struct err *err)
{
    static const char *const pub[] = { [DB_FLAVOR_PUBLIC] = "public",
                                       [DB_FLAVOR_PRIVATE] = "private",
                                       [DB_FLAVOR_ANY] = NULL };
    const struct flavor_sort *k = flavor_sort_find(f->sort_key ? f->sort_key : "flavorid");
    struct numbuf lim;
    const char *p[9] = { f->project, pub[f->public], f->access_project,
                         f->enabled_only ? "true" : "false", f->min_ram, f->min_disk,
                         f->name_regex, f->marker, num(&lim, f->limit) };
    char sql[2048];
    AUTO_PGRES PGresult *r = NULL;
    struct db_flavor *v;

    assert(k);          /* the API checked the key against Nova's list */
    flavor_list_sql(k, f->sort_desc, sql, sizeof(sql));
    if (!(r = db_query(db, sql, 9, p, err)))
        return -1;
    *n = PQntuples(r);
    if (!(v = calloc((size_t)(*n ? *n : 1), sizeof(*v))))
        fatalx("out of memory");
    for (int i = 0; i < *n; i++)
        flavor_read(r, i, &v[i]);
    *out = v;
    return 0;
}

int
db_flavor_projects(struct db *db, int flavor_db_id, char (**out)[NAME_LEN], int *n,
                   struct err *err)
{
    struct numbuf b;
    const char *p[1] = { num(&b, flavor_db_id) };
    AUTO_PGRES PGresult *r = db_query(db,
                                      "SELECT project_id FROM flavor_projects"
                                      " WHERE flavor_id = $1 ORDER BY project_id",
                                      1, p, err);
    char (*v)[NAME_LEN];

    if (!r)
        return -1;
    *n = PQntuples(r);
    if (!(v = calloc((size_t)(*n ? *n : 1), sizeof(*v))))
        fatalx("out of memory");
    for (int i = 0; i < *n; i++)
        row_cpy(r, i, "project_id", v[i], sizeof(v[i]));
    *out = v;
    return 0;
}

void
db_flavor_clear(struct db_flavor *f)
{
    if (!f)
        return;
    free(f->description);
    free(f->extra_specs);
    f->description = NULL;
    f->extra_specs = NULL;
}

void
db_flavor_list_free(struct db_flavor *v, int n)
{
    if (!v)
        return;
    for (int i = 0; i < n; i++)
        db_flavor_clear(&v[i]);
    free(v);
}
