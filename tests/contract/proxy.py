#!/usr/bin/python3
"""proxy.py - a logging HTTP proxy in front of ferry-api, so that what the
stock clients (openstack, nova, openstacksdk, tests/clients/clients.py) are
answered is validated against openapi.yaml like the shell tests' answers.

Every request is passed on unchanged (method, path, headers including Host,
body) to UPSTREAM, the answer is passed back unchanged, and one JSON line is
appended to LOG in the format of the `api` helper of tests/integration/lib.sh
(test, method, path, query, mv, version, status, content_type, body,
request_body), under flock on LOG.lock as the shell writes it.

Usage: proxy.py UPSTREAM LOG TEST PORTFILE OWNER_PID
Listens on 127.0.0.1, a free port, written to PORTFILE once it listens;
runs until the process OWNER_PID (the test's shell) is gone.  An answer it
cannot log ends the test (SIGUSR1 to OWNER_PID, as lib.sh's fail does); no
answer from UPSTREAM is a 502 with the reason.  Errors go to stderr.
"""

import fcntl
import http.client
import http.server
import json
import os
import signal
import sys
import threading
import time
import urllib.parse

UPSTREAM, LOG, TEST, PORTFILE, OWNER = sys.argv[1:6]
UP = urllib.parse.urlsplit(UPSTREAM)
HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade", "te"}


def log(rec):
    line = json.dumps(rec, separators=(",", ":")) + "\n"
    with open(LOG + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with open(LOG, "a") as f:
            f.write(line)


def header(headers, name):
    for k, v in headers:
        if k.lower() == name:
            return v.strip()
    return ""


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def relay(self):
        n = int(self.headers.get("Content-Length") or 0)
        req_body = self.rfile.read(n) if n else b""
        heads = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        conn = http.client.HTTPConnection(UP.hostname, UP.port, timeout=300)
        try:
            conn.request(self.command, self.path, body=req_body or None, headers=heads)
            resp = conn.getresponse()
            body = resp.read()
            resp_heads = resp.getheaders()
        except (OSError, http.client.HTTPException) as e:
            # ferry-api gave no answer: say so (a client sees a 502 with
            # the reason, not a closed connection), log nothing to validate
            print("%s proxy: %s %s: no answer from %s: %r" % (
                time.strftime("%H:%M:%S"), self.command, self.path, UPSTREAM, e),
                file=sys.stderr, flush=True)
            msg = ("contract proxy: no answer from %s: %r\n" % (UPSTREAM, e)).encode()
            self.send_response_only(502)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            self.wfile.write(msg)
            return
        finally:
            conn.close()
        self.send_response_only(resp.status, resp.reason)
        for k, v in resp_heads:
            if k.lower() not in HOP and k.lower() != "content-length":
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        mv = self.headers.get("OpenStack-API-Version", "")
        mv = mv.split()[-1] if mv.lower().startswith("compute ") else ""
        if not mv:
            mv = self.headers.get("X-OpenStack-Nova-API-Version", "").strip()
        path, _, query = self.path.partition("?")
        self.log_answer({"test": TEST, "method": self.command, "path": path, "query": query, "mv": mv,
             "version": header(resp_heads, "openstack-api-version"), "status": resp.status,
             "content_type": header(resp_heads, "content-type"),
             "body": body.decode("utf-8", "replace"),
             "request_body": req_body.decode("utf-8", "replace")})

    def log_answer(self, rec):
        try:
            log(rec)
        except OSError as e:
            # an answer that cannot be validated fails the test, as the api
            # helper's fail does: USR1 ends the test's shell (lib.sh)
            print("FAIL %s: contract proxy: could not log %s %s: %r" % (
                TEST, self.command, self.path, e), file=sys.stderr, flush=True)
            os.kill(int(OWNER), signal.SIGUSR1)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = relay


def watch_owner():
    while True:
        try:
            os.kill(int(OWNER), 0)
        except ProcessLookupError:
            os._exit(0)
        time.sleep(0.5)


def main():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=watch_owner, daemon=True).start()
    with open(PORTFILE + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(PORTFILE + ".tmp", PORTFILE)
    srv.serve_forever()


if __name__ == "__main__":
    main()
