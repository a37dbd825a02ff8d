/* h_dashboard.c - GET /ferry/v1/dashboard: the live dashboard, one static
 * page (api/dashboard.html) that reads everything it shows from the API with
 * the operator's token, so it is served without one, as the version
 * documents are.  Read once at start-up from beside the program: the
 * installed PREFIX/share/ferry/dashboard.html, else the checkout's
 * api/dashboard.html; without it the route is Nova's 404 with the places
 * looked at. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/routes.h"
#include "common/cli.h"
#include "common/log.h"

static char *dashboard_html;
static char dashboard_tried[1024];

/* The whole of path, NUL-terminated, or NULL. */
static char *
dashboard_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && n < (1L << 24) &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) &&
        fread(buf, 1, (size_t)n, f) == (size_t)n) {
        buf[n] = '\0';
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

void
dashboard_load(void)
{
    static const char *const where[] = { "%s/../share/ferry/dashboard.html",
                                         "%s/../api/dashboard.html" };
    char path[sizeof(dashboard_tried)];

    for (size_t i = 0; i < sizeof(where) / sizeof(where[0]) && !dashboard_html; i++) {
        snprintf(path, sizeof(path), where[i], cli_exe_dir());
        dashboard_html = dashboard_read(path);
        snprintf(dashboard_tried + strlen(dashboard_tried),
                 sizeof(dashboard_tried) - strlen(dashboard_tried), "%s%s", i ? ", " : "",
                 path);
    }
    if (dashboard_html)
        log_info("dashboard at /ferry/v1/dashboard from %s", path);
    else
        log_warnx("no dashboard: none of %s", dashboard_tried);
}

int
h_dashboard(struct resp *r, struct err *err)
{
    if (!dashboard_html)
        return err_set(err, ERR_NOT_FOUND, "The dashboard is not installed (looked at %s).",
                       dashboard_tried[0] ? dashboard_tried : "nothing");
    r->raw_body = dashboard_html;
    r->content_type = "text/html; charset=utf-8";
    return 0;
}
