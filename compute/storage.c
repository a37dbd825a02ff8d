/* storage.c - shared storage detection and block migration's disks. */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "compute/storage.h"

#define TEST_FILE_BYTES (1024 * 1024)

int
storage_test_file_create(struct compute *c, struct virt *v, const char *instance_uuid,
                         char *path, size_t size, struct err *err)
{
    snprintf(path, size, "%s/ferry-shared-storage-test-%s.tmp", c->cfg->instances_path,
             instance_uuid);
    /* a leftover of an earlier attempt would read as "shared": remove it */
    c->drv->delete_image(v, path, err);
    err_clear(err);
    return c->drv->create_image(v, path, "raw", TEST_FILE_BYTES, err);
}

void
storage_test_file_delete(struct compute *c, struct virt *v, const char *path)
{
    struct err err = ERR_INIT;

    if (c->drv->delete_image(v, path, &err) < 0)
        log_warnx("shared-storage test file not removed path=%s: %s", path, err.msg);
}

int
storage_local_disks(struct compute *c, struct virt *v, const char *instance_uuid,
                    struct msg_disks *out, struct err *err)
{
    struct virt_disk d[VIRT_MAX_DISKS];
    int n;

    memset(out, 0, sizeof(*out));
    if (c->drv->local_disks(v, instance_uuid, d, VIRT_MAX_DISKS, &n, err) < 0)
        return -1;
    for (int i = 0; i < n && i < MSG_MAX_DISKS; i++) {
        struct msg_disk *o = &out->d[out->n++];

        strlcpy0(o->target, d[i].target, sizeof(o->target));
        strlcpy0(o->path, d[i].path, sizeof(o->path));
        strlcpy0(o->format, d[i].format, sizeof(o->format));
        o->size = (int64_t)d[i].capacity;
        o->physical = (int64_t)d[i].physical;
        o->backing = d[i].backing;
    }
    return 0;
}

bool
storage_disks_equal(const struct msg_disks *a, const struct msg_disks *b)
{
    if (a->n != b->n)
        return false;
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->d[i].target, b->d[i].target) != 0 ||
            strcmp(a->d[i].path, b->d[i].path) != 0 ||
            strcmp(a->d[i].format, b->d[i].format) != 0 || a->d[i].size != b->d[i].size ||
            a->d[i].backing != b->d[i].backing)
            return false;
    return true;
}

int
storage_check_source(struct compute *c, struct virt *v, const char *instance_uuid,
                     const char *test_path, int block_migration,
                     struct msg_check_source_answer *out, struct err *err)
{
    bool shared = false;
    int block;

    msg_init(&msg_check_source_answer_codec, out);
    if (c->drv->image_exists(v, test_path, &shared, err) < 0 ||
        storage_local_disks(c, v, instance_uuid, &out->disks, err) < 0)
        return -1;
    block = block_migration < 0 ? !shared : block_migration;
    if (block && shared)
        return err_set(err, ERR_INVALID, "%s is not on local storage: Block migration can not "
                                         "be used with shared storage.", c->host);
    if (!block && !shared && out->disks.n > 0)
        return err_set(err, ERR_INVALID,
                       "%s is not on shared storage: Shared storage live-migration requires "
                       "either shared storage or boot-from-volume with no local disks.",
                       c->host);
    out->shared = shared;
    out->block_migration = block;
    return 0;
}

int
storage_create_disks(struct compute *c, struct virt *v, const struct msg_disks *disks,
                     struct msg_paths *created, struct err *err)
{
    memset(created, 0, sizeof(*created));
    for (int i = 0; i < disks->n; i++) {
        const struct msg_disk *d = &disks->d[i];
        const char *format = d->format[0] ? d->format : "qcow2";

        if (!d->path[0] || d->size <= 0)
            return err_set(err, ERR_INVALID, "malformed disk in the request");
        /* the same format as the source's; a backed image is copied whole
         * (the chain flattened), so its copy needs no backing file here */
        if (c->drv->create_image(v, d->path, format, (uint64_t)d->size, err) < 0)
            return err_prefix(err, "cannot create %s on %s", d->path, c->host);
        strlcpy0(created->p[created->n++], d->path, sizeof(created->p[0]));
        log_info("disk image created for a block migration path=%s format=%s size=%lld",
                 d->path, format, (long long)d->size);
    }
    return 0;
}

void
storage_delete_disks(struct compute *c, struct virt *v, const struct msg_paths *paths)
{
    for (int i = 0; i < paths->n; i++) {
        struct err err = ERR_INIT;

        if (c->drv->delete_image(v, paths->p[i], &err) < 0)
            log_warnx("image not removed path=%s: %s", paths->p[i], err.msg);
        else
            log_info("image removed path=%s", paths->p[i]);
    }
}
