/* storage.h - where a guest's disks live, and block migration's part in it.
 *
 * Nova's rules (check_can_live_migrate_source/destination): the destination
 * makes a test file in [DEFAULT] instances_path and the source looks for it;
 * seen means shared storage.  block_migration "auto" becomes "not shared";
 * true on shared storage, or false with local disks on unshared storage, is
 * refused with Nova's words.  For a block migration the destination creates
 * empty images of the source's local disks, in their format, before the job
 * (pre_live_migration) and removes them again on a rollback.  A disk with a
 * backing file is copied whole (VIR_MIGRATE_NON_SHARED_DISK): Nova rebuilds
 * the backing file from Glance's image at the destination and copies only
 * the top; Ferry has no image service, so it flattens the chain instead.
 */
#ifndef FERRY_STORAGE_H
#define FERRY_STORAGE_H

#include "common/msg.h"
#include "compute/compute.h"

/* Destination: make the shared-storage test file; path is filled in. */
int storage_test_file_create(struct compute *c, struct virt *v, const char *instance_uuid,
                             char *path, size_t size, struct err *err);

/* Destination: remove it again (best effort). */
void storage_test_file_delete(struct compute *c, struct virt *v, const char *path);

/* Source: decide.  *out: shared, block_migration (resolved), the disks;
 * ERR_INVALID with Nova's text when refused. */
int storage_check_source(struct compute *c, struct virt *v, const char *instance_uuid,
                         const char *test_path, int block_migration,
                         struct msg_check_source_answer *out, struct err *err);

/* Source: the guest's local disks (at most MSG_MAX_DISKS). */
int storage_local_disks(struct compute *c, struct virt *v, const char *instance_uuid,
                        struct msg_disks *out, struct err *err);

/* The same disks, in the same order, of the same sizes? */
bool storage_disks_equal(const struct msg_disks *a, const struct msg_disks *b);

/* Destination: create each disk's empty image; *created lists the paths
 * made (for a rollback), even on failure. */
int storage_create_disks(struct compute *c, struct virt *v, const struct msg_disks *disks,
                         struct msg_paths *created, struct err *err);

/* Destination: remove the images at these paths. */
void storage_delete_disks(struct compute *c, struct virt *v, const struct msg_paths *paths);

#endif
