/* virt_libvirt.c - the virt driver over libvirt: the only file that includes
 * libvirt.
 *
 * One struct virt wraps one virConnectPtr, used by one thread at a time.
 * Domains are looked up by uuid.  Every failure is reported once into *err:
 * libvirt's own message in err->msg (ours, such as "domain <uuid> not found",
 * where we know better), the libvirt call, error code and domain in
 * err->detail.  virGetLastError() is thread-local and reset by every libvirt
 * call, so each failure path saves it right after the call that failed.
 *
 * XML from libvirt (capabilities, domain XML, Nova's metadata element) is read
 * with libxml2 XPath; Nova's cpu_info JSON is built with jansson.
 *
 * A process-wide thread runs libvirt's default event loop, so that the
 * keepalive registered on every connection (5 s, 3 misses) notices a dead
 * libvirtd and later calls fail at once with ERR_UNAVAILABLE.
 */
#include <libgen.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/statvfs.h>

#include <jansson.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <libxml/xpath.h>

#include "common/auto.h"
#include "common/log.h"
#include "compute/virt.h"

#define NOVA_NS            "http://openstack.org/xmlns/libvirt/nova/1.1"
#define IMAGES_DIR         "/var/lib/libvirt/images"
#define KEEPALIVE_INTERVAL 5
#define KEEPALIVE_COUNT    3

#define LV_EVENT_DOMAINS 16

/* Lifecycle times heard on one connection, for the last few domains.  Its
 * own allocation: libvirt's event thread may still hold it after the
 * connection's owner deregistered, so libvirt frees it (lv_events_free). */
struct lv_events {
    pthread_mutex_t lock;
    unsigned next;                  /* the slot to reuse next */
    struct {
        char uuid[VIR_UUID_STRING_BUFLEN];
        struct virt_lifecycle t;
        int paused;                 /* -1 unknown (new process), 0 running, 1 paused */
    } dom[LV_EVENT_DOMAINS];
};

struct virt {
    virConnectPtr conn;
    bool local; /* the URI names no server: this machine's libvirtd */
    struct lv_events *events;       /* owned by libvirt's callback once registered */
    int events_cb;                  /* its callback id, -1 when none */
};

/* ---- errors ------------------------------------------------------------ */

static const struct {
    int lv;
    enum err_code code;
} lv_codes[] = {
    {VIR_ERR_NO_DOMAIN, ERR_NOT_FOUND},
    {VIR_ERR_NO_STORAGE_POOL, ERR_NOT_FOUND},
    {VIR_ERR_NO_STORAGE_VOL, ERR_NOT_FOUND},
    {VIR_ERR_OPERATION_INVALID, ERR_CONFLICT},
    {VIR_ERR_OPERATION_ABORTED, ERR_CONFLICT},
    {VIR_ERR_STORAGE_VOL_EXIST, ERR_CONFLICT},
    {VIR_ERR_NO_SUPPORT, ERR_NOT_SUPPORTED},
    {VIR_ERR_OPERATION_UNSUPPORTED, ERR_NOT_SUPPORTED},
    {VIR_ERR_ARGUMENT_UNSUPPORTED, ERR_NOT_SUPPORTED},
    {VIR_ERR_CONFIG_UNSUPPORTED, ERR_NOT_SUPPORTED},
    {VIR_ERR_XML_ERROR, ERR_INVALID},
    {VIR_ERR_XML_DETAIL, ERR_INVALID},
    {VIR_ERR_INVALID_ARG, ERR_INVALID},
    {VIR_ERR_MIGRATE_UNSAFE, ERR_INVALID},
    {VIR_ERR_NO_CONNECT, ERR_UNAVAILABLE},
    {VIR_ERR_INVALID_CONN, ERR_UNAVAILABLE},
    {VIR_ERR_AUTH_FAILED, ERR_UNAVAILABLE},
    {VIR_ERR_OPERATION_TIMEOUT, ERR_TIMEOUT},
};

/* Ferry's code for a libvirt error; a broken connection wins over the rest. */
static enum err_code
lv_code(const virError *e, bool conn_dead)
{
    size_t i;

    if (conn_dead || (e && (e->domain == VIR_FROM_RPC || e->domain == VIR_FROM_REMOTE)))
        return ERR_UNAVAILABLE;
    if (!e)
        return ERR_INTERNAL;
    for (i = 0; i < ARRAY_SIZE(lv_codes); i++) {
        if (lv_codes[i].lv == e->code)
            return lv_codes[i].code;
    }
    return ERR_INTERNAL;
}

/* Fill *err from a saved libvirt error e (may be NULL) for the failed call
 * `call`; msg is ours when not NULL, else libvirt's text. */
static int
lv_report(struct err *err, enum err_code code, const virError *e, const char *call, const char *msg)
{
    const char *lvmsg = e && e->message ? e->message : "";

    if (msg)
        err_set(err, code, "%s", msg);
    else if (*lvmsg)
        err_set(err, code, "%s", lvmsg);
    else
        err_set(err, code, "%s failed", call);
    if (msg && *lvmsg)
        err_detail(err, "%s code=%d domain=%d: %s", call, e->code, e->domain, lvmsg);
    else
        err_detail(err, "%s code=%d domain=%d", call, e ? e->code : 0, e ? e->domain : 0);
    return -1;
}

/* Report saved libvirt error e (may be NULL) of call `call`, made on v's
 * connection, with code (ERR_NONE: from e); uuid, when given, names the
 * domain for a "not found". */
static int
lv_fail_saved(struct virt *v, const char *uuid, const virError *e, const char *call,
              enum err_code code, struct err *err)
{
    char msg[128];

    if (code == ERR_NONE)
        code = lv_code(e, v && v->conn && virConnectIsAlive(v->conn) == 0);
    if (code == ERR_NOT_FOUND && uuid && e && e->code == VIR_ERR_NO_DOMAIN) {
        snprintf(msg, sizeof(msg), "domain %s not found", uuid);
        return lv_report(err, code, e, call, msg);
    }
    return lv_report(err, code, e, call, NULL);
}

/* Report the failure of libvirt call `call`, just made on v's connection. */
static int
lv_fail(struct virt *v, const char *uuid, const char *call, struct err *err)
{
    virErrorPtr e = virSaveLastError(); /* before any other libvirt call */

    lv_fail_saved(v, uuid, e, call, ERR_NONE, err);
    virFreeError(e);
    return -1;
}

/* The code of the calling thread's last libvirt error, 0 when none. */
static int
lv_last_code(void)
{
    virErrorPtr e = virGetLastError();

    return e ? e->code : 0;
}

static void
lv_quiet(void *opaque, virErrorPtr e)
{
    (void)opaque;
    (void)e;
}

/* ---- XML --------------------------------------------------------------- */

struct xq {
    xmlDocPtr doc;
    xmlXPathContextPtr ctx;
};

/* Parse xml (what names it in errors, reported with code bad: ERR_INTERNAL
 * for libvirt's own XML). */
static int
xq_open(struct xq *x, const char *xml, const char *what, enum err_code bad, struct err *err)
{
    x->ctx = NULL;
    x->doc = xmlReadMemory(xml, (int)strlen(xml), what, NULL,
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!x->doc)
        return err_set(err, bad, "cannot parse %s", what);
    x->ctx = xmlXPathNewContext(x->doc);
    if (!x->ctx) {
        xmlFreeDoc(x->doc);
        x->doc = NULL;
        return err_set(err, ERR_INTERNAL, "out of memory parsing %s", what);
    }
    return 0;
}

static void
xq_close(struct xq *x)
{
    xmlXPathFreeContext(x->ctx);
    xmlFreeDoc(x->doc);
    x->ctx = NULL;
    x->doc = NULL;
}

/* The string value of expr (relative to node, or the root when NULL) into
 * buf; "" when nothing matches.  Returns false when it did not fit. */
static bool
xq_str(struct xq *x, xmlNodePtr node, const char *expr, char *buf, size_t size)
{
    xmlXPathObjectPtr o;
    xmlChar *s = NULL;
    bool fits = true;

    x->ctx->node = node ? node : xmlDocGetRootElement(x->doc);
    o = xmlXPathEvalExpression(BAD_CAST expr, x->ctx);
    if (o)
        s = xmlXPathCastToString(o);
    if (s && strlen((const char *)s) >= size)
        fits = false;
    strlcpy0(buf, s ? (const char *)s : "", size);
    xmlFree(s);
    xmlXPathFreeObject(o);
    return fits;
}

static int
xq_int(struct xq *x, xmlNodePtr node, const char *expr)
{
    char buf[32];

    xq_str(x, node, expr, buf, sizeof(buf));
    return (int)strtol(buf, NULL, 10);
}

/* The node set matching expr (*n nodes); free it with xmlXPathFreeObject. */
static xmlXPathObjectPtr
xq_nodes(struct xq *x, xmlNodePtr node, const char *expr, int *n)
{
    xmlXPathObjectPtr o;

    x->ctx->node = node ? node : xmlDocGetRootElement(x->doc);
    o = xmlXPathEvalExpression(BAD_CAST expr, x->ctx);
    *n = o && o->type == XPATH_NODESET && o->nodesetval ? o->nodesetval->nodeNr : 0;
    return o;
}

/* The first node matching expr serialised, malloc'd into *out (NULL when
 * nothing matches). */
