/* cfg.c - the option table and its INI reader (inih). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>

#include "common/auto.h"
#include "common/cfg.h"
#include "common/log.h"

enum cfg_type { CFG_STR, CFG_INT, CFG_BOOL, CFG_FLOAT, CFG_ENUM, CFG_MV, CFG_DBURL };

struct cfg_opt {
    const char *section;
    const char *key;
    enum cfg_type type;
    size_t off;
    size_t size;            /* CFG_STR: buffer size */
    const char *def;
    long min, max;          /* CFG_INT, CFG_MV bounds */
    const char *choices;    /* CFG_ENUM: "a|b|c", stored as the index */
};

#define F(field) offsetof(struct cfg, field), sizeof(((struct cfg *)0)->field)
#define S(sec, key, field, def) { sec, key, CFG_STR, F(field), def, 0, 0, NULL }
#define I(sec, key, field, def, lo, hi) { sec, key, CFG_INT, F(field), def, lo, hi, NULL }
#define B(sec, key, field, def) { sec, key, CFG_BOOL, F(field), def, 0, 0, NULL }
#define D(sec, key, field, def) { sec, key, CFG_FLOAT, F(field), def, 0, 0, NULL }
#define E(sec, key, field, def, ch) { sec, key, CFG_ENUM, F(field), def, 0, 0, ch }

