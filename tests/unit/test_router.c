/* test_router.c - the generic checks before a handler, in Nova's order:
 * size, version documents, auth, route (bare 404, never 405), microversion,
 * Content-Type, action key, project id, the method's microversion range.
 * None of these rows reaches a handler, so no database is needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api/api.h"
#include "common/log.h"

static struct cfg cfg;

struct row {
    enum http_method method;
    const char *path;
    const char *token;
    const char *version;        /* OpenStack-API-Version */
    const char *ctype;
    const char *body;
    int status;
    const char *fault;          /* fault name, "" for a bare 404, NULL for none */
    const char *message;        /* substring of the message, or NULL */
    bool versioned;             /* version headers expected */
};

#define ADMIN "admin:admin"
#define S "/v2.1/servers/11111111-2222-3333-4444-555555555555"
#define JSON "application/json"

static const struct row rows[] = {
    /* version documents need no token */
    { HTTP_GET, "/", NULL, NULL, NULL, NULL, 200, NULL, NULL, false },
    { HTTP_GET, "/v2.1", NULL, NULL, NULL, NULL, 200, NULL, NULL, true },
    { HTTP_GET, "/v2.1/", NULL, NULL, NULL, NULL, 200, NULL, NULL, true },
    { HTTP_GET, "/v2.1/", "bad token", NULL, NULL, NULL, 200, NULL, NULL, true },
    { HTTP_GET, "/v2.1/", NULL, "compute 2.x", NULL, NULL, 400, "badRequest",
      "is of invalid format", false },
    { HTTP_POST, "/v2.1/", NULL, NULL, NULL, NULL, 404, "", NULL, false },
    { HTTP_GET, "/v2.1", NULL, "compute 2.x", NULL, NULL, 400, "badRequest",
      "is of invalid format", false },
    { HTTP_GET, "/v2", NULL, NULL, NULL, NULL, 200, NULL, NULL, false },
    { HTTP_GET, "/v3/servers", NULL, NULL, NULL, NULL, 300, NULL, NULL, false },
    /* auth first, then routing */
    { HTTP_GET, "/v2.1/servers", NULL, NULL, NULL, NULL, 401, "unauthorized", NULL, false },
    { HTTP_GET, "/v2.1/nowhere", NULL, NULL, NULL, NULL, 401, "unauthorized", NULL, false },
    { HTTP_GET, "/v2.1/nowhere", ADMIN, NULL, NULL, NULL, 404, "", NULL, false },
    { HTTP_PUT, "/v2.1/os-migrations", ADMIN, NULL, NULL, NULL, 404, "", NULL, false },
    { HTTP_DELETE, S, ADMIN, NULL, NULL, NULL, 404, "", NULL, false },
    { HTTP_GET, "/v2.1/servers/", ADMIN, NULL, NULL, NULL, 404, "", NULL, false },
    /* microversion */
    { HTTP_GET, "/v2.1/os-migrations", ADMIN, "compute 2.01", NULL, NULL, 400, "badRequest",
      "API Version String 2.01 is of invalid format", false },
    { HTTP_GET, "/v2.1/os-migrations", ADMIN, "compute 2.97", NULL, NULL, 406, "computeFault",
      "Version 2.97 is not supported by the API. Minimum is 2.1 and maximum is 2.96.", true },
    /* content type before the action key, action key before the version range */
    { HTTP_POST, S "/action", ADMIN, NULL, "text/xml", "{}", 415, "badMediaType",
      "Unsupported Content-Type", true },
    { HTTP_POST, S "/action", ADMIN, NULL, JSON, "{}", 400, "badRequest",
      "Malformed request body", true },
    { HTTP_POST, S "/action", ADMIN, NULL, JSON, "not json", 400, "badRequest",
      "Malformed request body", true },
    { HTTP_POST, S "/action", ADMIN, NULL, JSON, "{\"a\": 1, \"b\": 2}", 400, "badRequest",
      "Malformed request body", true },
    { HTTP_POST, S "/action", ADMIN, NULL, JSON, "{\"os-stop\": null}", 400, "badRequest",
      "There is no such action: os-stop", true },
    { HTTP_POST, S "/migrations/1/action", ADMIN, "compute 2.21", JSON,
      "{\"force_complete\": null}", 404, "itemNotFound", "The resource could not be found.",
      true },
    { HTTP_POST, S "/migrations/1/action", ADMIN, "compute 2.21", "application/xml",
      "{\"force_complete\": null}", 415, "badMediaType", NULL, true },
    { HTTP_GET, S "/migrations", ADMIN, "compute 2.22", NULL, NULL, 404, "itemNotFound",
      "The resource could not be found.", true },
    { HTTP_DELETE, S "/migrations/1", ADMIN, "compute 2.23", NULL, NULL, 404, "itemNotFound",
      NULL, true },
    /* a project id in the URL must be the caller's */
    { HTTP_GET, "/v2.1/abc123/os-migrations", ADMIN, NULL, NULL, NULL, 400, "badRequest",
      "Malformed request URL: URL's project_id 'abc123' doesn't match Context's project_id "
      "'admin'", true },
    { HTTP_GET, "/v2.1/abc123/servers/x/migrations", "u:abc123", "compute 2.22", NULL, NULL,
      404, "itemNotFound", NULL, true },
};