static int
xq_dump(struct xq *x, const char *expr, char **out, struct err *err)
{
    xmlXPathObjectPtr o;
    xmlBufferPtr b = NULL;
    int n, rc = 0;

    *out = NULL;
    o = xq_nodes(x, NULL, expr, &n);
    if (n > 0) {
        b = xmlBufferCreate();
        if (!b || xmlNodeDump(b, x->doc, o->nodesetval->nodeTab[0], 0, 0) < 0 ||
            !(*out = strdup((const char *)xmlBufferContent(b))))
            rc = err_set(err, ERR_INTERNAL, "cannot serialise %s", expr);
        xmlBufferFree(b);
    }
    xmlXPathFreeObject(o);
    return rc;
}

/* ---- connection -------------------------------------------------------- */

static pthread_once_t lv_once = PTHREAD_ONCE_INIT;
static int lv_init_rc;

static void *
lv_event_loop(void *arg)
{
    (void)arg;
    for (;;) {
        if (virEventRunDefaultImpl() < 0) {
            log_warnx("libvirt event loop iteration failed");
            sleep_ms(1000);
        }
    }
    return NULL;
}

/* Once per process: libvirt and libxml2 set-up, quiet errors, the event
 * loop thread that drives keepalive. */
static void
lv_init_once(void)
{
    pthread_attr_t attr;
    pthread_t tid;

    xmlInitParser();
    if (virInitialize() < 0 || virEventRegisterDefaultImpl() < 0) {
        lv_init_rc = -1;
        return;
    }
    virSetErrorFunc(NULL, lv_quiet);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&tid, &attr, lv_event_loop, NULL) != 0)
        lv_init_rc = -1;
    pthread_attr_destroy(&attr);
}

static bool
lv_uri_is_local(const char *uri)
{
    xmlURIPtr u = xmlParseURI(uri);
    bool local = !u || !u->server || !*u->server;

    xmlFreeURI(u);
    return local;
}

/* ---- lifecycle events --------------------------------------------------- */

static void
lv_events_free(void *opaque)
{
    struct lv_events *ev = opaque;

    pthread_mutex_destroy(&ev->lock);
    free(ev);
}

/* libvirt's event thread: note when a domain paused or resumed.  Only the
 * first event of a pause or of a run counts: a post-copy's source hears
 * SUSPENDED twice (migrated, post-copy) and its destination RESUMED twice,
 * when the guest runs there (post-copy) and again when the last page has
 * arrived (migrated), seconds later on a slow link; the downtime ends at
 * the first.  STARTED is a new process: its first pause or run counts. */
static int
lv_lifecycle_cb(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
    struct lv_events *ev = opaque;
    char uuid[VIR_UUID_STRING_BUFLEN];
    int64_t now = wall_us() / 1000;
    int paused;
    unsigned i;

    (void)conn;
    (void)detail;
    if ((event != VIR_DOMAIN_EVENT_SUSPENDED && event != VIR_DOMAIN_EVENT_RESUMED &&
         event != VIR_DOMAIN_EVENT_STARTED) || virDomainGetUUIDString(dom, uuid) < 0)
        return 0;
    pthread_mutex_lock(&ev->lock);
    for (i = 0; i < LV_EVENT_DOMAINS && strcmp(ev->dom[i].uuid, uuid) != 0; i++)
        ;
    if (i == LV_EVENT_DOMAINS) {
        i = ev->next++ % LV_EVENT_DOMAINS;
        strlcpy0(ev->dom[i].uuid, uuid, sizeof(ev->dom[i].uuid));
        memset(&ev->dom[i].t, 0, sizeof(ev->dom[i].t));
        ev->dom[i].paused = -1;
    }
    paused = event == VIR_DOMAIN_EVENT_SUSPENDED;
    if (event == VIR_DOMAIN_EVENT_STARTED)
        ev->dom[i].paused = -1;
    else if (ev->dom[i].paused != paused) {
        if (paused)
            ev->dom[i].t.suspended_ms = now;
        else
            ev->dom[i].t.resumed_ms = now;
        ev->dom[i].paused = paused;
    }
    pthread_mutex_unlock(&ev->lock);
    return 0;
}

/* Listen to every domain's lifecycle events on v's connection. */
static int
lv_events_listen(struct virt *v, struct err *err)
{
    struct lv_events *ev = calloc(1, sizeof(*ev));

    v->events_cb = -1;
    if (!ev)
        return err_set(err, ERR_INTERNAL, "out of memory");
    pthread_mutex_init(&ev->lock, NULL);
    v->events_cb = virConnectDomainEventRegisterAny(v->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                    VIR_DOMAIN_EVENT_CALLBACK(lv_lifecycle_cb),
                                                    ev, lv_events_free);
    if (v->events_cb < 0) {
        lv_events_free(ev);
        return lv_fail(v, NULL, "virConnectDomainEventRegisterAny", err);
    }
    v->events = ev;     /* freed by libvirt when the callback goes */
    return 0;
}

static int
lv_lifecycle(struct virt *v, const char *uuid, struct virt_lifecycle *out, struct err *err)
{
    (void)err;
    memset(out, 0, sizeof(*out));
    if (!v->events)
        return 0;
    pthread_mutex_lock(&v->events->lock);
    for (unsigned i = 0; i < LV_EVENT_DOMAINS; i++)
        if (strcasecmp(v->events->dom[i].uuid, uuid) == 0)
            *out = v->events->dom[i].t;
    pthread_mutex_unlock(&v->events->lock);
    return 0;
}

/* ---- open and close ------------------------------------------------------ */

static int
lv_open(const char *uri, struct virt **out, struct err *err)
{
    AUTOFREE struct virt *v = NULL;

    pthread_once(&lv_once, lv_init_once);
    if (lv_init_rc < 0)
        return lv_fail(NULL, NULL, "virInitialize", err);
    v = calloc(1, sizeof(*v));
    if (!v)
        return err_set(err, ERR_INTERNAL, "out of memory");
    v->conn = virConnectOpen(uri);
    if (!v->conn)
        return lv_fail(NULL, NULL, "virConnectOpen", err);
    virConnSetErrorFunc(v->conn, NULL, lv_quiet);
    /* 1 means the peer has no keepalive support: still a usable connection */
    if (virConnectSetKeepAlive(v->conn, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT) < 0) {
        lv_fail(v, NULL, "virConnectSetKeepAlive", err);
        virConnectClose(v->conn);
        return -1;
    }
    v->local = lv_uri_is_local(uri);
    if (lv_events_listen(v, err) < 0) {
        virConnectClose(v->conn);
        return -1;
    }
    log_debug("libvirt connected uri=%s", uri);
    *out = TAKE(&v);
    return 0;
}

static void
lv_close(struct virt *v)
{
    if (!v)
        return;
    if (v->conn && v->events_cb >= 0)
        virConnectDomainEventDeregisterAny(v->conn, v->events_cb);
    if (v->conn)
        virConnectClose(v->conn);
    free(v);
}

/* ---- host -------------------------------------------------------------- */

/* Capabilities XML, parsed into *x. */
static int
lv_caps_open(struct virt *v, struct xq *x, struct err *err)
{
    AUTOFREE char *caps = virConnectGetCapabilities(v->conn);

    if (!caps)
        return lv_fail(v, NULL, "virConnectGetCapabilities", err);
    return xq_open(x, caps, "capabilities", ERR_INTERNAL, err);
}

/* Disk for instance images, in GiB: statvfs of IMAGES_DIR on a local
 * connection; for a remote one the capacity of an active pool whose target
 * is IMAGES_DIR, else 0 (this machine's directory is not the host's). */
static int
lv_local_gb(struct virt *v)
{
    struct statvfs st;
    virStoragePoolPtr pool;
    virStoragePoolInfo info;
    int gb = 0;

    if (v->local)
        return statvfs(IMAGES_DIR, &st) == 0 ? (int)((uint64_t)st.f_blocks * st.f_frsize >> 30) : 0;
    pool = virStoragePoolLookupByTargetPath(v->conn, IMAGES_DIR);
    if (!pool)
        return 0;
    if (virStoragePoolIsActive(pool) == 1 && virStoragePoolGetInfo(pool, &info) == 0)
        gb = (int)(info.capacity >> 30);
    virStoragePoolFree(pool);
    return gb;
}

static int
lv_host_basics(struct virt *v, struct virt_host_info *out, struct err *err)
{
    AUTOFREE char *hostname = NULL;
    virNodeInfo ni;
    unsigned long long free_bytes;
    unsigned long hv = 0, lib = 0;
    const char *type;

    if (!(hostname = virConnectGetHostname(v->conn)))
        return lv_fail(v, NULL, "virConnectGetHostname", err);
    strlcpy0(out->hostname, hostname, sizeof(out->hostname));
    if (virNodeGetInfo(v->conn, &ni) < 0)
        return lv_fail(v, NULL, "virNodeGetInfo", err);
    out->memory_mb = (int)(ni.memory / 1024);
    out->vcpus = (int)ni.cpus;
    free_bytes = virNodeGetFreeMemory(v->conn);
    if (free_bytes == 0 && lv_last_code() != 0)
        return lv_fail(v, NULL, "virNodeGetFreeMemory", err);
    out->free_memory_mb = (int)(free_bytes >> 20);
    if (!(type = virConnectGetType(v->conn)))
        return lv_fail(v, NULL, "virConnectGetType", err);
    strlcpy0(out->hypervisor_type, type, sizeof(out->hypervisor_type));
    if (virConnectGetVersion(v->conn, &hv) < 0)
        return lv_fail(v, NULL, "virConnectGetVersion", err);
    if (virConnectGetLibVersion(v->conn, &lib) < 0)
        return lv_fail(v, NULL, "virConnectGetLibVersion", err);
    out->hypervisor_version = (int64_t)hv;
    out->libvirt_version = (int64_t)lib;
    out->local_gb = lv_local_gb(v);
    return 0;
}

