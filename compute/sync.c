/* sync.c - the domains libvirt has on this host become Ferry's instances.
 *
 * Identity comes from Nova's libvirt metadata element when the domain has
 * one (display name, owner, flavor), so guests created by Nova carry theirs
 * over; otherwise [ferry] import_project_id / import_user_id and a flavor
 * named after the domain's size.  A domain that is the target of an
 * incoming migration is not this host's yet and is skipped; an instance
 * owned by another host is never taken over here (its migration moves it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auto.h"
#include "common/log.h"
#include "compute/compute.h"
#include "compute/cpu.h"
#include "db/db.h"
#include "db/db_instance.h"

/* What to import of d into *in.  The CPU features its <cpu> requires are
 * read here, once, for the scheduler; a <cpu> that cannot be read (libvirt
 * wrote it, so hardly ever) is logged and requires none there: the
 * destination's own comparison of cpu_xml is the final word anyway. */
static void
sync_import_fill(const struct compute *c, const struct virt_domain *d,
                 struct db_instance *in)
{
    struct err err = ERR_INIT;

    memset(in, 0, sizeof(*in));
    strlcpy0(in->uuid, d->uuid, sizeof(in->uuid));
    strlcpy0(in->domain_name, d->name, sizeof(in->domain_name));
    in->power_state = d->power_state;
    in->memory_mb = d->memory_mb;
    in->vcpus = d->vcpus;
    strlcpy0(in->cpu_xml, d->cpu_xml, sizeof(in->cpu_xml));
    if (cpu_required_features(d->cpu_xml, &in->cpu_features, &err) < 0)
        log_warnx("cannot read the guest's CPU features, the scheduler will not pre-filter "
                  "on them instance=%s: %s", d->uuid, err.msg);
    if (d->nova.present) {
        strlcpy0(in->name, d->nova.display_name[0] ? d->nova.display_name : d->name,
                 sizeof(in->name));
        strlcpy0(in->project_id, d->nova.project_id[0] ? d->nova.project_id
                                                       : c->cfg->import_project_id,
                 sizeof(in->project_id));
        strlcpy0(in->user_id, d->nova.user_id[0] ? d->nova.user_id : c->cfg->import_user_id,
                 sizeof(in->user_id));
        if (d->nova.flavor_name[0])
            strlcpy0(in->flavor_name, d->nova.flavor_name, sizeof(in->flavor_name));
        if (d->nova.flavor_memory_mb > 0)
            in->memory_mb = d->nova.flavor_memory_mb;
        if (d->nova.flavor_vcpus > 0)
            in->vcpus = d->nova.flavor_vcpus;
        in->root_gb = d->nova.root_gb;
        in->ephemeral_gb = d->nova.ephemeral_gb;
        in->swap = d->nova.swap_mb;
    } else {
        strlcpy0(in->name, d->name, sizeof(in->name));
        strlcpy0(in->project_id, c->cfg->import_project_id, sizeof(in->project_id));
        strlcpy0(in->user_id, c->cfg->import_user_id, sizeof(in->user_id));
    }
    if (!in->flavor_name[0])
        snprintf(in->flavor_name, sizeof(in->flavor_name), "imported.%dm.%dc", in->memory_mb,
                 in->vcpus);
}

int
compute_sync(struct compute *c, struct db *db, struct virt *v, struct err *err)
{
    AUTOFREE struct virt_domain *doms = NULL;
    AUTOFREE const char **present = NULL;
    int n, np = 0;

    if (c->drv->list_domains(v, &doms, &n, err) < 0)
        return -1;
    if (!(present = calloc((size_t)(n ? n : 1), sizeof(*present))))
        fatalx("out of memory");
    for (int i = 0; i < n; i++) {
        struct db_instance in;
        bool created = false;

        if (doms[i].incoming)
            continue;
        present[np++] = doms[i].uuid;
        if (doms[i].unreadable)
            continue;               /* still there; its row stays as it was */
        sync_import_fill(c, &doms[i], &in);
        if (db_instance_import(db, c->host, c->node, &in, &created, err) < 0)
            return -1;
        if (created)
            log_info("instance imported instance=%s name=%s domain=%s project=%s host=%s",
                     in.uuid, in.name, in.domain_name, in.project_id, c->host);
    }
    return db_instance_mark_missing(db, c->host, present, np, err);
}
