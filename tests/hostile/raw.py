#!/usr/bin/python3
"""raw.py - send one request exactly as given, bytes and all, and print the
answer: what curl cannot send (two Content-Length headers, a body announced
but never sent, a NUL in a header).

  raw.py HOST PORT SECONDS < REQUEST > ANSWER

The request is read from stdin, up to its end; then the answer is read until
the server closes or SECONDS pass.  Exit status 0 when a whole HTTP answer
arrived, 2 when none did in time (or the connection was reset).
"""
import socket
import sys
import time


def main():
    host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    req = sys.stdin.buffer.read()
    end = time.monotonic() + seconds
    data = b""
    try:
        s = socket.create_connection((host, port), timeout=seconds)
        s.sendall(req)
        while time.monotonic() < end:
            s.settimeout(max(0.01, end - time.monotonic()))
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                for line in head.split(b"\r\n")[1:]:
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length" and len(body) >= int(v):
                        sys.stdout.buffer.write(data)
                        return 0
    except OSError:
        pass
    sys.stdout.buffer.write(data)
    return 0 if b"\r\n\r\n" in data else 2


if __name__ == "__main__":
    sys.exit(main())