static json_t *
json_str_or_null(const char *s)
{
    return *s ? json_string(s) : json_null();
}

/* Nova's cpu_info (LibvirtDriver._get_cpu_info()), built from the parsed
 * capabilities: arch, model, vendor, topology, maxphysaddr (when the host
 * reports it, as Nova does), features.  Also fills cpu_features. */
static int
lv_cpu_info(struct xq *x, struct virt_host_info *out, struct err *err)
{
    json_auto_t *info = json_object();
    json_t *topo = json_object(), *feats = json_array(), *mpa;
    xmlXPathObjectPtr o;
    AUTOFREE char *dump = NULL;
    char name[128], mode[32];
    size_t len = 0;
    bool too_long = false;
    int i, n, cells;

    json_object_set_new(info, "arch", json_str_or_null(out->cpu_arch));
    json_object_set_new(info, "model", json_str_or_null(out->cpu_model));
    json_object_set_new(info, "vendor", json_str_or_null(out->cpu_vendor));
    /* Nova counts host/topology/cells/cell, 1 when there is no topology */
    cells = xq_int(x, NULL, "count(/capabilities/host/topology/cells/cell)");
    json_object_set_new(topo, "cells", json_integer(cells > 0 ? cells : 1));
    json_object_set_new(topo, "sockets",
                        json_integer(xq_int(x, NULL, "/capabilities/host/cpu/topology/@sockets")));
    json_object_set_new(topo, "cores",
                        json_integer(xq_int(x, NULL, "/capabilities/host/cpu/topology/@cores")));
    json_object_set_new(topo, "threads",
                        json_integer(xq_int(x, NULL, "/capabilities/host/cpu/topology/@threads")));
    json_object_set_new(info, "topology", topo);
    xq_str(x, NULL, "/capabilities/host/cpu/maxphysaddr/@mode", mode, sizeof(mode));
    if (*mode) {
        mpa = json_object();
        json_object_set_new(mpa, "mode", json_string(mode));
        json_object_set_new(
            mpa, "bits", json_integer(xq_int(x, NULL, "/capabilities/host/cpu/maxphysaddr/@bits")));
        json_object_set_new(info, "maxphysaddr", mpa);
    }
    out->cpu_features[0] = '\0';
    o = xq_nodes(x, NULL, "/capabilities/host/cpu/feature", &n);
    for (i = 0; i < n; i++) {
        xq_str(x, o->nodesetval->nodeTab[i], "@name", name, sizeof(name));
        json_array_append_new(feats, json_string(name));
        if (len + (i ? 1 : 0) + strlen(name) < sizeof(out->cpu_features))
            len += (size_t)snprintf(out->cpu_features + len, sizeof(out->cpu_features) - len,
                                    "%s%s", i ? "," : "", name);
        else
            too_long = true;
    }
    xmlXPathFreeObject(o);
    json_object_set_new(info, "features", feats);
    if (too_long)
        return err_set(err, ERR_INTERNAL, "host cpu feature list is longer than %zu bytes",
                       sizeof(out->cpu_features) - 1);
    /* Python's json.dumps() separators, as Nova stores it */
    dump = json_dumps(info, JSON_PRESERVE_ORDER);
    if (!dump || strlen(dump) >= sizeof(out->cpu_info))
        return err_set(err, ERR_INTERNAL, "host cpu_info is longer than %zu bytes",
                       sizeof(out->cpu_info) - 1);
    strlcpy0(out->cpu_info, dump, sizeof(out->cpu_info));
    return 0;
}

static int
lv_host_info(struct virt *v, struct virt_host_info *out, struct err *err)
{
    struct xq x;
    int rc;

    memset(out, 0, sizeof(*out));
    if (lv_host_basics(v, out, err) < 0 || lv_caps_open(v, &x, err) < 0)
        return -1;
    xq_str(&x, NULL, "/capabilities/host/cpu/arch", out->cpu_arch, sizeof(out->cpu_arch));
    xq_str(&x, NULL, "/capabilities/host/cpu/model", out->cpu_model, sizeof(out->cpu_model));
    xq_str(&x, NULL, "/capabilities/host/cpu/vendor", out->cpu_vendor, sizeof(out->cpu_vendor));
    rc = lv_cpu_info(&x, out, err);
    xq_close(&x);
    return rc;
}

/* ---- domains ----------------------------------------------------------- */

/* The domain with this uuid; ERR_NOT_FOUND "domain <uuid> not found". */
static virDomainPtr
lv_dom(struct virt *v, const char *uuid, struct err *err)
{
    virDomainPtr dom = virDomainLookupByUUIDString(v->conn, uuid);
    int code;

    if (dom)
        return dom;
    code = lv_last_code();
    if (code == VIR_ERR_NO_DOMAIN || code == VIR_ERR_INVALID_ARG) {
        err_set(err, ERR_NOT_FOUND, "domain %s not found", uuid);
        err_detail(err, "virDomainLookupByUUIDString code=%d", code);
    } else {
        lv_fail(v, uuid, "virDomainLookupByUUIDString", err);
    }
    return NULL;
}

/* Nova's power states by virDomainState. */
static const int nova_power_state[] = {
    [VIR_DOMAIN_NOSTATE] = POWER_NOSTATE,    [VIR_DOMAIN_RUNNING] = POWER_RUNNING,
    [VIR_DOMAIN_BLOCKED] = POWER_RUNNING,    [VIR_DOMAIN_PAUSED] = POWER_PAUSED,
    [VIR_DOMAIN_SHUTDOWN] = POWER_SHUTDOWN,  [VIR_DOMAIN_SHUTOFF] = POWER_SHUTDOWN,
    [VIR_DOMAIN_CRASHED] = POWER_CRASHED,    [VIR_DOMAIN_PMSUSPENDED] = POWER_SUSPENDED,
};

/* Is dom the target of a migration in flight?  On the destination the
 * domain is transient, "paused (starting up)" while QEMU starts with
 * -incoming, then "paused (migrating)" until the last phase, or "running
 * (post-copy)" once post-copy has started.  A plain start also passes
 * through "starting up", and the source is "paused (migrating)" in its
 * stop-and-copy phase, so the job decides: the destination's job refuses
 * statistics ("available only on the source host"), the source's says
 * "migration out". */
static bool
lv_dom_incoming(virDomainPtr dom, int state, int reason, bool persistent)
{
    virTypedParameterPtr params = NULL;
    int type, n = 0, op = 0;
    bool migrating, starting, incoming;

    migrating = (state == VIR_DOMAIN_PAUSED && reason == VIR_DOMAIN_PAUSED_MIGRATION) ||
                (state == VIR_DOMAIN_RUNNING && reason == VIR_DOMAIN_RUNNING_POSTCOPY) ||
                (state == VIR_DOMAIN_RUNNING && reason == VIR_DOMAIN_RUNNING_POSTCOPY_FAILED);
    starting = state == VIR_DOMAIN_PAUSED && reason == VIR_DOMAIN_PAUSED_STARTING_UP && !persistent;
    if (!migrating && !starting)
        return false;
    if (virDomainGetJobStats(dom, &type, &params, &n, 0) < 0)
        return lv_last_code() == VIR_ERR_OPERATION_UNSUPPORTED || (migrating && !persistent);
    if (virTypedParamsGetInt(params, n, VIR_DOMAIN_JOB_OPERATION, &op) == 1)
        incoming = op == VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN;
    else
        incoming = migrating && !persistent;
    virTypedParamsFree(params, n);
    return incoming;
}

/* Fill the owner's id: the uuid attribute (Nova's user/project id), else the
 * element's text (Nova puts the name there). */
static void
nova_owner_id(struct xq *x, const char *elem, char *buf, size_t size)
{
    char expr[96];

    snprintf(expr, sizeof(expr), "/instance/owner/%s/@uuid", elem);
    xq_str(x, NULL, expr, buf, size);
    if (!*buf) {
        snprintf(expr, sizeof(expr), "/instance/owner/%s", elem);
        xq_str(x, NULL, expr, buf, size);
    }
}

/* Nova's metadata element, if the domain has one.  libvirt hands it back
 * stripped of its namespace (<instance><name>...), hence the bare paths. */
static int
lv_dom_nova(struct virt *v, virDomainPtr dom, const char *uuid, struct virt_nova_meta *m,
            struct err *err)
{
    AUTOFREE char *xml = NULL;
    struct xq x;

