/* msg.h - what crosses PostgreSQL between Ferry's processes, as C structs
 * with one codec.
 *
 * A host request (Nova's RPC call to a compute, carried by the
 * host_requests table) has a payload and an answer; each is a struct here,
 * and one table of fields per struct drives both the encoder and the
 * decoder, as cfg_opts[] drives the config.  Senders fill a struct and
 * encode it; receivers decode it and hold the struct: nobody else reads or
 * writes these JSON texts.
 *
 * Hosts are upgraded one at a time, so messages carry a version ("v") and
 * are decoded tolerantly: keys a reader does not know are ignored, keys it
 * misses keep their defaults (0, "", -1 for a tri-state, an empty list).
 * A value of the wrong JSON type, or a text or list too long for its
 * field, is an error (ERR_INVALID), never a silent cut.
 */
#ifndef FERRY_MSG_H
#define FERRY_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/util.h"

#define MSG_VERSION 1
#define MSG_MAX_DISKS 16

/* A local file disk of a guest, as the source reports it. */
struct msg_disk {
    char target[32];                /* vda */
    char path[512];
    char format[16];                /* qcow2, raw */
    int64_t size;                   /* virtual size, bytes */
    int64_t physical;               /* the file's bytes (Nova's data size) */
    bool backing;                   /* has a backing file: copied whole */
};

struct msg_disks {
    int n;
    struct msg_disk d[MSG_MAX_DISKS];
};

/* Image paths a destination made (and a rollback removes). */
struct msg_paths {
    int n;
    char p[MSG_MAX_DISKS][512];
};

/* What every host request says of its migration. */
struct msg_guest {
    char instance_uuid[UUID_STR_LEN];
    char request_id[64];            /* the instance action's */
    char domain_name[256];
};

/* check_destination (scheduler -> destination): can it take the guest? */
struct msg_check_dest {
    struct msg_guest g;
    int memory_mb;
    int vcpus;
    char source_host[256];
    char source_cpu_info[4096];     /* Nova's cpu_info JSON of the source host */
    int block_migration;            /* 1, 0, -1 = auto */
    char cpu_xml[8192];             /* the guest's <cpu>, "" when none */
};

/* ... and the destination's answer, with the source's (check_source). */
struct msg_check_dest_answer {
    bool shared;                    /* the instances path is shared storage */
    int block_migration;            /* "auto" resolved */
    struct msg_disks disks;         /* the source's local disks */
    char migration_addr[256];       /* where the data goes */
    int free_memory_mb;             /* by accounting */
};

/* check_source (destination -> source): is the test file seen there? */
struct msg_check_source {
    struct msg_guest g;
    char test_path[700];
    int block_migration;
};

struct msg_check_source_answer {
    bool shared;
    int block_migration;
    struct msg_disks disks;
};

/* pre_live_migration (worker -> destination): get ready. */
struct msg_pre_live {
    struct msg_guest g;
    int block_migration;
    struct msg_disks disks;         /* the images to create (block migration) */
};

struct msg_pre_live_answer {
    char target_connect_addr[256];
    int probe_port;                 /* its data-path probe (compute/probe.h), 0: none */
    struct msg_paths created;
};

/* post_live_migration_at_destination: did the guest arrive, what did it
 * cost?  The request is the guest alone. */
struct msg_post_live_answer {
    int power_state;                /* enum power_state */
    int64_t downtime_ms;            /* the completed job's, 0 when none */
    int64_t data_processed;
    int64_t time_elapsed_ms;
    int64_t resumed_at_ms;          /* the guest's last RESUMED event there */
};

/* rollback_live_migration_at_destination: undo pre_live_migration. */
struct msg_rollback {
    struct msg_guest g;
    struct msg_paths created;
};

struct msg_codec;

extern const struct msg_codec msg_guest_codec;  /* post_live_migration's request */
extern const struct msg_codec msg_check_dest_codec;
extern const struct msg_codec msg_check_dest_answer_codec;
extern const struct msg_codec msg_check_source_codec;
extern const struct msg_codec msg_check_source_answer_codec;
extern const struct msg_codec msg_pre_live_codec;
extern const struct msg_codec msg_pre_live_answer_codec;
extern const struct msg_codec msg_post_live_answer_codec;
extern const struct msg_codec msg_rollback_codec;
extern const struct msg_codec msg_disks_codec;  /* a bare disk list */

/* Fill msg (the codec's struct) with its defaults: what a decoder leaves in
 * the fields a message does not carry. */
void msg_init(const struct msg_codec *c, void *msg);

/* The message as compact JSON, malloc'd into *out; -1 out of memory. */
int msg_encode(const struct msg_codec *c, const void *msg, char **out, struct err *err);

/* Decode JSON text into msg (initialised first), tolerantly as above. */
int msg_decode(const struct msg_codec *c, const char *text, void *msg, struct err *err);

#endif