static const struct cfg_opt cfg_opts[] = {
    S("DEFAULT", "host", host, ""),
    S("DEFAULT", "my_ip", my_ip, "127.0.0.1"),
    S("DEFAULT", "osapi_compute_listen", api_listen, "127.0.0.1"),
    I("DEFAULT", "osapi_compute_listen_port", api_port, "8774", 1, 65535),
    I("DEFAULT", "max_concurrent_live_migrations", max_concurrent_lm, "1", 0, INT_MAX),
    I("DEFAULT", "service_down_time", service_down_time, "60", 1, INT_MAX),
    I("DEFAULT", "report_interval", report_interval, "10", 1, INT_MAX),
    I("DEFAULT", "migrate_max_retries", migrate_max_retries, "-1", -1, INT_MAX),
    I("DEFAULT", "rpc_response_timeout", rpc_response_timeout, "60", 1, INT_MAX),
    I("DEFAULT", "long_rpc_timeout", long_rpc_timeout, "1800", 1, INT_MAX),
    D("DEFAULT", "ram_allocation_ratio", ram_allocation_ratio, "1.0"),
    D("DEFAULT", "cpu_allocation_ratio", cpu_allocation_ratio, "4.0"),
    D("DEFAULT", "disk_allocation_ratio", disk_allocation_ratio, "1.0"),
    I("DEFAULT", "reserved_host_memory_mb", reserved_host_memory_mb, "512", 0, INT_MAX),
    S("DEFAULT", "instances_path", instances_path, "/var/lib/libvirt/images"),
    B("DEFAULT", "debug", debug, "false"),

    { "filter_scheduler", "ram_weight_multiplier", CFG_FLOAT, F(ram_weight_multiplier), "1.0",
      -1, 0, NULL },
    { "filter_scheduler", "io_ops_weight_multiplier", CFG_FLOAT, F(io_ops_weight_multiplier),
      "-1.0", -1, 0, NULL },
    I("filter_scheduler", "max_io_ops_per_host", max_io_ops_per_host, "8", 0, INT_MAX),

    E("api", "auth_strategy", auth_strategy, "noauth2", "noauth2|token"),
    I("api", "max_limit", max_limit, "1000", 1, INT_MAX),

    { "database", "connection", CFG_DBURL, F(db_connection),
      "host=127.0.0.1 dbname=ferry user=postgres", 0, 0, NULL },
    I("database", "max_pool_size", db_max_pool_size, "5", 1, 1000),
    I("database", "pool_timeout", db_pool_timeout, "30", 1, 3600),

    E("libvirt", "virt_type", virt_type, "kvm", "kvm|qemu"),
    S("libvirt", "connection_uri", connection_uri, "qemu:///system"),
    S("libvirt", "live_migration_uri", lm_uri, ""),
    S("libvirt", "live_migration_scheme", lm_scheme, "tcp"),
    S("libvirt", "live_migration_inbound_addr", lm_inbound_addr, ""),
    B("libvirt", "live_migration_tunnelled", lm_tunnelled, "false"),
    B("libvirt", "live_migration_with_native_tls", lm_native_tls, "false"),
    I("libvirt", "live_migration_bandwidth", lm_bandwidth, "0", 0, INT_MAX),
    I("libvirt", "live_migration_downtime", lm_downtime, "500", 100, INT_MAX),
    I("libvirt", "live_migration_downtime_steps", lm_downtime_steps, "10", 3, INT_MAX),
    I("libvirt", "live_migration_downtime_delay", lm_downtime_delay, "75", 3, INT_MAX),
    I("libvirt", "live_migration_completion_timeout", lm_completion_timeout, "800", 0,
      INT_MAX),
    E("libvirt", "live_migration_timeout_action", lm_timeout_action, "abort",
      "abort|force_complete"),
    B("libvirt", "live_migration_permit_post_copy", lm_permit_post_copy, "false"),
    B("libvirt", "live_migration_permit_auto_converge", lm_permit_auto_converge, "false"),
    I("libvirt", "live_migration_monitor_interval", lm_monitor_interval, "5", 1, INT_MAX),
    I("libvirt", "live_migration_parallel_connections", lm_parallel_connections, "1", 1,
      INT_MAX),

    I("oslo_middleware", "max_request_body_size", max_request_body_size, "114688", 1,
      INT_MAX),
    S("healthcheck", "disable_by_file_path", healthcheck_disable_path, ""),

    { "ferry", "max_microversion", CFG_MV, F(max_microversion), "2.96", 2001, 2104, NULL },
    S("ferry", "import_project_id", import_project_id, "admin"),
    S("ferry", "import_user_id", import_user_id, "admin"),
    S("ferry", "token_file", token_file, ""),
    I("ferry", "sample_interval_ms", sample_interval_ms, "500", 50, 60000),
    E("ferry", "migration_policy", migration_policy, "ferry", "nova|ferry"),
    I("ferry", "link_bandwidth_mib", link_bandwidth_mib, "0", 0, INT_MAX),
    I("ferry", "dirty_rate_interval", dirty_rate_interval, "10", 0, 3600),
    I("ferry", "link_stall_ms", link_stall_ms, "5000", 200, 600000),
    I("ferry", "precopy_stall_ms", precopy_stall_ms, "30000", 200, 600000),
    I("ferry", "postcopy_recover_timeout", postcopy_recover_timeout, "900", 1, 604800),
    I("ferry", "postcopy_probe_port", postcopy_probe_port, "49215", 0, 65535),
    I("ferry", "nova_policy_time_divisor", nova_policy_time_divisor, "1", 1, 3600),
    I("ferry", "api_workers", api_workers, "32", 1, 1024),
    I("ferry", "api_max_connections", api_max_connections, "4096", 16, 1000000),
    I("ferry", "api_max_connections_per_ip", api_max_connections_per_ip, "64", 0, 1000000),
    I("ferry", "api_request_timeout", api_request_timeout, "60", 1, 3600),
};

/* The virt_type choices are stored as text: the enum index is not useful. */
static bool
cfg_opt_enum_as_text(const struct cfg_opt *o)
{
    return o->type == CFG_ENUM && o->size > sizeof(int);
}

int
cfg_parse_mv(const char *s)
{
    char *end;
    long major, minor;

    if (!s || !isdigit((unsigned char)s[0]) || s[0] == '0')
        return -1;
    errno = 0;
    major = strtol(s, &end, 10);
    if (*end != '.' || errno || major > 99)
        return -1;
    s = end + 1;
    if (!isdigit((unsigned char)s[0]) || (s[0] == '0' && s[1] != '\0'))
        return -1;
    minor = strtol(s, &end, 10);
    if (*end != '\0' || errno || minor > 999)
        return -1;
    return (int)(major * 1000 + minor);
}

static int
cfg_parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = { "true", "1", "on", "yes" };
    static const char *const no[] = { "false", "0", "off", "no" };

    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