    memset(m, 0, sizeof(*m));
    xml = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, NOVA_NS, 0);
    if (!xml) {
        if (lv_last_code() == VIR_ERR_NO_DOMAIN_METADATA)
            return 0;
        return lv_fail(v, uuid, "virDomainGetMetadata", err);
    }
    if (xq_open(&x, xml, "nova metadata", ERR_INTERNAL, err) < 0)
        return -1;
    m->present = true;
    xq_str(&x, NULL, "/instance/name", m->display_name, sizeof(m->display_name));
    nova_owner_id(&x, "user", m->user_id, sizeof(m->user_id));
    nova_owner_id(&x, "project", m->project_id, sizeof(m->project_id));
    xq_str(&x, NULL, "/instance/flavor/@name", m->flavor_name, sizeof(m->flavor_name));
    m->flavor_memory_mb = xq_int(&x, NULL, "/instance/flavor/memory");
    m->flavor_vcpus = xq_int(&x, NULL, "/instance/flavor/vcpus");
    m->root_gb = xq_int(&x, NULL, "/instance/flavor/disk");
    m->ephemeral_gb = xq_int(&x, NULL, "/instance/flavor/ephemeral");
    m->swap_mb = xq_int(&x, NULL, "/instance/flavor/swap");
    xq_close(&x);
    return 0;
}

/* The domain's XML (live for a running one), parsed into *x. */
static int
lv_dom_xml(struct virt *v, virDomainPtr dom, const char *uuid, struct xq *x, struct err *err)
{
    AUTOFREE char *xml = virDomainGetXMLDesc(dom, 0);

    if (!xml)
        return lv_fail(v, uuid, "virDomainGetXMLDesc", err);
    return xq_open(x, xml, "domain XML", ERR_INTERNAL, err);
}

static int
lv_dom_fill(struct virt *v, virDomainPtr dom, struct virt_domain *out, struct err *err)
{
    AUTOFREE char *cpu = NULL;
    virDomainInfo info;
    struct xq x;
    int state, reason, persistent, rc;

    memset(out, 0, sizeof(*out));
    if (virDomainGetUUIDString(dom, out->uuid) < 0)
        return lv_fail(v, NULL, "virDomainGetUUIDString", err);
    strlcpy0(out->name, virDomainGetName(dom), sizeof(out->name));
    if (virDomainGetState(dom, &state, &reason, 0) < 0)
        return lv_fail(v, out->uuid, "virDomainGetState", err);
    if ((persistent = virDomainIsPersistent(dom)) < 0)
        return lv_fail(v, out->uuid, "virDomainIsPersistent", err);
    if (virDomainGetInfo(dom, &info) < 0)
        return lv_fail(v, out->uuid, "virDomainGetInfo", err);
    out->power_state =
        state >= 0 && (size_t)state < ARRAY_SIZE(nova_power_state) ? nova_power_state[state]
                                                                  : POWER_NOSTATE;
    /* QEMU starts with its CPUs stopped and libvirt resumes them a moment
     * later: "paused (starting up)" is a guest on its way to running, not
     * one somebody paused (a guest started paused ends "paused (user)") */
    if (state == VIR_DOMAIN_PAUSED && reason == VIR_DOMAIN_PAUSED_STARTING_UP)
        out->power_state = nova_power_state[VIR_DOMAIN_RUNNING];
    out->persistent = persistent == 1;
    out->incoming = lv_dom_incoming(dom, state, reason, out->persistent);
    out->postcopy_failed =
        (state == VIR_DOMAIN_PAUSED && reason == VIR_DOMAIN_PAUSED_POSTCOPY_FAILED) ||
        (state == VIR_DOMAIN_RUNNING && reason == VIR_DOMAIN_RUNNING_POSTCOPY_FAILED);
    out->memory_mb = (int)(info.memory / 1024);
    out->vcpus = info.nrVirtCpu;
    if (lv_dom_nova(v, dom, out->uuid, &out->nova, err) < 0 ||
        lv_dom_xml(v, dom, out->uuid, &x, err) < 0)
        return -1;
    rc = xq_dump(&x, "/domain/cpu", &cpu, err);
    xq_close(&x);
    if (rc == 0 && cpu && strlen(cpu) >= sizeof(out->cpu_xml))
        return err_set(err, ERR_INTERNAL, "the <cpu> of domain %s is longer than %zu bytes",
                       out->uuid, sizeof(out->cpu_xml) - 1);
    strlcpy0(out->cpu_xml, cpu, sizeof(out->cpu_xml));
    return rc;
}

static int
lv_list_domains(struct virt *v, struct virt_domain **out, int *n, struct err *err)
{
    virDomainPtr *doms = NULL;
    AUTOFREE struct virt_domain *list = NULL;
    int i, ndoms, k = 0, rc = 0;

    ndoms = virConnectListAllDomains(v->conn, &doms, 0);
    if (ndoms < 0)
        return lv_fail(v, NULL, "virConnectListAllDomains", err);
    list = calloc(ndoms > 0 ? (size_t)ndoms : 1, sizeof(*list));
    if (!list)
        rc = err_set(err, ERR_INTERNAL, "out of memory");
    for (i = 0; i < ndoms; i++) {
        struct err e = ERR_INIT;

        if (rc == 0 && lv_dom_fill(v, doms[i], &list[k], &e) == 0) {
            k++;
        } else if (rc == 0 && e.code == ERR_UNAVAILABLE) {
            if (err)
                *err = e;
            rc = -1;
        } else if (rc == 0 && e.code != ERR_NOT_FOUND) {
            /* one domain that cannot be read must not hide every other
             * one (nor keep this host from registering): listed by uuid
             * only, as unreadable */
            log_warnx("domain unreadable, listed by uuid only: %s", e.msg);
            memset(&list[k], 0, sizeof(list[k]));
            if (virDomainGetUUIDString(doms[i], list[k].uuid) == 0) {
                list[k].unreadable = true;
                k++;
            }
        } /* not found: gone since the listing */
        virDomainFree(doms[i]);
    }
    free(doms);
    if (rc < 0)
        return -1;
    *out = TAKE(&list);
    *n = k;
    return 0;
}

static int
lv_domain_get(struct virt *v, const char *uuid, struct virt_domain *out, struct err *err)
{
    virDomainPtr dom = lv_dom(v, uuid, err);
    int rc;

    if (!dom)
        return -1;
    rc = lv_dom_fill(v, dom, out, err);
    virDomainFree(dom);
    return rc;
}

static int
lv_domain_exists(struct virt *v, const char *uuid, const char *name, bool *exists, struct err *err)
{
    virDomainPtr dom = NULL;
    int code;

    *exists = false;
    if (uuid && *uuid) {
        dom = virDomainLookupByUUIDString(v->conn, uuid);
        code = lv_last_code();
        if (!dom && code != VIR_ERR_NO_DOMAIN && code != VIR_ERR_INVALID_ARG)
            return lv_fail(v, NULL, "virDomainLookupByUUIDString", err);
    }
    if (!dom && name && *name) {
        dom = virDomainLookupByName(v->conn, name);
        if (!dom && lv_last_code() != VIR_ERR_NO_DOMAIN)
            return lv_fail(v, NULL, "virDomainLookupByName", err);
    }
    if (dom) {
        *exists = true;
        virDomainFree(dom);
    }
    return 0;
}

/* ---- CPU --------------------------------------------------------------- */

/* The bare <cpu> element of cpu_xml (a <cpu> or a whole <domain>),
 * malloc'd into *out; NULL when there is none. */
static int
lv_cpu_elem(const char *cpu_xml, char **out, struct err *err)
{
    struct xq x;
    int rc;

    if (xq_open(&x, cpu_xml, "the guest cpu XML", ERR_INVALID, err) < 0)
        return -1;
    rc = xq_dump(&x, "/cpu|/domain/cpu", out, err);
    xq_close(&x);
    return rc;
}

/* The host's arch, from its capabilities. */
static int
lv_host_arch(struct virt *v, char *arch, size_t arch_size, struct err *err)
{
    struct xq x;

    if (lv_caps_open(v, &x, err) < 0)
        return -1;
    xq_str(&x, NULL, "/capabilities/host/cpu/arch", arch, arch_size);
    xq_close(&x);
    return 0;
}

static int
lv_compare_cpu(struct virt *v, const char *virt_type, const char *cpu_xml, bool *ok, char *why,
               size_t why_size, struct err *err)
{
    AUTOFREE char *elem = NULL;
    char arch[32];
    virErrorPtr e;
    int rc;

    *ok = false;
    if (why_size)
        why[0] = '\0';
    if (!cpu_xml || !*cpu_xml) {
        *ok = true; /* no <cpu>: the hypervisor's default model */
        return 0;
    }
    if (lv_cpu_elem(cpu_xml, &elem, err) < 0)
        return -1;
    if (!elem) {
        *ok = true;
        return 0;
    }
    if (lv_host_arch(v, arch, sizeof(arch), err) < 0)
        return -1;
    /* FAIL_INCOMPATIBLE makes libvirt say which features are missing */
    rc = virConnectCompareHypervisorCPU(v->conn, NULL, arch, NULL, virt_type, elem,
                                        VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE);
    if (rc == VIR_CPU_COMPARE_IDENTICAL || rc == VIR_CPU_COMPARE_SUPERSET) {
        *ok = true;
        return 0;
    }
    e = virGetLastError();
    if (rc == VIR_CPU_COMPARE_INCOMPATIBLE ||
        (rc < 0 && e && e->code == VIR_ERR_CPU_INCOMPATIBLE)) {
        strlcpy0(why, e && e->message ? e->message : "the host CPU is incompatible", why_size);
        return 0;
    }
    return lv_fail(v, NULL, "virConnectCompareHypervisorCPU", err);
}

