/* main.c - ferry-sim: every policy over a grid of guests, or over a
 * scenario file (the lab bench's format), as a table, JSON and a data file
 * for tools/sim/plot.sh; `--check` asserts the invariants `make test`
 * holds; `--measured RATES.json` judges cases at the dirty rates a lab
 * guest measured itself (the lab bench's `*` column); `calibrate SIM.json
 * LAB.json` compares two result files per case (time, bytes, downtime).
 *
 *   ferry-sim [--grid full|check] [--scenario FILE] [--json OUT] [--dat OUT]
 *             [--horizon S] [--nova-divisor N] [--measured RATES.json] [--check]
 *   ferry-sim calibrate SIM.json LAB.json
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/sim/drive.h"

#define MAX_CASES 4096
#define GBIT (1e9 / 8)

struct grid {
    const double *gib, *gbit, *rate_mib, *wss_mib;
    int ngib, ngbit, nrate, nwss;
};

/* make bench-sim: 4-256 GiB at 1, 10, 25 Gbit/s. */
static const double full_gib[] = { 4, 16, 64, 256 };
static const double full_gbit[] = { 1, 10, 25 };
static const double full_rate[] = { 32, 256, 1024, 4096 };
static const double full_wss[] = { 128, 1024, 8192 };
/* make test: small and fast. */
static const double check_gib[] = { 4, 64 };
static const double check_gbit[] = { 1, 10 };
static const double check_rate[] = { 64, 1024 };
static const double check_wss[] = { 256, 4096 };

static const struct grid grids[] = {
    { full_gib, full_gbit, full_rate, full_wss, 4, 3, 4, 3 },
    { check_gib, check_gbit, check_rate, check_wss, 2, 2, 2, 2 },
};

/* Permissions of the grid: (post-copy, auto-converge). */
static const bool grid_perms[][2] = { { true, true }, { false, true }, { false, false } };

static int
grid_cases(const struct grid *g, struct sim_case *out)
{
    int n = 0;

    for (int a = 0; a < g->ngib; a++)
        for (int b = 0; b < g->ngbit; b++)
            for (int d = 0; d < g->nrate; d++)
                for (int w = 0; w < g->nwss; w++)
                    for (int k = 0; k < 2; k++)
                        for (int p = 0; p < 3; p++) {
                            struct sim_case *c = &out[n++];

                            memset(c, 0, sizeof(*c));
                            c->ram = g->gib[a] * SIM_GIB;
                            c->link = g->gbit[b] * GBIT;
                            c->rate = g->rate_mib[d] * SIM_MIB;
                            c->wss = fmin(g->wss_mib[w] * SIM_MIB, c->ram / 2);
                            c->kind = k ? SIM_SPIN : SIM_PACED;
                            c->budget_ms = 500;
                            c->post_copy = grid_perms[p][0];
                            c->auto_converge = grid_perms[p][1];
                            c->reps = 1;
                            snprintf(c->name, sizeof(c->name), "ram=%gG %s=%g wss=%g link=%gGbit "
                                     "budget=500 postcopy=%s ac=%s", g->gib[a],
                                     k ? "spinrate" : "rate", g->rate_mib[d],
                                     c->wss / SIM_MIB, g->gbit[b], c->post_copy ? "yes" : "no",
                                     c->auto_converge ? "yes" : "no");
                        }
    return n;
}

/* ---- scenario files ------------------------------------------------------------------- */

/* "4G", "512M", "512" (MiB) -> bytes. */
static double
parse_size(const char *v)
{
    char *end;
    double x = strtod(v, &end);

    return x * (*end == 'G' || *end == 'g' ? SIM_GIB : *end == 'T' ? 1024 * SIM_GIB : SIM_MIB);
}

/* "10Gbit", "100Mbit", "119" (MiB/s) -> bytes/s. */
static double
parse_link(const char *v)
{
    char *end;
    double x = strtod(v, &end);

    if (strncmp(end, "Gbit", 4) == 0)
        return x * GBIT;
    if (strncmp(end, "Mbit", 4) == 0)
        return x * GBIT / 1000;
    return x * SIM_MIB;
}

static bool
parse_yes(const char *v)
{
    return strcmp(v, "yes") == 0 || strcmp(v, "allowed") == 0 || strcmp(v, "1") == 0;
}

