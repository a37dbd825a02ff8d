/* h_versions.c - version discovery documents (samples in versions/). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/mv.h"
#include "api/routes.h"
#include "common/log.h"

#define V20_UPDATED "2025-07-04T12:00:00Z"
#define V21_UPDATED "2013-07-23T11:33:21Z"

static json_t *
version_entry(const char *id, const char *status, const char *version, const char *min,
              const char *updated, const char *self)
{
    return json_pack("{s:s,s:[{s:s,s:s}],s:s,s:s,s:s,s:s}", "id", id, "links", "href", self,
                     "rel", "self", "status", status, "version", version, "min_version", min,
                     "updated", updated);
}

json_t *
versions_index(const struct cfg *cfg, const char *root_url)
{
    char v20[600], v21[600], max[16];

    snprintf(v20, sizeof(v20), "%s/v2/", root_url);
    snprintf(v21, sizeof(v21), "%s/v2.1/", root_url);
    mv_format(cfg->max_microversion, max, sizeof(max));
    return json_pack("{s:[o,o]}", "versions",
                     version_entry("v2.0", "DEPRECATED", "", "", V20_UPDATED, v20),
                     version_entry("v2.1", "CURRENT", max, "2.1", V21_UPDATED, v21));
}

/* The single-version document: id, links, media-types, status, version,
 * min_version, updated (the samples' key order). */
static json_t *
version_doc(const char *id, const char *status, const char *version, const char *min,
            const char *updated, const char *self, const char *media)
{
    return json_pack("{s:{s:s,s:[{s:s,s:s},{s:s,s:s,s:s}],s:[{s:s,s:s}],s:s,s:s,s:s,s:s}}",
                     "version", "id", id, "links", "href", self, "rel", "self", "href",
                     "http://docs.openstack.org/", "rel", "describedby", "type", "text/html",
                     "media-types", "base", "application/json", "type", media, "status",
                     status, "version", version, "min_version", min, "updated", updated);
}

json_t *
version_v21(const struct cfg *cfg, const char *root_url)
{
    char self[600], max[16];

    snprintf(self, sizeof(self), "%s/v2.1/", root_url);
    mv_format(cfg->max_microversion, max, sizeof(max));
    return version_doc("v2.1", "CURRENT", max, "2.1", V21_UPDATED, self,
                       "application/vnd.openstack.compute+json;version=2.1");
}

json_t *
version_v20(const char *root_url)
{
    char self[600];

    snprintf(self, sizeof(self), "%s/v2/", root_url);
    return version_doc("v2.0", "DEPRECATED", "", "", V20_UPDATED, self,
                       "application/vnd.openstack.compute+json;version=2");
}

/* 300 Multiple Choices for an unknown path at the root. */
json_t *
versions_choices(const struct cfg *cfg, const char *root_url, const char *path)
{
    /* the whole path, however long: a fixed buffer cut it inside a
     * character, jansson refused the text, and the 300 had no body */
    char *v20, *v21;
    json_t *body;

    (void)cfg;
    if (asprintf(&v20, "%s/v2%s", root_url, path) < 0 ||
        asprintf(&v21, "%s/v2.1%s", root_url, path) < 0)
        fatalx("out of memory");
    body = json_pack("{s:[{s:s,s:s,s:[{s:s,s:s}],s:[{s:s,s:s}]},"
                     "{s:s,s:s,s:[{s:s,s:s}],s:[{s:s,s:s}]}]}",
                     "choices", "id", "v2.0", "status", "DEPRECATED", "links", "href", v20,
                     "rel", "self", "media-types", "base", "application/json", "type",
                     "application/vnd.openstack.compute+json;version=2", "id", "v2.1",
                     "status", "CURRENT", "links", "href", v21, "rel", "self", "media-types",
                     "base", "application/json", "type",
                     "application/vnd.openstack.compute+json;version=2.1");
    free(v20);
    free(v21);
    return body;
}

/* GET /v2.1/ (authenticated, microversioned). */
int
h_version_root(struct ctx *c, struct resp *r, struct err *err)
{
    (void)err;
    r->body = c->legacy_v2 ? version_v20(c->root_url) : version_v21(c->cfg, c->root_url);
    return 0;
}