/* The hypervisor's host-model CPU (domain capabilities) as a <cpu>
 * definition, malloc'd into *out; NULL when it offers none. */
static int
lv_host_model_cpu(struct virt *v, const char *arch, const char *virt_type, char **out,
                  struct err *err)
{
    AUTOFREE char *caps = NULL;
    xmlXPathObjectPtr o;
    xmlNodePtr cpu = NULL;
    xmlBufferPtr b = NULL;
    struct xq x;
    int n, rc = 0;

    *out = NULL;
    caps = virConnectGetDomainCapabilities(v->conn, NULL, arch, NULL, virt_type, 0);
    if (!caps)
        return lv_fail(v, NULL, "virConnectGetDomainCapabilities", err);
    if (xq_open(&x, caps, "domain capabilities", ERR_INTERNAL, err) < 0)
        return -1;
    o = xq_nodes(&x, NULL, "/domainCapabilities/cpu/mode[@name='host-model' and "
                           "@supported='yes' and model]", &n);
    /* <mode name='host-model' ...>model, vendor, features</mode> becomes
     * <cpu mode='custom' match='exact'>the same</cpu> */
    if (n > 0 && (cpu = xmlCopyNode(o->nodesetval->nodeTab[0], 1)) != NULL) {
        xmlUnsetProp(cpu, BAD_CAST "name");
        xmlUnsetProp(cpu, BAD_CAST "supported");
        xmlNodeSetName(cpu, BAD_CAST "cpu");
        xmlSetProp(cpu, BAD_CAST "mode", BAD_CAST "custom");
        xmlSetProp(cpu, BAD_CAST "match", BAD_CAST "exact");
        b = xmlBufferCreate();
        if (!b || xmlNodeDump(b, x.doc, cpu, 0, 0) < 0 ||
            !(*out = strdup((const char *)xmlBufferContent(b))))
            rc = err_set(err, ERR_INTERNAL, "cannot serialise the host-model CPU");
    } else if (n > 0) {
        rc = err_set(err, ERR_INTERNAL, "out of memory copying the host-model CPU");
    }
    xmlBufferFree(b);
    xmlFreeNode(cpu);
    xmlXPathFreeObject(o);
    xq_close(&x);
    return rc;
}

static int
lv_guest_cpu_features(struct virt *v, const char *virt_type, char *out, size_t size,
                      struct err *err)
{
    AUTOFREE char *cpu = NULL;
    AUTOFREE char *expanded = NULL;
    const char *cpus[1];
    xmlXPathObjectPtr o;
    char arch[32], name[128];
    size_t len = 0;
    struct xq x;
    int i, n, rc = 0;

    if (size)
        out[0] = '\0';
    if (lv_host_arch(v, arch, sizeof(arch), err) < 0 ||
        lv_host_model_cpu(v, arch, virt_type, &cpu, err) < 0)
        return -1;
    if (!cpu)
        return 0;
    /* the model's own features listed too, so that a guest's <feature> is
     * found whichever model either side names */
    cpus[0] = cpu;
    expanded = virConnectBaselineHypervisorCPU(v->conn, NULL, arch, NULL, virt_type, cpus, 1,
                                               VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES);
    if (!expanded)
        return lv_fail(v, NULL, "virConnectBaselineHypervisorCPU", err);
    if (xq_open(&x, expanded, "the expanded host-model CPU", ERR_INTERNAL, err) < 0)
        return -1;
    o = xq_nodes(&x, NULL, "/cpu/feature[@policy='require' or @policy='force' or not(@policy)]",
                 &n);
    for (i = 0; i < n && rc == 0; i++) {
        xq_str(&x, o->nodesetval->nodeTab[i], "@name", name, sizeof(name));
        if (len + (len ? 1 : 0) + strlen(name) >= size)
            rc = err_set(err, ERR_INTERNAL, "the hypervisor's CPU feature list is longer "
                                            "than %zu bytes", size - 1);
        else
            len += (size_t)snprintf(out + len, size - len, "%s%s", len ? "," : "", name);
    }
    xmlXPathFreeObject(o);
    xq_close(&x);
    return rc;
}

/* ---- migration --------------------------------------------------------- */

static const struct {
    unsigned ours;
    unsigned lv;
} mig_flags[] = {
    {VIRT_MIG_LIVE, VIR_MIGRATE_LIVE},
    {VIRT_MIG_PEER2PEER, VIR_MIGRATE_PEER2PEER},
    {VIRT_MIG_PERSIST_DEST, VIR_MIGRATE_PERSIST_DEST},
    {VIRT_MIG_UNDEFINE_SOURCE, VIR_MIGRATE_UNDEFINE_SOURCE},
    {VIRT_MIG_NON_SHARED_INC, VIR_MIGRATE_NON_SHARED_INC},
    {VIRT_MIG_NON_SHARED_DISK, VIR_MIGRATE_NON_SHARED_DISK},
    {VIRT_MIG_TUNNELLED, VIR_MIGRATE_TUNNELLED},
    {VIRT_MIG_TLS, VIR_MIGRATE_TLS},
    {VIRT_MIG_POSTCOPY, VIR_MIGRATE_POSTCOPY},
    {VIRT_MIG_AUTO_CONVERGE, VIR_MIGRATE_AUTO_CONVERGE},
    {VIRT_MIG_PARALLEL, VIR_MIGRATE_PARALLEL},
    {VIRT_MIG_POSTCOPY_RESUME, VIR_MIGRATE_POSTCOPY_RESUME},
};

static unsigned
lv_mig_flags(unsigned ours)
{
    unsigned lv = 0;
    size_t i;

    for (i = 0; i < ARRAY_SIZE(mig_flags); i++) {
        if (ours & mig_flags[i].ours)
            lv |= mig_flags[i].lv;
    }
    return lv;
}

/* VIR_MIGRATE_PARAM_* for p into *params (*n of them). */
static int
lv_mig_params(const struct virt_mig_params *p, virTypedParameterPtr *params, int *n,
              struct err *err)
{
    int max = 0, rc = 0, i;

    if (p->migrate_uri && *p->migrate_uri)
        rc |= virTypedParamsAddString(params, n, &max, VIR_MIGRATE_PARAM_URI, p->migrate_uri);
    if (p->bandwidth_mib > 0)
        rc |=
            virTypedParamsAddULLong(params, n, &max, VIR_MIGRATE_PARAM_BANDWIDTH, p->bandwidth_mib);
    for (i = 0; i < p->ndisks && i < VIRT_MAX_DISKS; i++)
        rc |= virTypedParamsAddString(params, n, &max, VIR_MIGRATE_PARAM_MIGRATE_DISKS,
                                      p->migrate_disks[i]);
    if ((p->flags & VIRT_MIG_PARALLEL) && p->parallel_connections > 0)
        rc |= virTypedParamsAddInt(params, n, &max, VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS,
                                   p->parallel_connections);
    if (p->auto_converge_initial > 0)
        rc |= virTypedParamsAddInt(params, n, &max, VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL,
                                   p->auto_converge_initial);
    if (p->auto_converge_increment > 0)
        rc |= virTypedParamsAddInt(params, n, &max, VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT,
                                   p->auto_converge_increment);
    if (rc < 0)
        return lv_fail(NULL, NULL, "virTypedParamsAdd", err);
    return 0;
}

/* A failed migration: aborted jobs are a conflict, a broken connection
 * (ours, or the source libvirtd's to the destination) is unavailable. */
static int
lv_mig_fail(struct virt *v, const char *uuid, struct err *err)
{
    virErrorPtr e = virSaveLastError(); /* thread-local: read it here */
    enum err_code code = ERR_NONE;

    if (e && e->code == VIR_ERR_OPERATION_ABORTED)
        code = ERR_CONFLICT;
    else if (virConnectIsAlive(v->conn) == 0 || (e && e->code == VIR_ERR_SYSTEM_ERROR))
        code = ERR_UNAVAILABLE;
    lv_fail_saved(v, uuid, e, "virDomainMigrateToURI3", code, err);
    virFreeError(e);
    return -1;
}

static int
lv_migrate(struct virt *v, const struct virt_mig_params *p, struct err *err)
{
    virTypedParameterPtr params = NULL;
    virDomainPtr dom;
    unsigned flags = lv_mig_flags(p->flags);
    int n = 0, rc;

    if (!(dom = lv_dom(v, p->uuid, err)))
        return -1;
    if (lv_mig_params(p, &params, &n, err) < 0) {
        virDomainFree(dom);
        return -1;
    }
    log_debug("libvirt migration start uuid=%s dest=%s uri=%s flags=0x%x bandwidth=%llu", p->uuid,
              p->dest_uri, p->migrate_uri ? p->migrate_uri : "-", flags,
              (unsigned long long)p->bandwidth_mib);
    rc = virDomainMigrateToURI3(dom, p->dest_uri, params, n, flags);
    if (rc < 0)
        lv_mig_fail(v, p->uuid, err);
    virTypedParamsFree(params, n);
    virDomainFree(dom);
    return rc < 0 ? -1 : 0;
}