/* "wobble", "gappy", "gappy:40" (for the first 40 s, then steady) -> the
 * link's shape; -1: unknown. */
static int
parse_shape(struct sim_case *c, const char *v)
{
    static const char *const names[] = {
        [SIM_STEADY] = "steady", [SIM_WOBBLE] = "wobble", [SIM_GAPPY] = "gappy",
    };
    size_t n = strcspn(v, ":");

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strlen(names[i]) == n && strncmp(v, names[i], n) == 0) {
            c->shape = (enum sim_shape)i;
            c->shape_for_s = v[n] == ':' ? atof(v + n + 1) : 0;
            return 0;
        }
    }
    return -1;
}

/* "seq" (the lab guest's walk) or "random" -> the guest's pattern; -1:
 * unknown. */
static int
parse_pattern(struct sim_case *c, const char *v)
{
    static const char *const names[] = { [SIM_RANDOM] = "random", [SIM_SEQ] = "seq" };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(v, names[i]) == 0) {
            c->pattern = (enum sim_pattern)i;
            return 0;
        }
    }
    return -1;
}

/* One key=value of a scenario line; -1: unknown key or value. */
static int
parse_kv(struct sim_case *c, const char *k, const char *v)
{
    if (strcmp(k, "ram") == 0)
        c->ram = parse_size(v);
    else if (strcmp(k, "rate") == 0)
        c->kind = SIM_PACED, c->rate = atof(v) * SIM_MIB;
    else if (strcmp(k, "spin") == 0)    /* the lab's spin=N: ~905000/N MiB/s (lab host) */
        c->kind = SIM_SPIN, c->rate = 905000.0 / atof(v) * SIM_MIB;
    else if (strcmp(k, "spinrate") == 0)
        c->kind = SIM_SPIN, c->rate = atof(v) * SIM_MIB;
    else if (strcmp(k, "wss") == 0)
        c->wss = parse_size(v);
    else if (strcmp(k, "link") == 0)
        c->link = parse_link(v);
    else if (strcmp(k, "budget") == 0)
        c->budget_ms = atoi(v);
    else if (strcmp(k, "postcopy") == 0)
        c->post_copy = parse_yes(v);
    else if (strcmp(k, "ac") == 0)
        c->auto_converge = parse_yes(v);
    else if (strcmp(k, "reps") == 0)
        c->reps = atoi(v);
    else if (strcmp(k, "cut") == 0)
        sscanf(v, "%lf:%lf", &c->cut_at_s, &c->cut_for_s);
    else if (strcmp(k, "shape") == 0)
        return parse_shape(c, v);
    else if (strcmp(k, "pattern") == 0)
        return parse_pattern(c, v);
    else if (strcmp(k, "bare") == 0)    /* lab bench only: libvirt alone migrates it too */
        return strcmp(v, "yes") == 0 || strcmp(v, "no") == 0 ? 0 : -1;
    else if (strcmp(k, "name") != 0)
        return -1;
    return 0;
}

static int
scenario_read(const char *path, struct sim_case *out)
{
    FILE *f = fopen(path, "r");
    char line[512], *tok, *save, *eq;
    int n = 0, lineno = 0;

    if (!f) {
        perror(path);
        exit(2);
    }
    while (fgets(line, sizeof(line), f) && n < MAX_CASES) {
        struct sim_case *c = &out[n];

        lineno++;
        line[strcspn(line, "#\n")] = '\0';
        if (strspn(line, " \t") == strlen(line))
            continue;
        memset(c, 0, sizeof(*c));
        c->ram = SIM_GIB, c->wss = 32 * SIM_MIB, c->link = 1 * GBIT, c->budget_ms = 500;
        c->reps = 1, c->pattern = SIM_SEQ;  /* the format is the lab guest's: it walks */
        snprintf(c->name, sizeof(c->name), "%s", line + strspn(line, " \t"));
        for (tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
            if (!(eq = strchr(tok, '=')) || (*eq = '\0', parse_kv(c, tok, eq + 1) < 0)) {
                fprintf(stderr, "%s:%d: unknown item '%s%s%s'\n", path, lineno, tok,
                        eq ? "=" : "", eq ? eq + 1 : "");
                exit(2);
            }
        }
        if (c->ram <= 0 || c->link <= 0 || c->wss <= 0 || c->budget_ms <= 0) {
            fprintf(stderr, "%s:%d: ram, wss, link and budget must be > 0\n", path, lineno);
            exit(2);
        }
        c->wss = fmin(c->wss, c->ram);
        n++;
    }
    fclose(f);
    return n;
}