static int
cfg_parse_enum(const char *v, const char *choices)
{
    size_t n = strlen(v);
    int idx = 0;

    for (const char *p = choices; *p; idx++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);

        if (len == n && strncmp(p, v, n) == 0)
            return idx;
        if (!bar)
            break;
        p = bar + 1;
    }
    return -1;
}

/* Nova writes "postgresql+psycopg2://..."; libpq wants "postgresql://...". */
static int
cfg_parse_dburl(const char *v, char *out, size_t size)
{
    const char *rest;

    if (strncmp(v, "postgresql+", 11) == 0 && (rest = strstr(v, "://")) != NULL) {
        snprintf(out, size, "postgresql%s", rest);
        return 0;
    }
    if (strstr(v, "://") && strncmp(v, "postgresql://", 13) != 0 &&
        strncmp(v, "postgres://", 11) != 0)
        return -1;
    snprintf(out, size, "%s", v);
    return 0;
}

/* Store text value v into the field of o; -1 with a reason on a bad value. */
static int
cfg_set(struct cfg *cfg, const struct cfg_opt *o, const char *v, char *why, size_t whylen)
{
    char *base = (char *)cfg + o->off;
    char *end;
    long l;
    double d;
    int idx;

    switch (o->type) {
    case CFG_STR:
        if (strlen(v) >= o->size)
            return snprintf(why, whylen, "value longer than %zu bytes", o->size - 1), -1;
        memcpy(base, v, strlen(v) + 1);
        return 0;
    case CFG_DBURL:
        if (cfg_parse_dburl(v, base, o->size) < 0)
            return snprintf(why, whylen, "only PostgreSQL connections are supported"), -1;
        return 0;
    case CFG_INT:
        errno = 0;
        l = strtol(v, &end, 10);
        if (errno || *v == '\0' || *end != '\0')
            return snprintf(why, whylen, "'%s' is not an integer", v), -1;
        if (l < o->min || l > o->max)
            return snprintf(why, whylen, "%ld is outside [%ld, %ld]", l, o->min, o->max), -1;
        *(int *)base = (int)l;
        return 0;
    case CFG_FLOAT:
        errno = 0;
        d = strtod(v, &end);
        if (errno || *v == '\0' || *end != '\0' || (d < 0 && o->min >= 0))
            return snprintf(why, whylen, "'%s' is not a %snumber", v,
                            o->min >= 0 ? "non-negative " : ""), -1;
        *(double *)base = d;
        return 0;
    case CFG_BOOL:
        if (cfg_parse_bool(v, (bool *)base) < 0)
            return snprintf(why, whylen, "'%s' is not a boolean", v), -1;
        return 0;
    case CFG_ENUM:
        if ((idx = cfg_parse_enum(v, o->choices)) < 0)
            return snprintf(why, whylen, "'%s' is not one of %s", v, o->choices), -1;
        if (cfg_opt_enum_as_text(o))
            snprintf(base, o->size, "%s", v);
        else
            *(int *)base = idx;
        return 0;
    case CFG_MV:
        idx = cfg_parse_mv(v);
        if (idx < o->min || idx > o->max)
            return snprintf(why, whylen, "'%s' is not a microversion in [2.1, 2.104]", v),
                   -1;
        *(int *)base = idx;
        return 0;
    }
    return -1;
}

static const struct cfg_opt *
cfg_find(const char *section, const char *key)
{
    for (size_t i = 0; i < ARRAY_SIZE(cfg_opts); i++)
        if (strcasecmp(cfg_opts[i].section, section) == 0 &&
            strcmp(cfg_opts[i].key, key) == 0)
            return &cfg_opts[i];
    return NULL;
}

void
cfg_defaults(struct cfg *cfg)
{
    char why[256];

    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < ARRAY_SIZE(cfg_opts); i++)
        if (cfg_set(cfg, &cfg_opts[i], cfg_opts[i].def, why, sizeof(why)) < 0)
            fatalx("bad built-in default for [%s] %s: %s", cfg_opts[i].section,
                   cfg_opts[i].key, why);
    if (gethostname(cfg->host, sizeof(cfg->host)) < 0)
        snprintf(cfg->host, sizeof(cfg->host), "localhost");
}