/* virDomainGetJobStats fields read as unsigned long long. */
static const struct {
    const char *field;
    size_t off;
} job_fields[] = {
    {VIR_DOMAIN_JOB_TIME_ELAPSED, offsetof(struct virt_job_stats, time_elapsed_ms)},
    {VIR_DOMAIN_JOB_DATA_TOTAL, offsetof(struct virt_job_stats, data_total)},
    {VIR_DOMAIN_JOB_DATA_PROCESSED, offsetof(struct virt_job_stats, data_processed)},
    {VIR_DOMAIN_JOB_DATA_REMAINING, offsetof(struct virt_job_stats, data_remaining)},
    {VIR_DOMAIN_JOB_MEMORY_TOTAL, offsetof(struct virt_job_stats, mem_total)},
    {VIR_DOMAIN_JOB_MEMORY_PROCESSED, offsetof(struct virt_job_stats, mem_processed)},
    {VIR_DOMAIN_JOB_MEMORY_REMAINING, offsetof(struct virt_job_stats, mem_remaining)},
    {VIR_DOMAIN_JOB_MEMORY_BPS, offsetof(struct virt_job_stats, mem_bps)},
    {VIR_DOMAIN_JOB_MEMORY_ITERATION, offsetof(struct virt_job_stats, mem_iteration)},
    {VIR_DOMAIN_JOB_MEMORY_PAGE_SIZE, offsetof(struct virt_job_stats, mem_page_size)},
    {VIR_DOMAIN_JOB_MEMORY_POSTCOPY_REQS, offsetof(struct virt_job_stats, mem_postcopy_requests)},
    {VIR_DOMAIN_JOB_DISK_TOTAL, offsetof(struct virt_job_stats, disk_total)},
    {VIR_DOMAIN_JOB_DISK_PROCESSED, offsetof(struct virt_job_stats, disk_processed)},
    {VIR_DOMAIN_JOB_DISK_REMAINING, offsetof(struct virt_job_stats, disk_remaining)},
    {VIR_DOMAIN_JOB_DISK_BPS, offsetof(struct virt_job_stats, disk_bps)},
    {VIR_DOMAIN_JOB_DOWNTIME, offsetof(struct virt_job_stats, downtime_ms)},
    {VIR_DOMAIN_JOB_SETUP_TIME, offsetof(struct virt_job_stats, setup_time_ms)},
};

/* virDomainJobType to ours. */
static const enum virt_job_type job_types[] = {
    [VIR_DOMAIN_JOB_NONE] = VIRT_JOB_NONE,
    [VIR_DOMAIN_JOB_BOUNDED] = VIRT_JOB_BOUNDED,
    [VIR_DOMAIN_JOB_UNBOUNDED] = VIRT_JOB_UNBOUNDED,
    [VIR_DOMAIN_JOB_COMPLETED] = VIRT_JOB_COMPLETED,
    [VIR_DOMAIN_JOB_FAILED] = VIRT_JOB_FAILED,
    [VIR_DOMAIN_JOB_CANCELLED] = VIRT_JOB_CANCELLED,
};

static void
lv_job_map(int type, virTypedParameterPtr params, int n, bool completed, struct virt_job_stats *out)
{
    unsigned long long u, dirty = 0;
    size_t i;

    memset(out, 0, sizeof(*out));
    out->type = type >= 0 && (size_t)type < ARRAY_SIZE(job_types) ? job_types[type] : VIRT_JOB_NONE;
    for (i = 0; i < ARRAY_SIZE(job_fields); i++) {
        if (virTypedParamsGetULLong(params, n, job_fields[i].field, &u) == 1)
            *(int64_t *)((char *)out + job_fields[i].off) = (int64_t)u;
    }
    /* a running job's "downtime" is QEMU's expected one, not a measurement */
    if (!completed)
        out->downtime_ms = 0;
    virTypedParamsGetInt(params, n, VIR_DOMAIN_JOB_AUTO_CONVERGE_THROTTLE,
                         &out->auto_converge_throttle);
    /* QEMU reports the dirty rate in pages/s */
    if (virTypedParamsGetULLong(params, n, VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE, &dirty) == 1)
        out->mem_dirty_rate = (int64_t)dirty * (out->mem_page_size > 0 ? out->mem_page_size : 4096);
}

static int
lv_job_stats(struct virt *v, const char *uuid, bool completed, struct virt_job_stats *out,
             struct err *err)
{
    virTypedParameterPtr params = NULL;
    virDomainPtr dom;
    virErrorPtr e;
    int type = VIR_DOMAIN_JOB_NONE, n = 0, active = 1, rc;

    memset(out, 0, sizeof(*out));
    if (!(dom = lv_dom(v, uuid, err)))
        return -1;
    rc = virDomainGetJobStats(dom, &type, &params, &n,
                              completed ? VIR_DOMAIN_JOB_STATS_COMPLETED : 0);
    if (rc < 0) {
        e = virSaveLastError();
        /* not running (migrated away, not yet undefined): no job; it may
         * be undefined by now */
        if (!completed && e && e->code == VIR_ERR_OPERATION_INVALID)
            active = virDomainIsActive(dom);
        if (active == 0)
            rc = 0;
        else if (active < 0 && lv_last_code() == VIR_ERR_NO_DOMAIN)
            lv_fail(v, uuid, "virDomainIsActive", err);
        else
            lv_fail_saved(v, uuid, e, "virDomainGetJobStats", ERR_NONE, err);
        virFreeError(e);
    } else {
        lv_job_map(type, params, n, completed || type == VIR_DOMAIN_JOB_COMPLETED, out);
    }
    virTypedParamsFree(params, n);
    virDomainFree(dom);
    return rc < 0 ? -1 : 0;
}

/* ---- job control ------------------------------------------------------- */

enum lv_dom_op {
    OP_MAX_DOWNTIME,
    OP_MAX_SPEED,
    OP_POSTCOPY,
    OP_ABORT,
    OP_PAUSE_POSTCOPY,
    OP_SUSPEND,
    OP_RESUME,
};

static const char *const lv_dom_op_call[] = {
    [OP_MAX_DOWNTIME] = "virDomainMigrateSetMaxDowntime",
    [OP_MAX_SPEED] = "virDomainMigrateSetMaxSpeed",
    [OP_POSTCOPY] = "virDomainMigrateStartPostCopy",
    [OP_ABORT] = "virDomainAbortJob",
    [OP_PAUSE_POSTCOPY] = "virDomainAbortJobFlags(POSTCOPY)",
    [OP_SUSPEND] = "virDomainSuspend",
    [OP_RESUME] = "virDomainResume",
};

/* Look the domain up and apply one operation (arg: ms or MiB/s). */
static int
lv_dom_do(struct virt *v, const char *uuid, enum lv_dom_op op, uint64_t arg, struct err *err)
{
    virDomainPtr dom = lv_dom(v, uuid, err);
    int rc = -1;

    if (!dom)
        return -1;
    switch (op) {
    case OP_MAX_DOWNTIME:
        rc = virDomainMigrateSetMaxDowntime(dom, arg, 0);
        break;
    case OP_MAX_SPEED:
        rc = virDomainMigrateSetMaxSpeed(dom, (unsigned long)arg, 0);
        break;
    case OP_POSTCOPY:
        rc = virDomainMigrateStartPostCopy(dom, 0);
        break;
    case OP_ABORT:
        rc = virDomainAbortJob(dom);
        break;
    case OP_PAUSE_POSTCOPY:
        rc = virDomainAbortJobFlags(dom, VIR_DOMAIN_ABORT_JOB_POSTCOPY);
        break;
    case OP_SUSPEND:
        rc = virDomainSuspend(dom);
        break;
    case OP_RESUME:
        rc = virDomainResume(dom);
        break;
    }
    if (rc < 0)
        lv_fail(v, uuid, lv_dom_op_call[op], err);
    virDomainFree(dom);
    return rc < 0 ? -1 : 0;
}

static int
lv_set_max_downtime(struct virt *v, const char *uuid, uint64_t ms, struct err *err)
{
    return lv_dom_do(v, uuid, OP_MAX_DOWNTIME, ms, err);
}

static int
lv_set_max_speed(struct virt *v, const char *uuid, uint64_t mib_s, struct err *err)
{
    return lv_dom_do(v, uuid, OP_MAX_SPEED, mib_s, err);
}

static int
lv_start_postcopy(struct virt *v, const char *uuid, struct err *err)
{
    return lv_dom_do(v, uuid, OP_POSTCOPY, 0, err);
}

static int
lv_abort_job(struct virt *v, const char *uuid, struct err *err)
{
    return lv_dom_do(v, uuid, OP_ABORT, 0, err);
}

static int
lv_pause_postcopy(struct virt *v, const char *uuid, struct err *err)
{
    return lv_dom_do(v, uuid, OP_PAUSE_POSTCOPY, 0, err);
}

/* ---- the forecast's measurement: dirty rate ------------------------------ */

/* Not read: the domain's job lock was held (lv_dirty_rate_read's nowait). */
#define LV_DIRTY_RATE_UNREAD (-1)

/* The domain's last dirty-rate calculation (VIR_DOMAIN_STATS_DIRTYRATE):
 * *status is a virDomainDirtyRateStatus.  nowait: do not wait for a job
 * lock another caller holds (libvirt would, up to 30 s); *status is then
 * LV_DIRTY_RATE_UNREAD. */