/* ---- results -------------------------------------------------------------------------- */

struct agg {
    int n, ok, hopeless, decided, lost, horizon;
    double time_s, down_ms, down_max, decide_s;
};

static json_t *
run_json(int i, const struct sim_run *r)
{
    const struct sim_qemu *q = &r->q;

    return json_pack("{s:i, s:s, s:s, s:s, s:b, s:b, s:f, s:f, s:f, s:f, s:f, s:f, s:I, s:s}",
                     "case", i, "name", r->c->name, "policy", r->p->name,
                     "outcome", sim_end_name(q->end), "ok", sim_run_ok(r),
                     "possible", sim_case_possible(r->c), "rate_mibs", r->c->rate / SIM_MIB,
                     "time_s", (q->end_ms + (q->end == SIM_REFUSED ? r->p->lead_ms : 0)) / 1000.0,
                     "downtime_ms", q->downtime_ms, "bytes", q->processed,
                     "decision_s", r->decided_ms < 0 ? -0.001 :
                                   (r->decided_ms + (q->end == SIM_REFUSED ? r->p->lead_ms : 0))
                                   / 1000.0,
                     "evidence_s", q->iter3_ms / 1000.0,
                     "iterations", (json_int_t)q->iteration, "why", r->why);
}

/* A case as the simulator reads it (MiB, MiB/s, ms): what the lab bench
 * runs. */
static json_t *
case_json(int i, const struct sim_case *c)
{
    return json_pack("{s:i, s:s, s:f, s:s, s:s, s:f, s:f, s:f, s:i, s:b, s:b, s:i}", "case", i,
                     "name", c->name, "ram_mib", c->ram / SIM_MIB,
                     "kind", c->kind == SIM_SPIN ? "spin" : "paced",
                     "pattern", c->pattern == SIM_SEQ ? "seq" : "random",
                     "rate_mibs", c->rate / SIM_MIB, "wss_mib", c->wss / SIM_MIB,
                     "link_mib", c->link / SIM_MIB, "budget_ms", c->budget_ms,
                     "post_copy", c->post_copy, "auto_converge", c->auto_converge,
                     "reps", c->reps);
}

static void
agg_add(struct agg *a, const struct sim_run *r)
{
    a->n++;
    if (sim_run_ok(r)) {
        a->ok++;
        a->time_s += r->q.end_ms / 1000.0;
        a->down_ms += r->q.downtime_ms;
        a->down_max = fmax(a->down_max, r->q.downtime_ms);
    }
    a->lost += r->q.end == SIM_LOST;
    if (sim_case_possible(r->c))
        return;
    a->hopeless++;
    if (r->q.end == SIM_HORIZON) {
        a->horizon++;
    } else {
        a->decided++;
        a->decide_s += (r->q.end_ms + (r->q.end == SIM_REFUSED ? r->p->lead_ms : 0)) / 1000.0;
    }
}

/* Ferry's invariants on one case against the others; prints and counts failures. */
static int
check_case(const struct sim_run *runs)
{
    const struct sim_run *f = &runs[0];
    int bad = 0;

    for (int p = 0; p < SIM_NPOLICIES; p++) {
        if (runs[p].q.end == SIM_LOST) {
            printf("FAIL %s lost the guest: %s\n", runs[p].p->name, runs[p].c->name);
            bad++;
        }
        if (sim_run_ok(&runs[p]) && !sim_case_possible(runs[p].c)) {
            printf("FAIL model: %s succeeded where physics says it cannot: %s\n",
                   runs[p].p->name, runs[p].c->name);
            bad++;
        }
    }
    if (!sim_case_possible(f->c) &&
        (f->decided_ms < 0 || (f->q.iter3_ms >= 0 && f->decided_ms > f->q.iter3_ms + 60000))) {
        printf("FAIL ferry decided a hopeless case %.1f s after its evidence (%.1f s): %s\n",
               f->decided_ms / 1000.0, f->q.iter3_ms / 1000.0, f->c->name);
        bad++;
    }
    return bad;
}

