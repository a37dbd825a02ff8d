/* msg.c - the host requests' codec: one field table per message (msg.h). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/msg.h"

enum msg_type {
    MT_STR,                         /* char[size] */
    MT_INT,                         /* int */
    MT_I64,                         /* int64_t */
    MT_BOOL,                        /* bool */
    MT_TRI,                         /* int: 1, 0, or -1 (absent, null) */
    MT_DISKS,                       /* struct msg_disks */
    MT_PATHS,                       /* struct msg_paths */
};

struct msg_field {
    const char *key;
    enum msg_type type;
    size_t off;
    size_t size;                    /* MT_STR: the buffer's */
};

struct msg_codec {
    const char *name;               /* for errors */
    const struct msg_field *fields; /* ends with a NULL key */
};

#define F(st, key, type, member) { key, type, offsetof(st, member), sizeof(((st *)0)->member) }
#define GUEST(st)                                                                    \
    F(st, "instance_uuid", MT_STR, g.instance_uuid),                                 \
    F(st, "request_id", MT_STR, g.request_id), F(st, "domain_name", MT_STR, g.domain_name)
#define END { NULL, MT_INT, 0, 0 }

struct msg_guest_only {
    struct msg_guest g;
};

static const struct msg_field guest_fields[] = { GUEST(struct msg_guest_only), END };

static const struct msg_field check_dest_fields[] = {
    GUEST(struct msg_check_dest),
    F(struct msg_check_dest, "memory_mb", MT_INT, memory_mb),
    F(struct msg_check_dest, "vcpus", MT_INT, vcpus),
    F(struct msg_check_dest, "source_host", MT_STR, source_host),
    F(struct msg_check_dest, "source_cpu_info", MT_STR, source_cpu_info),
    F(struct msg_check_dest, "block_migration", MT_TRI, block_migration),
    F(struct msg_check_dest, "cpu_xml", MT_STR, cpu_xml),
    END,
};

static const struct msg_field check_dest_answer_fields[] = {
    F(struct msg_check_dest_answer, "shared", MT_BOOL, shared),
    F(struct msg_check_dest_answer, "block_migration", MT_TRI, block_migration),
    F(struct msg_check_dest_answer, "disks", MT_DISKS, disks),
    F(struct msg_check_dest_answer, "migration_addr", MT_STR, migration_addr),
    F(struct msg_check_dest_answer, "free_memory_mb", MT_INT, free_memory_mb),
    END,
};

static const struct msg_field check_source_fields[] = {
    GUEST(struct msg_check_source),
    F(struct msg_check_source, "test_path", MT_STR, test_path),
    F(struct msg_check_source, "block_migration", MT_TRI, block_migration),
    END,
};

static const struct msg_field check_source_answer_fields[] = {
    F(struct msg_check_source_answer, "shared", MT_BOOL, shared),
    F(struct msg_check_source_answer, "block_migration", MT_TRI, block_migration),
    F(struct msg_check_source_answer, "disks", MT_DISKS, disks),
    END,
};

static const struct msg_field pre_live_fields[] = {
    GUEST(struct msg_pre_live),
    F(struct msg_pre_live, "block_migration", MT_TRI, block_migration),
    F(struct msg_pre_live, "disks", MT_DISKS, disks),
    END,
};

static const struct msg_field pre_live_answer_fields[] = {
    F(struct msg_pre_live_answer, "target_connect_addr", MT_STR, target_connect_addr),
    F(struct msg_pre_live_answer, "probe_port", MT_INT, probe_port),
    F(struct msg_pre_live_answer, "created", MT_PATHS, created),
    END,
};

static const struct msg_field post_live_answer_fields[] = {
    F(struct msg_post_live_answer, "power_state", MT_INT, power_state),
    F(struct msg_post_live_answer, "downtime_ms", MT_I64, downtime_ms),
    F(struct msg_post_live_answer, "data_processed", MT_I64, data_processed),
    F(struct msg_post_live_answer, "time_elapsed_ms", MT_I64, time_elapsed_ms),
    F(struct msg_post_live_answer, "resumed_at_ms", MT_I64, resumed_at_ms),
    END,
};

static const struct msg_field rollback_fields[] = {
    GUEST(struct msg_rollback),
    F(struct msg_rollback, "created", MT_PATHS, created),
    END,
};