static int
lv_dirty_rate_read(struct virt *v, virDomainPtr dom, const char *uuid, bool nowait,
                   int *status, struct virt_dirty_rate *out, struct err *err)
{
    virDomainPtr doms[2] = {dom, NULL};
    virDomainStatsRecordPtr *recs = NULL;
    long long mib = 0, start = 0;
    int n;

    n = virDomainListGetStats(doms, VIR_DOMAIN_STATS_DIRTYRATE, &recs,
                              nowait ? VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT : 0);
    if (n < 0)
        return lv_fail(v, uuid, "virDomainListGetStats", err);
    *status = nowait ? LV_DIRTY_RATE_UNREAD : VIR_DOMAIN_DIRTYRATE_UNSTARTED;
    if (n > 0) {
        virTypedParamsGetInt(recs[0]->params, recs[0]->nparams, "dirtyrate.calc_status", status);
        virTypedParamsGetInt(recs[0]->params, recs[0]->nparams, "dirtyrate.calc_period",
                             &out->period_s);
        virTypedParamsGetLLong(recs[0]->params, recs[0]->nparams, "dirtyrate.calc_start_time",
                               &start);
        virTypedParamsGetLLong(recs[0]->params, recs[0]->nparams,
                               "dirtyrate.megabytes_per_second", &mib);
    }
    virDomainStatsRecordListFree(recs);
    out->start_time_s = start;
    out->bytes_per_s = (int64_t)mib * 1024 * 1024;     /* QEMU's MB are MiB (>> 20) */
    return 0;
}

/* Is status (and out) the result of a calculation over seconds?  QEMU
 * reports the time the calculation took, in whole seconds: on a loaded
 * host, past the period asked for. */
static bool
lv_dirty_rate_done(int status, const struct virt_dirty_rate *out, int seconds)
{
    return status == VIR_DOMAIN_DIRTYRATE_MEASURED && out->period_s >= seconds;
}

/* How long past its period a measure may take: another caller's to end,
 * the result's wait. */
#define LV_DIRTY_RATE_SLACK_MS 10000

/* What one page of page sampling stands for: QEMU samples 512 pages a GiB
 * of each RAM block (calc-dirty-rate's sample-pages, which libvirt 9.0
 * leaves at its default), whatever the guest's size. */
#define LV_DIRTY_RATE_STEP ((int64_t)(1 << 30) / 512)

/* A period QEMU's calc-dirty-rate takes: 1 to 60 s. */
static int
lv_dirty_rate_period(int seconds, struct err *err)
{
    if (seconds < 1 || seconds > 60)
        return err_set(err, ERR_INVALID, "dirty rate period %d s: 1 to 60", seconds);
    return 0;
}

/* One try at having a page-sampling calculation over seconds running on
 * dom: 1 when one is, ours or one already running over the same period
 * (ferry-compute's background measure, compute/rates.c: as recent, taken);
 * 0 while one over another period runs (QEMU runs one at a time and
 * refuses a second).  QEMU's calc-dirty-rate resets the last result to
 * unstarted before it returns, so a MEASURED status after this is its, or
 * that of one someone started after it ended.  Page sampling only: it
 * reads 512 pages a GiB, coarse on a small guest, but the exact
 * dirty-bitmap mode crashed Debian 12's QEMU 7.2 (the lab's TCG guest,
 * "shutting down, reason=crashed" at its first calculation), and
 * dirty-ring mode needs KVM's dirty ring. */
static int
lv_dirty_rate_try(struct virt *v, virDomainPtr dom, const char *uuid, int seconds,
                  struct err *err)
{
    struct virt_dirty_rate cur = { 0 };
    virErrorPtr e;
    int status, rc;

    if (lv_dirty_rate_read(v, dom, uuid, false, &status, &cur, err) < 0)
        return -1;
    if (status == VIR_DOMAIN_DIRTYRATE_MEASURING)
        return cur.period_s == seconds;
    if (virDomainStartDirtyRateCalc(dom, seconds, VIR_DOMAIN_DIRTYRATE_MODE_PAGE_SAMPLING) == 0)
        return 1;
    /* refused: because one started meanwhile (then as above), or not */
    e = virSaveLastError();
    rc = lv_dirty_rate_read(v, dom, uuid, false, &status, &cur, err);
    if (rc == 0 && status != VIR_DOMAIN_DIRTYRATE_MEASURING)
        rc = lv_fail_saved(v, uuid, e, "virDomainStartDirtyRateCalc", ERR_NONE, err);
    virFreeError(e);
    return rc < 0 ? -1 : cur.period_s == seconds;
}

/* lv_dirty_rate_try until one runs, another period's waited out until
 * deadline. */
static int
lv_dirty_rate_begin(struct virt *v, virDomainPtr dom, const char *uuid, int seconds,
                    int64_t deadline, struct err *err)
{
    int rc;

    while ((rc = lv_dirty_rate_try(v, dom, uuid, seconds, err)) == 0) {
        if (now_ms() >= deadline)
            return err_set(err, ERR_TIMEOUT, "dirty rate of %s: another calculation "
                           "still running", uuid);
        sleep_ms(200);
    }
    return rc < 0 ? -1 : 0;
}

static int
lv_dirty_rate_start(struct virt *v, const char *uuid, int seconds, struct err *err)
{
    virDomainPtr dom;
    int rc;

    if (lv_dirty_rate_period(seconds, err) < 0)
        return -1;
    if (!(dom = lv_dom(v, uuid, err)))
        return -1;
    rc = lv_dirty_rate_try(v, dom, uuid, seconds, err);
    virDomainFree(dom);
    if (rc == 0)
        return err_set(err, ERR_CONFLICT, "dirty rate of %s: a calculation over another "
                       "period is running", uuid);
    return rc < 0 ? -1 : 0;
}

static int
lv_dirty_rate_result(struct virt *v, const char *uuid, int seconds,
                     struct virt_dirty_rate *out, struct err *err)
{
    virDomainPtr dom;
    int status, rc;

    memset(out, 0, sizeof(*out));
    if (!(dom = lv_dom(v, uuid, err)))
        return -1;
    rc = lv_dirty_rate_read(v, dom, uuid, true, &status, out, err);
    virDomainFree(dom);
    if (rc < 0)
        return -1;
    return lv_dirty_rate_done(status, out, seconds);
}

/* Measure over seconds and wait for the result. */
static int
lv_dirty_rate(struct virt *v, const char *uuid, int seconds, struct virt_dirty_rate *out,
              struct err *err)
{
    virDomainPtr dom;
    int64_t deadline;
    int status = VIR_DOMAIN_DIRTYRATE_UNSTARTED, rc = 0;

    memset(out, 0, sizeof(*out));
    if (lv_dirty_rate_period(seconds, err) < 0)
        return -1;
    dom = lv_dom(v, uuid, err);
    if (!dom)
        return -1;
    deadline = now_ms() + seconds * 1000LL + LV_DIRTY_RATE_SLACK_MS;
    rc = lv_dirty_rate_begin(v, dom, uuid, seconds, deadline, err);
    while (rc == 0 && (rc = lv_dirty_rate_read(v, dom, uuid, false, &status, out, err)) == 0 &&
           !lv_dirty_rate_done(status, out, seconds) && now_ms() < deadline) {
        /* another caller's calculation over another period replaced ours
         * (UNSTARTED is QEMU's state between a start and its thread's) */
        if (status == VIR_DOMAIN_DIRTYRATE_MEASURED)
            rc = lv_dirty_rate_begin(v, dom, uuid, seconds, deadline, err);
        sleep_ms(200);
    }
    virDomainFree(dom);
    if (rc == 0 && !lv_dirty_rate_done(status, out, seconds))
        rc = err_set(err, ERR_TIMEOUT, "dirty rate of %s not measured over %d s within %d s",
                     uuid, seconds, seconds + LV_DIRTY_RATE_SLACK_MS / 1000);
    if (rc == 0)
        log_debug("dirty rate measured uuid=%s period=%d s bytes_per_s=%lld", uuid,
                  out->period_s, (long long)out->bytes_per_s);
    return rc;
}

static int
lv_suspend(struct virt *v, const char *uuid, struct err *err)
{
    return lv_dom_do(v, uuid, OP_SUSPEND, 0, err);
}

static int
lv_resume(struct virt *v, const char *uuid, struct err *err)
{
    return lv_dom_do(v, uuid, OP_RESUME, 0, err);
}

/* ---- disks and images -------------------------------------------------- */

/* One <disk type='file' device='disk'> of the live XML: its format, and
 * whether libvirt found a backing chain under it. */
static int
lv_disk_one(struct virt *v, virDomainPtr dom, const char *uuid, struct xq *x, xmlNodePtr node,
            struct virt_disk *out, struct err *err)
{
    virDomainBlockInfo bi;
    char backing[8];

    memset(out, 0, sizeof(*out));
    if (!xq_str(x, node, "target/@dev", out->target, sizeof(out->target)) ||
        !xq_str(x, node, "source/@file", out->path, sizeof(out->path)) ||
        !xq_str(x, node, "driver/@type", out->format, sizeof(out->format)))
        return err_set(err, ERR_INTERNAL, "disk target, path or format of domain %s too long",
                       uuid);
    if (!out->format[0])
        strlcpy0(out->format, "raw", sizeof(out->format));
    xq_str(x, node, "backingStore/source/@file", backing, sizeof(backing));
    out->backing = backing[0] != '\0';
    if (virDomainGetBlockInfo(dom, out->target, &bi, 0) < 0)
        return lv_fail(v, uuid, "virDomainGetBlockInfo", err);
    out->capacity = bi.capacity;
    out->physical = bi.physical;
    return 0;
}