static void
print_row(FILE *dat, const char *pol, const struct sim_case *c, const struct agg *a)
{
    printf("%-9s %5.3g %6.3g %4d %5.1f%% %9.1f %8.0f %8.0f %4d %9.1f %4d %4d\n", pol,
           c->ram / SIM_GIB, c->link / GBIT, a->n, 100.0 * a->ok / a->n,
           a->ok ? a->time_s / a->ok : 0, a->ok ? a->down_ms / a->ok : 0, a->down_max,
           a->hopeless, a->decided ? a->decide_s / a->decided : -1, a->horizon, a->lost);
    if (dat)
        fprintf(dat, "%s %g %g %g %g %g\n", pol, c->ram / SIM_GIB, c->link / GBIT,
                100.0 * a->ok / a->n, a->ok ? a->time_s / a->ok : 0,
                a->decided ? a->decide_s / a->decided : -1);
}

/* One run, for scenario files: outcome, time, downtime, bytes, why. */
static void
print_case(int i, const struct sim_run *r)
{
    printf("  case %d %-9s %-9s %s %8.1f s %6.0f ms %6.2f x RAM  %.*s\n", i, r->p->name,
           sim_end_name(r->q.end), sim_run_ok(r) ? "ok  " : "FAIL", r->q.end_ms / 1000.0,
           r->q.downtime_ms, r->q.processed / r->c->ram, 100, r->why);
}

/* Ferry's success count against every other policy's on one size and link. */
static int
check_group(const struct sim_case *c, const struct agg *a)
{
    int bad = 0;

    for (int p = 1; p < SIM_NPOLICIES; p++)
        if (a[p].ok > a[0].ok) {
            printf("FAIL ferry %d/%d < %s %d/%d at %g GiB, %g Gbit/s\n", a[0].ok, a[0].n,
                   sim_policies[p]->name, a[p].ok, a[p].n, c->ram / SIM_GIB, c->link / GBIT);
            bad++;
        }
    return bad;
}

/* Run every case under every policy; the table, JSON, data; failures. */
static int
report(const struct sim_case *cases, int n, int64_t horizon_ms, json_t *jarr, FILE *dat,
       bool check, bool per_case)
{
    static struct sim_run runs[SIM_NPOLICIES];
    struct agg a[SIM_NPOLICIES];
    int bad = 0, start = 0;

    printf("%-9s %5s %6s %4s %6s %9s %8s %8s %4s %9s %4s %4s\n", "policy", "GiB", "Gbit/s",
           "n", "ok", "time_s", "down_ms", "down_max", "hopl", "decide_s", "undc", "lost");
    for (int i = 0; i <= n; i++) {
        if (i == n || (i > start && (cases[i].ram != cases[start].ram ||
                                     cases[i].link != cases[start].link))) {
            for (int p = 0; p < SIM_NPOLICIES; p++)
                print_row(dat, sim_policies[p]->name, &cases[start], &a[p]);
            if (check)
                bad += check_group(&cases[start], a);
            start = i;
        }
        if (i == n)
            break;
        if (i == start)
            memset(a, 0, sizeof(a));
        for (int p = 0; p < SIM_NPOLICIES; p++) {
            sim_run(&runs[p], sim_policies[p], &cases[i], horizon_ms);
            agg_add(&a[p], &runs[p]);
            if (jarr)
                json_array_append_new(jarr, run_json(i, &runs[p]));
            if (per_case)
                print_case(i, &runs[p]);
        }
        if (check)
            bad += check_case(runs);
    }
    return bad;
}

/* --measured FILE: [{"case": i, "rate_mibs": x or null, ...}, ...], the
 * dirty rate (MiB/s) a lab guest measured itself on case i.  Each entry
 * comes back with "possible": sim_case_possible on case i at that rate in
 * the case's own kind (a spin= case stays CPU-bound, as spinrate=x would
 * have it), null without a rate; one line each on stdout.  NULL (and why,
 * on stderr) for a bad file. */