struct msg_disks_only {
    struct msg_disks disks;
};

static const struct msg_field disks_fields[] = {
    F(struct msg_disks_only, "disks", MT_DISKS, disks),
    END,
};

const struct msg_codec msg_guest_codec = { "guest", guest_fields };
const struct msg_codec msg_check_dest_codec = { "check_destination", check_dest_fields };
const struct msg_codec msg_check_dest_answer_codec = { "check_destination's answer",
                                                       check_dest_answer_fields };
const struct msg_codec msg_check_source_codec = { "check_source", check_source_fields };
const struct msg_codec msg_check_source_answer_codec = { "check_source's answer",
                                                         check_source_answer_fields };
const struct msg_codec msg_pre_live_codec = { "pre_live_migration", pre_live_fields };
const struct msg_codec msg_pre_live_answer_codec = { "pre_live_migration's answer",
                                                     pre_live_answer_fields };
const struct msg_codec msg_post_live_answer_codec = { "post_live_migration's answer",
                                                      post_live_answer_fields };
const struct msg_codec msg_rollback_codec = { "rollback_live_migration", rollback_fields };
const struct msg_codec msg_disks_codec = { "disk list", disks_fields };

/* ---- encoding ---------------------------------------------------------- */

static json_t *
msg_disks_json(const struct msg_disks *ds)
{
    json_t *a = json_array();

    for (int i = 0; a && i < ds->n && i < MSG_MAX_DISKS; i++) {
        const struct msg_disk *d = &ds->d[i];

        json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:I,s:I,s:b}", "target", d->target,
                                           "path", d->path, "format", d->format, "size",
                                           (json_int_t)d->size, "physical",
                                           (json_int_t)d->physical, "backing", d->backing));
    }
    return a;
}

static json_t *
msg_field_json(const struct msg_field *f, const char *base)
{
    const void *p = base + f->off;
    const struct msg_paths *ps;
    json_t *a;

    switch (f->type) {
    case MT_STR: return json_string((const char *)p);
    case MT_INT: return json_integer(*(const int *)p);
    case MT_I64: return json_integer(*(const int64_t *)p);
    case MT_BOOL: return json_boolean(*(const bool *)p);
    case MT_TRI: return *(const int *)p < 0 ? json_null() : json_integer(*(const int *)p != 0);
    case MT_DISKS: return msg_disks_json(p);
    case MT_PATHS:
        ps = p;
        a = json_array();
        for (int i = 0; a && i < ps->n && i < MSG_MAX_DISKS; i++)
            json_array_append_new(a, json_string(ps->p[i]));
        return a;
    }
    return NULL;
}

int
msg_encode(const struct msg_codec *c, const void *msg, char **out, struct err *err)
{
    json_t *o = json_pack("{s:i}", "v", MSG_VERSION);

    *out = NULL;
    for (const struct msg_field *f = c->fields; o && f->key; f++) {
        json_t *v = msg_field_json(f, msg);

        if (!v || json_object_set_new(o, f->key, v) < 0) {
            json_decref(o);
            o = NULL;
        }
    }
    if (o)
        *out = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return *out ? 0 : err_set(err, ERR_INTERNAL, "out of memory encoding %s", c->name);
}

/* ---- decoding ---------------------------------------------------------- */

void
msg_init(const struct msg_codec *c, void *msg)
{
    for (const struct msg_field *f = c->fields; f->key; f++) {
        char *p = (char *)msg + f->off;

        memset(p, 0, f->type == MT_STR ? f->size
                     : f->type == MT_DISKS ? sizeof(struct msg_disks)
                     : f->type == MT_PATHS ? sizeof(struct msg_paths)
                     : f->type == MT_I64 ? sizeof(int64_t)
                     : f->type == MT_BOOL ? sizeof(bool)
                                          : sizeof(int));
        if (f->type == MT_TRI)
            *(int *)p = -1;
    }
}

