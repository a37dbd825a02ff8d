#!/usr/bin/python3
"""bare.py - one live migration by libvirt alone: no Ferry, no policy.

    bare.py SRC_URI DEST_URI DEST_ADDR DOMAIN BANDWIDTH_MIB TIMEOUT_S

The lab bench's reference for a scenario line with bare=yes: the same guest,
hosts and capped link as Ferry's runs, migrated with the flags and
parameters Ferry's libvirt driver gives a pre-copy job (live, peer to peer,
persistent on the destination, undefined on the source; the migration
stream to tcp://DEST_ADDR; the bandwidth cap) and QEMU's own max downtime
(300 ms), nothing changed while it runs.  Both connections are open before
the clock starts, so the time is libvirt's call alone: the host's own cost
of the migration, which no policy can go under.  A job still running after
TIMEOUT_S is aborted (aborted: true), and given up GRACE_S later.  Prints
one JSON object: status (completed; failed, with libvirt's error; error:
nothing was migrated), time_s (the call), job_s, downtime_ms and bytes (the
destination's completed job statistics), started and finished (epoch s).
"""
import json
import os
import sys
import threading
import time

import libvirt

GRACE_S = 120       # after an abort, the most the call may take to return


def emit(out):
    print(json.dumps(out), flush=True)


def main():
    if len(sys.argv) != 7:
        sys.exit(__doc__.split("\n\n")[1])
    src_uri, dest_uri, dest_addr, name = sys.argv[1:5]
    bandwidth, timeout = int(sys.argv[5]), float(sys.argv[6])
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    out = {"status": "completed", "error": None, "aborted": False, "started": None,
           "finished": None, "time_s": None, "job_s": None, "downtime_ms": None,
           "bytes": None}
    try:
        src = libvirt.open(src_uri)
        dest = libvirt.open(dest_uri)
        dom = src.lookupByName(name)
    except libvirt.libvirtError as e:
        out.update(status="error", error=f"before the migration: {e}")
        emit(out)
        return
    flags = (libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER
             | libvirt.VIR_MIGRATE_PERSIST_DEST | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE)
    params = {libvirt.VIR_MIGRATE_PARAM_URI: f"tcp://{dest_addr}",
              libvirt.VIR_MIGRATE_PARAM_BANDWIDTH: bandwidth}
    done = threading.Event()

    def watchdog():
        if done.wait(timeout):
            return
        try:
            dom.abortJob()
            out["aborted"] = True
        except libvirt.libvirtError:
            return              # no job left: the call is returning
        if not done.wait(GRACE_S):
            out.update(status="failed", error=f"aborted at {timeout:.0f} s, still running "
                       f"{GRACE_S} s later")
            emit(out)
            os._exit(0)
    threading.Thread(target=watchdog, daemon=True).start()
    t0 = time.time()
    try:
        dom.migrateToURI3(dest_uri, params, flags)
    except libvirt.libvirtError as e:
        out.update(status="failed", error=str(e))
    t1 = time.time()
    done.set()
    out.update(started=t0, finished=t1, time_s=t1 - t0)
    if out["status"] == "completed":
        try:
            st = dest.lookupByName(name).jobStats(libvirt.VIR_DOMAIN_JOB_STATS_COMPLETED)
        except libvirt.libvirtError as e:
            out["error"] = f"no job statistics on the destination: {e}"
            st = {}
        out.update(job_s=st["time_elapsed"] / 1000.0 if "time_elapsed" in st else None,
                   downtime_ms=st.get("downtime"),
                   bytes=st.get("data_processed", st.get("memory_processed")))
    emit(out)


if __name__ == "__main__":
    main()