static void
run_row(const struct row *w, struct resp *r)
{
    struct req q;

    memset(&q, 0, sizeof(q));
    memset(r, 0, sizeof(*r));
    q.method = w->method;
    q.path = w->path;
    q.auth_token = w->token;
    q.api_version = w->version;
    q.content_type = w->ctype;
    q.host = "ferry.test:8774";
    q.body = w->body ? w->body : "";
    q.body_len = w->body ? strlen(w->body) : 0;
    router_handle(&cfg, NULL, NULL, "test", &q, r);
}

static void
test_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct row *w = &rows[i];
        struct resp r;
        const char *key = NULL;
        json_t *v = NULL;

        run_row(w, &r);
        if (r.status != w->status)
            fail_msg("row %zu %s: status %d, want %d", i, w->path, r.status, w->status);
        if (w->fault && *w->fault) {
            json_object_foreach(r.body, key, v) break;
            if (!key || strcmp(key, w->fault) != 0)
                fail_msg("row %zu %s: fault %s, want %s", i, w->path, key ? key : "-",
                         w->fault);
            assert_int_equal(json_integer_value(json_object_get(v, "code")), w->status);
            if (w->message && !strstr(json_string_value(json_object_get(v, "message")),
                                      w->message))
                fail_msg("row %zu: message \"%s\"", i,
                         json_string_value(json_object_get(v, "message")));
        }
        if (w->fault && !*w->fault)     /* webob's own page, not a Nova fault */
            assert_non_null(r.raw_body);
        if (r.versioned != w->versioned)
            fail_msg("row %zu %s: versioned=%d", i, w->path, r.versioned);
        assert_true(strncmp(r.request_id, "req-", 4) == 0);
        json_decref(r.body);
    }
}

static void
test_version_echo(void **state)
{
    struct row w = { HTTP_GET, "/v2.1", NULL, "compute 2.60", NULL, NULL, 200, NULL, NULL, 1 };
    struct resp r;

    (void)state;
    run_row(&w, &r);
    assert_string_equal(r.version, "2.60");
    json_decref(r.body);
    w.version = "compute latest";
    run_row(&w, &r);
    assert_string_equal(r.version, "2.96");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r.body, "version"),
                                                          "version")),
                        "2.96");
    json_decref(r.body);
}

static void
test_body_too_large(void **state)
{
    struct req q;
    struct resp r;

    (void)state;
    memset(&q, 0, sizeof(q));
    memset(&r, 0, sizeof(r));
    q.method = HTTP_POST;
    q.path = S "/action";
    q.auth_token = ADMIN;
    q.body = "";
    q.body_too_large = true;
    router_handle(&cfg, NULL, NULL, "test", &q, &r);
    assert_int_equal(r.status, 413);
    assert_non_null(json_object_get(r.body, "overLimit"));
    json_decref(r.body);
}

/* A message quoting bytes that are not UTF-8 is still a fault body. */
static void
test_fault_not_utf8(void **state)
{
    struct err err = ERR_INIT;
    struct resp r;
    const char *msg;

    (void)state;
    memset(&r, 0, sizeof(r));
    err_set(&err, ERR_NOT_FOUND, "Instance %s could not be found.", "a\xff\xc3");
    fault_render(&err, &r);
    assert_int_equal(r.status, 404);
    msg = json_string_value(json_object_get(json_object_get(r.body, "itemNotFound"), "message"));
    assert_non_null(msg);
    assert_string_equal(msg, "Instance a\xef\xbf\xbd\xef\xbf\xbd could not be found.");
    json_decref(r.body);
}

/* A Host header that is not UTF-8 still gives links, and a body. */
static void
test_host_not_utf8(void **state)
{
    struct req q;
    struct resp r;
    json_t *links;

    (void)state;
    memset(&q, 0, sizeof(q));
    memset(&r, 0, sizeof(r));
    q.method = HTTP_GET;
    q.path = "/v2.1";
    q.host = "ferry\xff:8774";
    q.body = "";
    router_handle(&cfg, NULL, NULL, "test", &q, &r);
    assert_int_equal(r.status, 200);
    links = json_object_get(json_object_get(r.body, "version"), "links");
    assert_non_null(links);
    assert_string_equal(json_string_value(json_object_get(json_array_get(links, 0), "href")),
                        "http://ferry\xef\xbf\xbd:8774/v2.1/");
    json_decref(r.body);
}

/* More query parameters than a request keeps is a 400, not a silent cut. */
static void
test_query_overflow(void **state)
{
    struct req q;
    struct resp r;
    const char *msg;

    (void)state;
    memset(&q, 0, sizeof(q));
    memset(&r, 0, sizeof(r));
    q.method = HTTP_GET;
    q.path = "/v2.1/os-migrations";
    q.auth_token = ADMIN;
    q.body = "";
    q.nquery = REQ_MAX_QUERY;
    for (int i = 0; i < REQ_MAX_QUERY; i++)
        q.query[i] = (struct kv){ "status", "running" };
    q.query_overflow = true;
    router_handle(&cfg, NULL, NULL, "test", &q, &r);
    assert_int_equal(r.status, 400);
    msg = json_string_value(json_object_get(json_object_get(r.body, "badRequest"), "message"));
    assert_non_null(msg);
    assert_string_equal(msg, "Too many query parameters: at most 32 are accepted.");
    json_decref(r.body);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_version_echo),
        cmocka_unit_test(test_body_too_large),
        cmocka_unit_test(test_fault_not_utf8),
        cmocka_unit_test(test_host_not_utf8),
        cmocka_unit_test(test_query_overflow),
    };

    log_init("test_router", LOG_LVL_WARN);
    cfg_defaults(&cfg);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
