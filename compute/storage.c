/* storage.c - shared storage detection and block migration's disks. */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
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
                    json_t **disks, struct err *err)
{
    struct virt_disk d[VIRT_MAX_DISKS];
    int n;

    if (c->drv->local_disks(v, instance_uuid, d, VIRT_MAX_DISKS, &n, err) < 0)
        return -1;
    *disks = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(*disks, json_pack("{s:s,s:s,s:s,s:I,s:I,s:b}", "target",
                                                d[i].target, "path", d[i].path, "format",
                                                d[i].format, "size", (json_int_t)d[i].capacity,
                                                "physical", (json_int_t)d[i].physical,
                                                "backing", d[i].backing));
    return 0;
}

int
storage_check_source(struct compute *c, struct virt *v, const char *instance_uuid,
                     const char *test_path, int block_migration, json_t **result,
                     struct err *err)
{
    json_t *disks = NULL;
    bool shared = false;
    int block;

    if (c->drv->image_exists(v, test_path, &shared, err) < 0 ||
        storage_local_disks(c, v, instance_uuid, &disks, err) < 0)
        return -1;
    block = block_migration < 0 ? !shared : block_migration;
    if (block && shared) {
        json_decref(disks);
        return err_set(err, ERR_INVALID, "%s is not on local storage: Block migration can not "
                                         "be used with shared storage.", c->host);
    }
    if (!block && !shared && json_array_size(disks) > 0) {
        json_decref(disks);
        return err_set(err, ERR_INVALID,
                       "%s is not on shared storage: Shared storage live-migration requires "
                       "either shared storage or boot-from-volume with no local disks.",
                       c->host);
    }
    *result = json_pack("{s:b,s:i,s:o}", "shared", shared, "block_migration", block, "disks",
                        disks);
    return 0;
}

int
storage_create_disks(struct compute *c, struct virt *v, json_t *disks, json_t **created,
                     struct err *err)
{
    size_t i;
    json_t *d;

    *created = json_array();
    json_array_foreach(disks, i, d) {
        const char *path = json_string_value(json_object_get(d, "path"));
        const char *format = json_string_value(json_object_get(d, "format"));
        json_int_t size = json_integer_value(json_object_get(d, "size"));

        if (!path || size <= 0)
            return err_set(err, ERR_INVALID, "malformed disk in the request");
        /* the same format as the source's; a backed image is copied whole
         * (the chain flattened), so its copy needs no backing file here */
        if (c->drv->create_image(v, path, format ? format : "qcow2", (uint64_t)size, err) < 0)
            return err_prefix(err, "cannot create %s on %s", path, c->host);
        json_array_append_new(*created, json_string(path));
        log_info("disk image created for a block migration path=%s format=%s size=%lld", path,
                 format ? format : "qcow2", (long long)size);
    }
    return 0;
}

void
storage_delete_disks(struct compute *c, struct virt *v, json_t *paths)
{
    size_t i;
    json_t *p;

    json_array_foreach(paths, i, p) {
        struct err err = ERR_INIT;
        const char *path = json_string_value(p);

        if (path && c->drv->delete_image(v, path, &err) < 0)
            log_warnx("image not removed path=%s: %s", path, err.msg);
        else if (path)
            log_info("image removed path=%s", path);
    }
}