static json_t *
measured_verdicts(const char *path, const struct sim_case *cases, int n)
{
    json_error_t je;
    json_t *in = json_load_file(path, 0, &je), *out = json_array(), *e, *rate, *v;
    json_int_t k;
    struct sim_case c;
    char at[32];
    size_t i;

    if (!json_is_array(in)) {
        fprintf(stderr, "%s: %s\n", path, in ? "not a JSON array" : je.text);
        goto bad;
    }
    json_array_foreach(in, i, e) {
        k = json_is_integer(json_object_get(e, "case")) ?
            json_integer_value(json_object_get(e, "case")) : -1;
        rate = json_object_get(e, "rate_mibs");
        if (k < 0 || k >= n ||
            !(json_is_null(rate) || (json_is_number(rate) && json_number_value(rate) >= 0))) {
            fprintf(stderr, "%s: entry %zu: needs \"case\" (0-%d) and \"rate_mibs\" "
                    "(MiB/s >= 0, or null)\n", path, i, n - 1);
            goto bad;
        }
        c = cases[k];
        c.rate = json_number_value(rate) * SIM_MIB;
        v = json_is_null(rate) ? json_null() : json_boolean(sim_case_possible(&c));
        json_array_append_new(out, json_deep_copy(e));
        json_object_set_new(json_array_get(out, i), "possible", v);
        if (json_is_null(rate))
            snprintf(at, sizeof(at), "-");
        else
            snprintf(at, sizeof(at), "%.1f", json_number_value(rate));
        printf("  case %lld at the measured %s MiB/s: physics %s (at the line's %g: %s)\n",
               (long long)k, at, json_is_null(v) ? "-" : json_is_true(v) ? "yes" : "no",
               cases[k].rate / SIM_MIB, sim_case_possible(&cases[k]) ? "yes" : "no");
    }
    json_decref(in);
    return out;
bad:
    json_decref(in);
    json_decref(out);
    return NULL;
}

/* A result's downtime (ms), or -1 when it did not complete (a ferry-sim
 * result's outcome; a lab row's downtime_ms is null then). */
static double
result_downtime(const json_t *r)
{
    const json_t *d = json_object_get(r, "downtime_ms");
    const char *o = json_string_value(json_object_get(r, "outcome"));

    if (!json_is_number(d) || (o && strstr(o, "completed") == NULL &&
                               strstr(o, "post-copy") == NULL && strstr(o, "paused") == NULL))
        return -1;
    return json_number_value(d);
}

/* "  123" or "    -" into buf (width 6). */
static const char *
fmt_ms(char *buf, size_t size, double ms)
{
    if (ms < 0)
        snprintf(buf, size, "%6s", "-");
    else
        snprintf(buf, size, "%6.0f", ms);
    return buf;
}

/* The relative error of sim against lab: "+12.3%", or "-" without both. */
static const char *
fmt_err(char *buf, size_t size, double sim, double lab)
{
    if (sim < 0 || lab <= 0)
        snprintf(buf, size, "%7s", "-");
    else
        snprintf(buf, size, "%+6.1f%%", 100 * (sim - lab) / lab);
    return buf;
}

/* The lab's fixed per-migration cost inside libvirt's job that the model
 * leaves out: the destination's start at Prepare (a QEMU process under
 * TCG, libvirt's Prepare RPC) before any RAM flows.  Measured on the lab
 * bench's default mix, on the cases whose transfer is only the RAM over
 * the cap (idle, idle-128, light, light-slow; 12 runs): job_s - bytes /
 * link - SIM_SWITCHOVER_MS = 229-346 ms, median 250, at 235f56d; 244-412,
 * median 335, in the committed run at f94eaf1 (the constant is kept: the
 * README's calibration errors are against it).  The same for every
 * policy, so it stays out of the model (a KVM host starts its destination
 * faster, and the grid's migrations take tens of seconds to hours);
 * calibrate adds it to the
 * simulator's time against a lab row.  The lab's time after the job
 * (libvirt's Confirm, the worker's poll: time_s - job_s, 67-318 ms,
 * median 269 at 235f56d; 269-319, median 284, at f94eaf1) is left out by
 * comparing with the lab's job_s. */
#define CAL_PREPARE_S 0.250

/* |errors| of one policy's rows, for calibrate's summary. */
struct cal_errs {
    const char *policy;
    double *v[3];                   /* time, bytes, downtime */
    int n[3];
};

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* The lab side's time: libvirt's job (s) where the lab has it, else its
 * time_s; *prep: what the simulator's time gets for the same span. */