struct cfg_load_ctx {
    struct cfg *cfg;
    char why[384];
};

/* oslo.config strips one pair of matching quotes around a value. */
static const char *
cfg_unquote(const char *v, char *buf, size_t size)
{
    size_t n = strlen(v);

    if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0] && n - 1 <= size) {
        memcpy(buf, v + 1, n - 2);
        buf[n - 2] = '\0';
        return buf;
    }
    return v;
}

static int
cfg_ini_handler(void *user, const char *section, const char *key, const char *value)
{
    struct cfg_load_ctx *ctx = user;
    const struct cfg_opt *o;
    char buf[CFG_STR_MAX];
    char why[256];

    if (ctx->why[0])
        return 1;           /* report only the first error */
    if (!key)
        return 1;           /* a bare [section] line */
    o = cfg_find(section, key);
    if (!o) {
        if (strcasecmp(section, "ferry") == 0) {
            snprintf(ctx->why, sizeof(ctx->why), "unknown option [ferry] %s", key);
            return 0;
        }
        log_info("ignoring option not implemented by ferry section=%s key=%s", section, key);
        return 1;
    }
    if (cfg_set(ctx->cfg, o, cfg_unquote(value, buf, sizeof(buf)), why, sizeof(why)) < 0) {
        snprintf(ctx->why, sizeof(ctx->why), "bad value for [%s] %s: %s", o->section, key,
                 why);
        return 0;
    }
    return 1;
}

int
cfg_load(struct cfg *cfg, const char *path, struct err *err)
{
    struct cfg_load_ctx ctx = { .cfg = cfg, .why = "" };
    int line = ini_parse(path, cfg_ini_handler, &ctx);

    if (line == -1)
        return err_set(err, ERR_INVALID, "%s: cannot open config file", path);
    if (line == -2)
        return err_set(err, ERR_INTERNAL, "%s: out of memory while parsing", path);
    if (line > 0)
        return err_set(err, ERR_INVALID, "%s:%d: %s", path, line,
                       ctx.why[0] ? ctx.why : "syntax error");
    return 0;
}

void
cfg_env(struct cfg *cfg)
{
    const char *v = getenv("FERRY_DATABASE_CONNECTION");

    if (v && *v && cfg_parse_dburl(v, cfg->db_connection, sizeof(cfg->db_connection)) < 0)
        fatalx("FERRY_DATABASE_CONNECTION: only PostgreSQL connections are supported");
}

void
cfg_print(const struct cfg *cfg, FILE *out)
{
    const char *section = "";
    const char *base = (const char *)cfg;

    for (size_t i = 0; i < ARRAY_SIZE(cfg_opts); i++) {
        const struct cfg_opt *o = &cfg_opts[i];
        const char *p = base + o->off;

        if (strcmp(section, o->section) != 0) {
            fprintf(out, "%s[%s]\n", i ? "\n" : "", o->section);
            section = o->section;
        }
        fprintf(out, "%s = ", o->key);
        switch (o->type) {
        case CFG_STR:
        case CFG_DBURL:
            fprintf(out, "%s\n", p);
            break;
        case CFG_INT:
            fprintf(out, "%d\n", *(const int *)p);
            break;
        case CFG_FLOAT:
            fprintf(out, "%g\n", *(const double *)p);
            break;
        case CFG_BOOL:
            fprintf(out, "%s\n", *(const bool *)p ? "true" : "false");
            break;
        case CFG_ENUM:
            if (cfg_opt_enum_as_text(o)) {
                fprintf(out, "%s\n", p);
            } else {
                const char *c = o->choices;
                for (int k = *(const int *)p; k > 0 && c; k--)
                    c = strchr(c, '|') ? strchr(c, '|') + 1 : NULL;
                fprintf(out, "%.*s\n", c ? (int)strcspn(c, "|") : 0, c ? c : "");
            }
            break;
        case CFG_MV:
            fprintf(out, "%d.%d\n", *(const int *)p / 1000, *(const int *)p % 1000);
            break;
        }
    }
}
