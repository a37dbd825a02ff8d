/* cpu.c - the CPU definition a destination compares (see cpu.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "common/util.h"
#include "compute/cpu.h"

static const char *
cpu_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s ? s : "";
}

/* A libvirt CPU name (model, vendor, arch, feature): letters, digits and
 * "_.-" only, so that it goes into XML as it is. */
static bool
cpu_name_ok(const char *s)
{
    return s[0] && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "0123456789_.-") == strlen(s);
}

/* The source host's CPU (Nova's cpu_info JSON) as a libvirt <cpu>, every
 * feature required: what a host-model guest on that host may expect.  NULL
 * when cpu_info does not name a CPU libvirt could read back. */
static char *
cpu_from_info(const char *cpu_info)
{
    json_error_t jerr;
    json_t *ci = json_loads(cpu_info ? cpu_info : "", 0, &jerr);
    json_t *feats = json_object_get(ci, "features");
    char *xml = NULL;
    size_t len = 0, i;
    FILE *f = ci ? open_memstream(&xml, &len) : NULL;
    json_t *ft;

    if (!f || !cpu_name_ok(cpu_str(ci, "arch")) || !cpu_name_ok(cpu_str(ci, "model")) ||
        !cpu_name_ok(cpu_str(ci, "vendor"))) {
        if (f)
            fclose(f);
        free(xml);
        json_decref(ci);
        return NULL;
    }
    fprintf(f, "<cpu><arch>%s</arch><model>%s</model><vendor>%s</vendor>",
            cpu_str(ci, "arch"), cpu_str(ci, "model"), cpu_str(ci, "vendor"));
    json_array_foreach(feats, i, ft)
        if (json_is_string(ft) && cpu_name_ok(json_string_value(ft)))
            fprintf(f, "<feature policy='require' name='%s'/>", json_string_value(ft));
    fprintf(f, "</cpu>");
    fclose(f);
    json_decref(ci);
    return xml;
}

int
cpu_compare_xml(const char *virt_type, const char *guest_cpu_xml, const char *source_cpu_info,
                char **xml)
{
    *xml = NULL;
    if (!virt_type || strcmp(virt_type, "kvm") != 0)
        return 0;
    if (guest_cpu_xml && strstr(guest_cpu_xml, "<model")) {
        *xml = strdup(guest_cpu_xml);
        return *xml ? 1 : -1;
    }
    *xml = cpu_from_info(source_cpu_info);
    return *xml ? 1 : 0;
}

/* The required features' names: policy require or force, or none. */
#define CPU_REQUIRED_XPATH                                                                 \
    "(/cpu|/domain/cpu)/feature[@policy='require' or @policy='force' or not(@policy)]/@name"

/* The names of the attribute nodes of set into out. */
static int
cpu_names(xmlNodeSetPtr set, struct db_cpu_features *out, struct err *err)
{
    for (int i = 0; set && i < set->nodeNr; i++) {
        xmlChar *s = xmlNodeGetContent(set->nodeTab[i]);
        const char *name = s ? (const char *)s : "";
        int rc = 0;

        if (out->n == DB_CPU_FEATURES_MAX)
            rc = err_set(err, ERR_INVALID, "the guest's <cpu> requires more than %d features",
                         DB_CPU_FEATURES_MAX);
        else if (!cpu_name_ok(name) || strlen(name) >= DB_CPU_FEATURE_LEN)
            rc = err_set(err, ERR_INVALID, "the guest's <cpu> names a feature '%.64s' that "
                                           "is not a libvirt CPU feature name", name);
        else
            strlcpy0(out->name[out->n++], name, DB_CPU_FEATURE_LEN);
        xmlFree(s);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int
cpu_required_features(const char *cpu_xml, struct db_cpu_features *out, struct err *err)
{
    xmlDocPtr doc;
    xmlXPathContextPtr ctx = NULL;
    xmlXPathObjectPtr o = NULL;
    int rc;

    out->n = 0;
    if (!cpu_xml || !*cpu_xml)
        return 0;
    doc = xmlReadMemory(cpu_xml, (int)strlen(cpu_xml), "the guest cpu XML", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return err_set(err, ERR_INVALID, "cannot parse the guest's <cpu>");
    if (!(ctx = xmlXPathNewContext(doc)) ||
        !(o = xmlXPathEvalExpression(BAD_CAST CPU_REQUIRED_XPATH, ctx)))
        rc = err_set(err, ERR_INTERNAL, "out of memory reading the guest's <cpu>");
    else
        rc = cpu_names(o->type == XPATH_NODESET ? o->nodesetval : NULL, out, err);
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    if (rc < 0)
        out->n = 0;
    return rc;
}