static int
lv_local_disks(struct virt *v, const char *uuid, struct virt_disk *out, int max, int *n,
               struct err *err)
{
    virDomainPtr dom;
    xmlXPathObjectPtr o = NULL;
    struct xq x;
    char file[8];
    int i, nodes = 0, rc = 0;

    *n = 0;
    if (!(dom = lv_dom(v, uuid, err)))
        return -1;
    if (lv_dom_xml(v, dom, uuid, &x, err) < 0) {
        virDomainFree(dom);
        return -1;
    }
    o = xq_nodes(&x, NULL, "/domain/devices/disk[@type='file' and @device='disk']", &nodes);
    for (i = 0; i < nodes && rc == 0; i++) {
        xmlNodePtr node = o->nodesetval->nodeTab[i];

        xq_str(&x, node, "source/@file", file, sizeof(file));
        if (!*file)
            continue; /* no medium */
        if (*n >= max) {
            rc = err_set(err, ERR_NOT_SUPPORTED, "domain %s has more than %d local disks", uuid,
                         max);
            break;
        }
        rc = lv_disk_one(v, dom, uuid, &x, node, &out[*n], err);
        if (rc == 0)
            (*n)++;
    }
    xmlXPathFreeObject(o);
    xq_close(&x);
    virDomainFree(dom);
    return rc;
}

/* A transient dir pool over dir, built (the directory made) and started;
 * its name is derived from dir, so two callers race to the same name. */
static virStoragePoolPtr
lv_pool_create(struct virt *v, const char *dir, struct err *err)
{
    AUTOFREE char *xml = NULL;
    xmlChar *edir = xmlEncodeSpecialChars(NULL, BAD_CAST dir);
    virStoragePoolPtr pool;
    uint32_t h = 2166136261u; /* FNV-1a of dir */
    const char *p;

    for (p = dir; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    if (!edir || asprintf(&xml,
                          "<pool type='dir'><name>ferry-%08x</name>"
                          "<target><path>%s</path></target></pool>",
                          h, (const char *)edir) < 0) {
        xmlFree(edir);
        err_set(err, ERR_INTERNAL, "out of memory");
        return NULL;
    }
    xmlFree(edir);
    pool = virStoragePoolCreateXML(v->conn, xml, VIR_STORAGE_POOL_CREATE_WITH_BUILD);
    if (!pool) {
        /* lost a race with another creator: theirs will do */
        pool = virStoragePoolLookupByTargetPath(v->conn, dir);
        if (!pool)
            lv_fail(v, NULL, "virStoragePoolCreateXML", err);
    }
    return pool;
}

/* The active storage pool whose target is dir, made if there is none. */
static virStoragePoolPtr
lv_pool_for(struct virt *v, const char *dir, struct err *err)
{
    virStoragePoolPtr pool = virStoragePoolLookupByTargetPath(v->conn, dir);

    if (!pool) {
        if (lv_last_code() != VIR_ERR_NO_STORAGE_POOL) {
            lv_fail(v, NULL, "virStoragePoolLookupByTargetPath", err);
            return NULL;
        }
        return lv_pool_create(v, dir, err);
    }
    if (virStoragePoolIsActive(pool) != 1 && virStoragePoolCreate(pool, 0) < 0) {
        lv_fail(v, NULL, "virStoragePoolCreate", err);
        virStoragePoolFree(pool);
        return NULL;
    }
    return pool;
}

static int
lv_create_image(struct virt *v, const char *path, const char *format, uint64_t size,
                struct err *err)
{
    AUTOFREE char *dircopy = NULL, *basecopy = NULL, *xml = NULL;
    xmlChar *ename = NULL;
    virStoragePoolPtr pool;
    virStorageVolPtr vol = NULL;
    const char *dir;

    if (!path || path[0] != '/' || path[strlen(path) - 1] == '/')
        return err_set(err, ERR_INVALID, "image path %s is not an absolute file name",
                       path ? path : "(null)");
    if (!(dircopy = strdup(path)) || !(basecopy = strdup(path)))
        return err_set(err, ERR_INTERNAL, "out of memory");
    dir = dirname(dircopy);
    if (!(pool = lv_pool_for(v, dir, err)))
        return -1;
    /* the pool must know of files made behind its back to refuse a clash */
    if (virStoragePoolRefresh(pool, 0) < 0) {
        lv_fail(v, NULL, "virStoragePoolRefresh", err);
        virStoragePoolFree(pool);
        return -1;
    }
    ename = xmlEncodeSpecialChars(NULL, BAD_CAST basename(basecopy));
    if (strcmp(format, "qcow2") != 0 && strcmp(format, "raw") != 0)
        err_set(err, ERR_NOT_SUPPORTED, "cannot create a %s image for %s (qcow2 or raw only)",
                format, path);
    else if (!ename || asprintf(&xml,
                                "<volume><name>%s</name>"
                                "<capacity unit='bytes'>%llu</capacity><allocation>0</allocation>"
                                "<target><format type='%s'/></target></volume>",
                                (const char *)ename, (unsigned long long)size, format) < 0)
        err_set(err, ERR_INTERNAL, "out of memory");
    else if (!(vol = virStorageVolCreateXML(pool, xml, 0)))
        lv_fail(v, NULL, "virStorageVolCreateXML", err);
    xmlFree(ename);
    if (vol) {
        log_debug("libvirt image created path=%s size=%llu", path, (unsigned long long)size);
        virStorageVolFree(vol);
    }
    virStoragePoolFree(pool);
    return vol ? 0 : -1;
}

/* The volume at path, after its directory's pool has been refreshed (files
 * made behind the pool's back, or by another host on shared storage, only
 * show after a refresh).  NULL with ERR_NOT_FOUND when there is none. */
static virStorageVolPtr
lv_vol_at(struct virt *v, const char *path, struct err *err)
{
    AUTOFREE char *dircopy = NULL;
    virStoragePoolPtr pool;
    virStorageVolPtr vol;

    if (!path || path[0] != '/')
        return err_set(err, ERR_INVALID, "image path %s is not absolute", path ? path : ""),
               NULL;
    if (!(dircopy = strdup(path)))
        return err_set(err, ERR_INTERNAL, "out of memory"), NULL;
    if (!(pool = lv_pool_for(v, dirname(dircopy), err)))
        return NULL;
    if (virStoragePoolRefresh(pool, 0) < 0) {
        lv_fail(v, NULL, "virStoragePoolRefresh", err);
        virStoragePoolFree(pool);
        return NULL;
    }
    virStoragePoolFree(pool);
    if (!(vol = virStorageVolLookupByPath(v->conn, path))) {
        if (lv_last_code() == VIR_ERR_NO_STORAGE_VOL)
            err_set(err, ERR_NOT_FOUND, "no image at %s", path);
        else
            lv_fail(v, NULL, "virStorageVolLookupByPath", err);
    }
    return vol;
}

static int
lv_image_exists(struct virt *v, const char *path, bool *exists, struct err *err)
{
    struct err lookup = ERR_INIT;
    virStorageVolPtr vol = lv_vol_at(v, path, &lookup);

    *exists = vol != NULL;
    if (vol) {
        virStorageVolFree(vol);
        return 0;
    }
    if (lookup.code == ERR_NOT_FOUND)
        return 0;
    *err = lookup;
    return -1;
}

static int
lv_delete_image(struct virt *v, const char *path, struct err *err)
{
    struct err lookup = ERR_INIT;
    virStorageVolPtr vol = lv_vol_at(v, path, &lookup);
    int rc = 0;

    if (!vol) {
        if (lookup.code == ERR_NOT_FOUND)
            return 0;
        *err = lookup;
        return -1;
    }
    if (virStorageVolDelete(vol, 0) < 0)
        rc = lv_fail(v, NULL, "virStorageVolDelete", err);
    else
        log_debug("libvirt image deleted path=%s", path);
    virStorageVolFree(vol);
    return rc;
}

const struct virt_driver virt_libvirt = {
    .name = "libvirt",
    .open = lv_open,
    .close = lv_close,
    .host_info = lv_host_info,
    .list_domains = lv_list_domains,
    .domain_get = lv_domain_get,
    .domain_exists = lv_domain_exists,
    .compare_cpu = lv_compare_cpu,
    .guest_cpu_features = lv_guest_cpu_features,
    .lifecycle = lv_lifecycle,
    .dirty_rate = lv_dirty_rate,
    .dirty_rate_start = lv_dirty_rate_start,
    .dirty_rate_result = lv_dirty_rate_result,
    .dirty_rate_step = LV_DIRTY_RATE_STEP,
    .migrate = lv_migrate,
    .job_stats = lv_job_stats,
    .set_max_downtime = lv_set_max_downtime,
    .set_max_speed = lv_set_max_speed,
    .start_postcopy = lv_start_postcopy,
    .abort_job = lv_abort_job,
    .pause_postcopy = lv_pause_postcopy,
    .suspend = lv_suspend,
    .resume = lv_resume,
    .local_disks = lv_local_disks,
    .create_image = lv_create_image,
    .image_exists = lv_image_exists,
    .delete_image = lv_delete_image,
};