static int
msg_str(const struct msg_codec *c, const char *key, json_t *v, char *out, size_t size,
        struct err *err)
{
    if (!json_is_string(v))
        return err_set(err, ERR_INVALID, "%s: %s is not a string", c->name, key);
    if (json_string_length(v) >= size)
        return err_set(err, ERR_INVALID, "%s: %s is longer than %zu bytes", c->name, key,
                       size - 1);
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

static int
msg_disks_read(const struct msg_codec *c, json_t *a, struct msg_disks *ds, struct err *err)
{
    size_t i;
    json_t *d;

    if (!json_is_array(a) || json_array_size(a) > MSG_MAX_DISKS)
        return err_set(err, ERR_INVALID, "%s: disks is not a list of at most %d", c->name,
                       MSG_MAX_DISKS);
    json_array_foreach(a, i, d) {
        struct msg_disk *o = &ds->d[i];
        json_t *size = json_object_get(d, "size"), *phys = json_object_get(d, "physical");

        memset(o, 0, sizeof(*o));
        if (!json_is_object(d))
            return err_set(err, ERR_INVALID, "%s: a disk is not an object", c->name);
        if (msg_str(c, "disk path", json_object_get(d, "path"), o->path, sizeof(o->path),
                    err) < 0)
            return -1;
        if (json_object_get(d, "target") &&
            msg_str(c, "disk target", json_object_get(d, "target"), o->target,
                    sizeof(o->target), err) < 0)
            return -1;
        if (json_object_get(d, "format") &&
            msg_str(c, "disk format", json_object_get(d, "format"), o->format,
                    sizeof(o->format), err) < 0)
            return -1;
        o->size = json_integer_value(size);
        o->physical = json_integer_value(phys);
        o->backing = json_is_true(json_object_get(d, "backing"));
    }
    ds->n = (int)json_array_size(a);
    return 0;
}

static int
msg_paths_read(const struct msg_codec *c, json_t *a, struct msg_paths *ps, struct err *err)
{
    size_t i;
    json_t *p;

    if (!json_is_array(a) || json_array_size(a) > MSG_MAX_DISKS)
        return err_set(err, ERR_INVALID, "%s: not a list of at most %d paths", c->name,
                       MSG_MAX_DISKS);
    json_array_foreach(a, i, p)
        if (msg_str(c, "path", p, ps->p[i], sizeof(ps->p[i]), err) < 0)
            return -1;
    ps->n = (int)json_array_size(a);
    return 0;
}

static int
msg_field_read(const struct msg_codec *c, const struct msg_field *f, json_t *v, char *base,
               struct err *err)
{
    void *p = base + f->off;

    switch (f->type) {
    case MT_STR: return msg_str(c, f->key, v, p, f->size, err);
    case MT_INT:
    case MT_I64:
        if (!json_is_integer(v))
            return err_set(err, ERR_INVALID, "%s: %s is not an integer", c->name, f->key);
        if (f->type == MT_INT)
            *(int *)p = (int)json_integer_value(v);
        else
            *(int64_t *)p = json_integer_value(v);
        return 0;
    case MT_BOOL:
        if (!json_is_boolean(v))
            return err_set(err, ERR_INVALID, "%s: %s is not a boolean", c->name, f->key);
        *(bool *)p = json_is_true(v);
        return 0;
    case MT_TRI:
        if (json_is_null(v))
            *(int *)p = -1;
        else if (json_is_integer(v) || json_is_boolean(v))
            *(int *)p = json_is_true(v) || (json_is_integer(v) && json_integer_value(v) != 0);
        else
            return err_set(err, ERR_INVALID, "%s: %s is not a tri-state", c->name, f->key);
        if (json_is_integer(v) && json_integer_value(v) < 0)
            *(int *)p = -1;
        return 0;
    case MT_DISKS: return msg_disks_read(c, v, p, err);
    case MT_PATHS: return msg_paths_read(c, v, p, err);
    }
    return err_set(err, ERR_INTERNAL, "%s: field %s of an unknown type", c->name, f->key);
}

int
msg_decode(const struct msg_codec *c, const char *text, void *msg, struct err *err)
{
    json_error_t jerr;
    json_t *o = json_loads(text ? text : "", 0, &jerr);
    int rc = 0;

    msg_init(c, msg);
    if (!json_is_object(o)) {
        json_decref(o);
        return err_set(err, ERR_INVALID, "%s: malformed message", c->name);
    }
    for (const struct msg_field *f = c->fields; rc == 0 && f->key; f++) {
        json_t *v = json_object_get(o, f->key);

        if (v)
            rc = msg_field_read(c, f, v, msg, err);
    }
    json_decref(o);
    return rc;
}