static double
lab_time(const json_t *l, double *prep)
{
    const json_t *job = json_object_get(l, "job_s");

    *prep = json_is_number(job) ? CAL_PREPARE_S : 0;
    return json_is_number(job) ? json_number_value(job)
                               : json_number_value(json_object_get(l, "time_s"));
}

/* One calibrate row: time, bytes and downtime of s against l; the
 * |errors| (%) of the runs both sides ran (time, bytes) and completed
 * (downtime) into e. */
static void
calibrate_row(const json_t *s, const json_t *l, struct cal_errs *e)
{
    double prep, lt = lab_time(l, &prep);
    double st = json_number_value(json_object_get(s, "time_s"));
    double sb = json_number_value(json_object_get(s, "bytes"));
    double lb = json_number_value(json_object_get(l, "bytes"));
    double sd = result_downtime(s), ld = result_downtime(l);
    bool ran = sb > 0 && lb > 0;
    bool has[3] = { ran, ran, sd >= 0 && ld > 0 };
    double err[3];
    char a[16], b[16], c[16];

    st += st > 0 ? prep : 0;        /* a refusal started nothing */
    err[0] = lt > 0 ? 100 * (st - lt) / lt : 0;
    err[1] = lb > 0 ? 100 * (sb - lb) / lb : 0;
    err[2] = has[2] ? 100 * (sd - ld) / ld : 0;
    printf("%4lld %-8s %9.1f %9.1f %+6.1f%% %12.0f %12.0f %+6.1f%% %s %s %s\n",
           (long long)json_integer_value(json_object_get(l, "case")),
           json_string_value(json_object_get(l, "policy")), st, lt, err[0], sb, lb, err[1],
           fmt_ms(a, sizeof(a), sd), fmt_ms(b, sizeof(b), ld), fmt_err(c, sizeof(c), sd, ld));
    for (int k = 0; k < 3; k++)
        if (has[k])
            e->v[k][e->n[k]++] = fabs(err[k]);
}

/* The summary: per policy, the median and max |error| of each measure. */
static void
calibrate_summary(struct cal_errs *e, int npol)
{
    printf("# |error| per policy, median / max (n): time and bytes over the runs both "
           "ran, downtime over those both completed\n");
    for (int p = 0; p < npol; p++) {
        printf("# %-8s", e[p].policy);
        for (int k = 0; k < 3; k++) {
            qsort(e[p].v[k], (size_t)e[p].n[k], sizeof(double), cmp_double);
            if (e[p].n[k] == 0) {
                printf("  %s -", k == 0 ? "time" : k == 1 ? "bytes" : "downtime");
                continue;
            }
            printf("  %s %.1f / %.1f %% (%d)", k == 0 ? "time" : k == 1 ? "bytes" : "downtime",
                   e[p].n[k] % 2 ? e[p].v[k][e[p].n[k] / 2]
                                 : (e[p].v[k][e[p].n[k] / 2 - 1] + e[p].v[k][e[p].n[k] / 2]) / 2,
                   e[p].v[k][e[p].n[k] - 1], e[p].n[k]);
        }
        printf("\n");
    }
}

/* The policy's slot in e (a new one for a new name); -1: too many. */
static int
cal_slot(struct cal_errs *e, int *npol, const char *policy, size_t rows)
{
    for (int p = 0; p < *npol; p++)
        if (strcmp(e[p].policy, policy) == 0)
            return p;
    if (*npol >= SIM_NPOLICIES + 1)
        return -1;
    e[*npol].policy = policy;
    for (int k = 0; k < 3; k++)
        if (!(e[*npol].v[k] = calloc(rows + 1, sizeof(double))))
            return -1;
    return (*npol)++;
}

/* calibrate: per case and policy, time, bytes and downtime of SIM against
 * LAB ('-': a run that did not complete has no downtime), the lab's time
 * libvirt's job where it has one (and the simulator's with the
 * destination's start, CAL_PREPARE_S); then the errors' summary. */
