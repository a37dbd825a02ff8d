#!/usr/bin/python3
"""conns.py - hold many connections against an HTTP server, and watch a
normal client meanwhile (tests/hostile/t-connections.sh).

  conns.py HOST PORT [--idle N --idle-from ADDR] [--slow N --slow-from ADDR]
           [--client-from ADDR] [--seconds S] [--path P] [--server-pid PID]

Opens N idle connections (connected, nothing sent) from ADDR and N slowloris
connections (a request line, then one header byte a second, never ending),
then for S seconds sends `GET P` from --client-from on a fresh connection
each time, one after the other (--interval apart), and prints one JSON line:

  {"idle_open": how many idle connections the server accepted,
   "idle_alive": how many it still held at the end,
   "slow_open": ..., "slow_alive": ..., "slow_cut": closed by the server,
   "server_fds": descriptors --server-pid held at the end (-1 without),
   "client_ok": answered with a complete response, "client_failed": refused,
   reset, timed out or cut short, "client_max_ms": slowest answer}

Only the standard library; nothing here depends on the machine's speed: the
client counts answers, and a failure is a refusal, a reset or no complete
answer within 10 s.
"""
import argparse
import errno
import json
import os
import resource
import select
import socket
import time


def raise_fd_limit(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))


def open_many(host, port, src, n):
    """n non-blocking connects from src; returns those that completed."""
    pending = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((src, 0))
        s.setblocking(False)
        rc = s.connect_ex((host, port))
        if rc not in (0, errno.EINPROGRESS):
            s.close()
            continue
        pending.append(s)
    done = []
    deadline = time.monotonic() + 10
    while pending and time.monotonic() < deadline:
        p = select.poll()
        byfd = {}
        for s in pending:
            p.register(s, select.POLLOUT)
            byfd[s.fileno()] = s
        for fd, _ in p.poll(500):
            s = byfd[fd]
            pending.remove(s)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                done.append(s)
            else:
                s.close()
    for s in pending:
        s.close()
    return done


def alive(socks):
    """Connections the server has not closed (a read would block)."""
    n = 0
    for s in socks:
        try:
            data = s.recv(4096, socket.MSG_PEEK)
            if data:
                n += 1          # an answer (e.g. a 408) but not closed yet
        except BlockingIOError:
            n += 1
        except OSError:
            pass
    return n


def client_get(host, port, src, path):
    """One request on a fresh connection: elapsed ms, or None on failure."""
    t0 = time.monotonic()
    try:
        s = socket.create_connection((host, port), timeout=10, source_address=(src, 0))
        s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
                   % (path, host)).encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
    except OSError:
        return None
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200") or not body:
        return None
    return (time.monotonic() - t0) * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--idle", type=int, default=0)
    ap.add_argument("--idle-from", default="127.0.0.50")
    ap.add_argument("--slow", type=int, default=0)
    ap.add_argument("--slow-from", default="127.0.0.51")
    ap.add_argument("--client-from", default="127.0.0.1")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--interval", type=float, default=0.01,
                    help="pause between the client's requests (the machine is shared)")
    ap.add_argument("--path", default="/")
    ap.add_argument("--server-pid", type=int, default=0,
                    help="report the descriptors this process holds at the end")
    a = ap.parse_args()
    raise_fd_limit(a.idle + a.slow + 256)

    idle = open_many(a.host, a.port, a.idle_from, a.idle)
    slow = open_many(a.host, a.port, a.slow_from, a.slow)
    for s in slow:
        try:
            s.send(b"GET / HTTP/1.1\r\nX-Slow: ")
        except OSError:
            pass
    slow_cut = 0
    ok = failed = 0
    worst = 0.0
    end = time.monotonic() + a.seconds
    next_drip = 0.0
    while time.monotonic() < end:
        if time.monotonic() >= next_drip:
            for s in list(slow):
                try:
                    s.send(b"a")
                except OSError:
                    slow.remove(s)
                    s.close()
                    slow_cut += 1
            next_drip = time.monotonic() + 1
        ms = client_get(a.host, a.port, a.client_from, a.path)
        if ms is None:
            failed += 1
        else:
            ok += 1
            worst = max(worst, ms)
        time.sleep(a.interval)
    fds = len(os.listdir("/proc/%d/fd" % a.server_pid)) if a.server_pid else -1
    print(json.dumps({
        "server_fds": fds,
        "idle_open": len(idle), "idle_alive": alive(idle),
        "slow_open": len(slow) + slow_cut, "slow_alive": alive(slow), "slow_cut": slow_cut,
        "client_ok": ok, "client_failed": failed, "client_max_ms": round(worst, 1),
    }))


if __name__ == "__main__":
    main()
