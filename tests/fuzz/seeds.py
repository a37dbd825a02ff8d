#!/usr/bin/python3
"""seeds.py - the fuzzers' starting corpora, made from the repository alone:
Nova's API samples (tests/fuzz/nova-api-samples, a copy, and
tests/contract/samples), every route of api/routes.c with typical queries,
etc/ferry.conf.sample and a token file.

  seeds.py OUTDIR        writes OUTDIR/{router,body,mv,cfg,token}/NNNN
"""
import json
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SID = "4b1c2a3e-8d4b-4c1a-9f3e-2a1b0c9d8e7f"
METHODS = {"GET": 0, "POST": 1, "PUT": 2, "DELETE": 3}
QUERIES = ["", "?limit=1", "?limit=1&marker=" + SID, "?all_tenants=1&host=h1",
           "?changes-since=2024-01-01T00:00:00Z&status=running", "?name=%5Eweb&deleted=false",
           "?limit=-1", "?marker=bogus", "?hidden=1&migration_type=live-migration",
           "?with_servers=true&hypervisor_hostname_pattern=h", "?is_public=None&minRam=5"]
VERSIONS = ["", "compute 2.1", "compute 2.25", "compute 2.53", "compute latest",
            "compute 2.104", "compute 3.0"]


def samples():
    """(microversion, JSON bytes) of every sample body."""
    for root in ("tests/fuzz/nova-api-samples", "tests/contract/samples"):
        for d, _, files in os.walk(os.path.join(REPO, root)):
            m = re.search(r"/v(2\.\d+)$", d)
            for f in sorted(files):
                if f.endswith(".json"):
                    with open(os.path.join(d, f), "rb") as fh:
                        yield (m.group(1) if m else "2.1"), fh.read()


def routes():
    text = open(os.path.join(REPO, "api/routes.c")).read()
    for m, path in re.findall(r'\{ HTTP_(GET|POST|PUT|DELETE), "(/[^"]*)"', text):
        yield m, re.sub(r"\{[a-z_]+\}", lambda x: "7" if "migration" in x.group(0)
                        or "hypervisor" in x.group(0) else SID, path)


def main():
    out = sys.argv[1]
    n = {}

    def put(kind, data):
        os.makedirs(os.path.join(out, kind), exist_ok=True)
        n[kind] = n.get(kind, 0) + 1
        with open(os.path.join(out, kind, "%04d" % n[kind]), "wb") as fh:
            fh.write(data)

    for i, (m, path) in enumerate(routes()):
        for j, q in enumerate(QUERIES):
            prefix = ["/v2.1", "/v2", "/v2.1/" + SID[:8]][(i + j) % 3]
            v = VERSIONS[(i + j) % len(VERSIONS)]
            put("router", bytes([METHODS[m]]) + ("%s%s%s\n%s\nadmin:admin\napplication/json\n"
                                                 % (prefix, path, q, v)).encode())
    for p in ["/", "/v2", "/v2.1/", "/v2.1", "/x", "/v2.1/servers/../../etc/passwd",
              "/healthcheck", "/metrics"]:
        put("router", b"\x00" + p.encode() + b"\n\n\n\n")
    # the operators' routes with a token (the table's are below /v2.1)
    for m in (0, 1):
        put("router", bytes([m]) + b"/metrics\n\nadmin:admin\n\n")
    for mv, body in samples():
        if b'"os-migrateLive"' in body or b'"force_complete"' in body or b'"status"' in body:
            target = 0 if b"os-migrateLive" in body else 1 if b"force_complete" in body else 2
            minor = int(mv.split(".")[1])
            put("body", bytes([target, (minor - 1) % 104]) + body)
            put("router", b"\x01/v2.1/servers/%s/action\ncompute %s\nadmin:admin\n"
                b"application/json\n" % (SID.encode(), mv.encode()) + body)
    for body in [b'{"status": "disabled", "forced_down": true}', b'{"host": "h1", '
                 b'"binary": "nova-compute", "disabled_reason": "x"}', b'{"force_complete": null}',
                 b'{"os-migrateLive": {"host": null, "block_migration": "auto"}}']:
        for t in range(6):
            put("body", bytes([t, 52]) + body)
    for v in VERSIONS + ["compute 2.1, volume 3.0\n2.5", "\n2.30", "compute  2.0", "latest\nlatest"]:
        put("mv", b"\x5f" + v.encode())
    with open(os.path.join(REPO, "etc/ferry.conf.sample"), "rb") as fh:
        conf = fh.read()
    put("cfg", conf)
    put("cfg", re.sub(rb"(?m)^#([a-z_]+ = )", rb"\1", conf))
    put("token", b"# tokens\ns3cret alice p1 admin,member\nt2 bob p2 manager\n\nt3 carol p3\n")
    json.dump(n, sys.stdout)
    print()


if __name__ == "__main__":
    main()