static int
calibrate(const char *sim_path, const char *lab_path)
{
    json_error_t je;
    json_t *sim = json_load_file(sim_path, 0, &je), *lab = json_load_file(lab_path, 0, &je);
    json_t *s, *l;
    struct cal_errs e[SIM_NPOLICIES + 1];
    int npol = 0, p;
    size_t i, j, rows;

    if (!sim || !lab) {
        fprintf(stderr, "calibrate: %s: %s\n", je.source, je.text);
        return 2;
    }
    memset(e, 0, sizeof(e));
    rows = json_array_size(json_object_get(lab, "results"));
    printf("%4s %-8s %9s %9s %7s %12s %12s %7s %6s %6s %7s\n", "case", "policy", "sim_s",
           "lab_s", "err", "sim_bytes", "lab_bytes", "err", "sim_ms", "lab_ms", "err");
    json_array_foreach(json_object_get(lab, "results"), i, l) {
        json_array_foreach(json_object_get(sim, "results"), j, s) {
            if (json_integer_value(json_object_get(s, "case")) !=
                    json_integer_value(json_object_get(l, "case")) ||
                !json_equal(json_object_get(s, "policy"), json_object_get(l, "policy")))
                continue;
            p = cal_slot(e, &npol, json_string_value(json_object_get(l, "policy")), rows);
            if (p >= 0)
                calibrate_row(s, l, &e[p]);
        }
    }
    calibrate_summary(e, npol);
    for (p = 0; p < npol; p++)
        for (int k = 0; k < 3; k++)
            free(e[p].v[k]);
    json_decref(sim);
    json_decref(lab);
    return 0;
}

static void
usage(void)
{
    fprintf(stderr, "usage: ferry-sim [--grid full|check] [--scenario FILE] [--json OUT] "
            "[--dat OUT] [--horizon S] [--nova-divisor N] [--measured RATES.json] [--check]\n"
            "       ferry-sim calibrate SIM.json LAB.json\n");
    exit(2);
}

int
main(int argc, char **argv)
{
    static struct sim_case cases[MAX_CASES];
    const char *json_path = NULL, *dat_path = NULL, *scen = NULL, *measured_path = NULL;
    const struct grid *g = &grids[0];
    double horizon_s = 4 * 3600;
    bool check = false;
    json_t *root, *jarr = NULL, *measured = NULL;
    FILE *dat = NULL;
    int n, bad;

    if (argc == 4 && strcmp(argv[1], "calibrate") == 0)
        return calibrate(argv[2], argv[3]);
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(argv[i], "--check") == 0)
            check = true;
        else if (!v)
            usage();
        else if (strcmp(argv[i], "--grid") == 0)
            g = &grids[strcmp(v, "check") == 0], i++;
        else if (strcmp(argv[i], "--scenario") == 0)
            scen = v, i++;
        else if (strcmp(argv[i], "--json") == 0)
            json_path = v, i++;
        else if (strcmp(argv[i], "--dat") == 0)
            dat_path = v, i++;
        else if (strcmp(argv[i], "--measured") == 0)
            measured_path = v, i++;
        else if (strcmp(argv[i], "--nova-divisor") == 0 && atoi(v) >= 1 && atoi(v) <= 3600)
            sim_nova_divisor = atoi(v), i++;
        else if (strcmp(argv[i], "--horizon") == 0 && atof(v) > 0)
            horizon_s = atof(v), i++;
        else
            usage();
    }
    n = scen ? scenario_read(scen, cases) : grid_cases(g, cases);
    if (json_path)
        jarr = json_array();
    if (dat_path && !(dat = fopen(dat_path, "w"))) {
        perror(dat_path);
        return 2;
    }
    bad = report(cases, n, (int64_t)(horizon_s * 1000), jarr, dat, check, scen != NULL);
    if (dat)
        fclose(dat);
    if (measured_path && !(measured = measured_verdicts(measured_path, cases, n)))
        return 2;
    if (jarr) {
        root = json_pack("{s:f, s:i, s:o, s:[]}", "horizon_s", horizon_s, "switchover_ms",
                         SIM_SWITCHOVER_MS, "results", jarr, "cases");
        for (int i = 0; i < n; i++)
            json_array_append_new(json_object_get(root, "cases"), case_json(i, &cases[i]));
        if (measured)
            json_object_set_new(root, "measured", measured);
        if (json_dump_file(root, json_path, JSON_INDENT(1)) < 0)
            fprintf(stderr, "cannot write %s\n", json_path);
        json_decref(root);
    } else {
        json_decref(measured);
    }
    if (check)
        printf("%s: %d case(s) x %d policies, %d failure(s)\n", bad ? "FAIL" : "ok", n,
               SIM_NPOLICIES, bad);
    return bad ? 1 : 0;
}
