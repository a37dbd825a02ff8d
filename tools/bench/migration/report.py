#!/usr/bin/python3
"""report.py - the lab bench's table, JSON and plot data from its runs.

    report.py --runs RUNS.jsonl --rates RATES.json
    report.py --runs RUNS.jsonl --sim SIM.json --out DIR [--meta K=V ...]

RUNS.jsonl: one line per migration (bench.sh).  --rates writes, per case
and policy, the dirty rate its guests measured themselves (the mean of
their heartbeats' rate=, MiB/s) for `ferry-sim --measured`.  SIM.json:
ferry-sim --scenario on the same file with those rates: per case its
`possible`, the physics verdict at the line's rate (post-copy allowed, or
the hot set's plateau W (1 - B/D), at the lowest rate the allowed throttle
reaches, sent at B plus the switchover's cost, its `switchover_ms`, fits
the budget), and `rate_mibs`, that rate (D, MiB/s); under `measured`, per
case and policy, the same verdict at the measured rate.  report.py judges
nothing itself.  Writes DIR/lab.json ({"meta", "switchover_ms", "results":
one per case and policy in ferry-sim's schema so that `ferry-sim
calibrate` reads it, "bare", "totals", "findings", "runs"}) and
DIR/lab.dat (gnuplot); prints the table.  Runs of policy "libvirt" (a
line's bare=yes: the same migration by libvirt alone, bare.py) are no
policy's: they make "bare", per case the host's own time and each policy's
time over it, printed as a second table and named in a SLOW finding.  A
lab.json keeps the verdicts, rates and switchover_ms it was made with:
tools/bench/migration/check.sh rebuilds the committed tables from them.
A run succeeds when it completed, its
measured downtime is within the budget and the guest is alive on exactly
its destination (heartbeat going on, memory check ok).
"""
import argparse
import json
import os
import statistics


def mean(xs):
    xs = [x for x in xs if x is not None]
    return statistics.mean(xs) if xs else None


def fmt(x, spec, none="-"):
    return none if x is None else format(x, spec)


def ideal_s(r, d):
    """Pre-copy alone: M / (B - D), none when D >= B."""
    return r["ram_mib"] / (r["link_mib"] - d) if d < r["link_mib"] else None


def by_row(runs):
    """The runs per case and policy, nova's row first in each case."""
    rows = {}
    for r in runs:
        rows.setdefault((r["case"], r["policy"]), []).append(r)
    return sorted(rows.items(), key=lambda kv: (kv[0][0], kv[0][1] != "nova"))


def guest_rate(rs):
    """The dirty rate the row's guests measured themselves (MiB/s), or None."""
    return mean([r.get("guest_rate_mibs") for r in rs])


def measured_verdict(measured, case, pol, rate):
    """ferry-sim's verdict at the row's measured rate (its `measured` entry)."""
    m = measured.get((case, pol))
    if m is None or m["rate_mibs"] != rate:
        raise SystemExit(f"report.py: the simulator's measured verdicts have no entry for "
                         f"case {case} {pol} at {rate} MiB/s (got {m}): run ferry-sim "
                         f"--measured on report.py --rates")
    return m["possible"]


def run_ok(r):
    return (r["status"] == "completed" and r["downtime_ms"] is not None
            and r["downtime_ms"] <= r["budget_ms"] and r["health"] == "ok")


def lost(r):
    return r["health"].startswith("runs on") and ("+" in r["health"] or "none" in r["health"])


def aggregate(runs, sim):
    """One row per case and policy, in ferry-sim's result schema plus the lab's."""
    possible = {r["case"]: r["possible"] for r in sim["results"]}
    rate = {r["case"]: r["rate_mibs"] for r in sim["results"]}
    measured = {(m["case"], m["policy"]): m for m in sim.get("measured", [])}
    out = []
    for (case, pol), rs in by_row(runs):
        r0 = rs[0]
        done = [r for r in rs if r["status"] == "completed"]
        oks = [r for r in rs if run_ok(r)]
        out.append({
            "case": case, "name": r0["name"], "policy": pol,
            "possible": possible[case], "rate_mibs": rate[case], "n": len(rs),
            "ok_runs": len(oks), "guest_rate_mibs": guest_rate(rs),
            "possible_measured": measured_verdict(measured, case, pol, guest_rate(rs)),
            "ok": len(oks) == len(rs),
            "outcome": ",".join(sorted({("post-copy" if r["post_copy_used"] else r["status"])
                                        for r in rs})),
            "time_s": mean([r["time_s"] for r in rs]),
            "time_ok_s": mean([r["time_s"] for r in oks]),
            "job_s": mean([r["job_s"] for r in rs]),
            "downtime_ms": mean([r["downtime_ms"] for r in done]),
            "downtime_max_ms": max([r["downtime_ms"] or 0 for r in done], default=None),
            "bytes": mean([r["bytes"] for r in rs]),
            "bytes_ram": mean([(r["bytes"] or 0) / (r["ram_mib"] * 1048576.0) for r in rs]),
            "decision_s": mean([r["decide_s"] for r in rs]),
            "evidence_s": mean([r["evidence_s"] for r in rs]),
            # the job's end less its evidence (both from the job's start)
            "after_evidence_s": mean([r["finished"] - r["started"] - r["evidence_s"] for r in rs
                                      if None not in (r["finished"], r["started"],
                                                      r["evidence_s"])]),
            "ideal_s": ideal_s(r0, rate[case]), "budget_ms": r0["budget_ms"],
            "steps": sorted({r["step_reached"] for r in rs if r["step_reached"] is not None}),
            "lost": sum(lost(r) for r in rs),
            "unhealthy": [r["health"] for r in rs if r["health"] != "ok"],
            "undecided": sum(r["undecided"] for r in rs),
            "reasons": sorted({r["reason"] for r in rs if r["reason"]}),
            "decisions": [r["decisions"] for r in rs if r["policy"] == "ferry"],
        })
    return out


def aggregate_bare(runs, rows):
    """Per case with bare=yes, its migrations by libvirt alone (policy
    "libvirt", bare.py): the host's own time for the case, and each
    policy's time over it."""
    by = {(r["case"], r["policy"]): r for r in rows}
    out = []
    for (case, _), rs in by_row(runs):
        # completed and alive where it went: QEMU's own max downtime is no
        # budget's, so the downtime is shown, not judged
        oks = [r for r in rs if r["status"] == "completed" and r["health"] == "ok"]
        t = mean([r["time_s"] for r in oks])
        ideal = next((r["ideal_s"] for r in rows if r["case"] == case), None)
        over = {}
        for pol in ("nova", "ferry"):
            p = by.get((case, pol))
            over[pol] = p["time_ok_s"] / t if p and p["time_ok_s"] and t else None
        out.append({
            "case": case, "name": rs[0]["name"], "n": len(rs), "ok_runs": len(oks),
            "time_s": t, "job_s": mean([r["job_s"] for r in oks]),
            "downtime_max_ms": max([r["downtime_ms"] or 0 for r in oks], default=None),
            "budget_ms": rs[0]["budget_ms"], "ideal_s": ideal,
            "x_ideal": t / ideal if t and ideal else None,
            "nova_over": over["nova"], "ferry_over": over["ferry"],
            "unhealthy": [r["health"] for r in rs if r["health"] != "ok"],
            "errors": sorted({r["reason"] for r in rs if r["reason"]}),
            "aborted": sum(bool(r["undecided"]) for r in rs),
        })
    return out


def why(r):
    """What went wrong in a row's runs, in a few words."""
    return (f"{r['outcome']}, downtime max {fmt(r['downtime_max_ms'], '.0f')} ms for a "
            f"{r['budget_ms']} ms budget"
            + "".join(f"; {x}" for x in r["reasons"] + r["unhealthy"]))


def bare_said(b):
    """The libvirt-alone part of a SLOW finding ("" without bare runs)."""
    if not b:
        return ""
    if not b["ok_runs"]:
        return f"; libvirt alone 0/{b['n']} ok, {b['aborted']} aborted"
    return f"; libvirt alone {b['time_s']:.1f} s: {fmt(b['x_ideal'], '.2f')} x"


def findings(rows, bare):
    """What the issue's 'done when' says, checked per case."""
    by = {(r["case"], r["policy"]): r for r in rows}
    alone = {b["case"]: b for b in bare}
    out = []
    for (case, pol), f in sorted(by.items()):
        if pol != "ferry":
            continue
        n = by.get((case, "nova"))
        name = f"case {case} {f['name']}"
        if n and n["ok_runs"] > f["ok_runs"]:
            out.append(f"LOSS {name}: nova {n['ok_runs']}/{n['n']} ok ({why(n)}), ferry "
                       f"{f['ok_runs']}/{f['n']} ({why(f)})")
        elif (n and n["ok"] and f["ok"] and n["time_ok_s"] and f["time_ok_s"]
              and f["time_ok_s"] > 1.1 * n["time_ok_s"]):
            out.append(f"LOSS {name}: ferry {f['time_ok_s']:.1f} s > 1.1 x nova's "
                       f"{n['time_ok_s']:.1f} s")
        if f["possible"] and not f["ok"]:
            out.append(f"MISSED {name}: physics allows it, ferry {f['ok_runs']}/{f['n']} ok "
                       f"({why(f)})")
        # the issue's bar: decided within 60 s of the evidence (the second
        # hot set after the bulk pass, iteration 3), or at the request
        late = f["after_evidence_s"] if f["after_evidence_s"] is not None else f["decision_s"]
        if f["possible"] is False and (late or 0) > 60:
            out.append(f"SLOW-DECISION {name}: decided {late:.1f} s after the evidence "
                       f"(iteration 3 at {fmt(f['evidence_s'], '.1f')} s of the job; "
                       f"{f['decision_s']:.1f} s after the request)")
        if f["ideal_s"] and f["ok"] and f["steps"] == [1] and f["time_ok_s"] > 1.2 * f["ideal_s"]:
            b = alone.get(case)
            out.append(f"SLOW {name}: {f['time_ok_s']:.1f} s > 1.2 x M/(B-D) = 1.2 x "
                       f"{f['ideal_s']:.1f} s (libvirt's job time {fmt(f['job_s'], '.1f')} s: "
                       f"{fmt(f['job_s'] and f['job_s'] / f['ideal_s'], '.2f')} x"
                       + bare_said(b) + ")")
    for r in rows:
        if r["lost"]:
            out.append(f"LOST case {r['case']} {r['name']} {r['policy']}: {r['unhealthy']}")
    return out


def totals(rows):
    out = {}
    for pol in ("nova", "ferry"):
        rs = [r for r in rows if r["policy"] == pol]
        imp = [r for r in rs if r["possible"] is False]
        both = {r["case"] for r in rows if r["ok"] and r["policy"] != pol} & \
               {r["case"] for r in rs if r["ok"]}
        out[pol] = {
            "runs": sum(r["n"] for r in rs), "ok_runs": sum(r["ok_runs"] for r in rs),
            "possible_cases": sum(bool(r["possible"]) for r in rs),
            "possible_ok": sum(bool(r["possible"]) and r["ok"] for r in rs),
            "time_both_ok_s": sum(r["time_ok_s"] for r in rs if r["case"] in both),
            "downtime_mean_ms": mean([r["downtime_ms"] for r in rs]),
            "downtime_max_ms": max([r["downtime_max_ms"] or 0 for r in rs], default=0),
            "bytes_ram_mean": mean([r["bytes_ram"] for r in rs]),
            "impossible_cases": len(imp),
            "decide_mean_s": mean([r["decision_s"] for r in imp]),
            "decide_max_s": max([r["decision_s"] or 0 for r in imp], default=None),
            "lost": sum(r["lost"] for r in rs), "undecided": sum(r["undecided"] for r in rs),
        }
    return out


def table(rows, tot, meta):
    print(f"# lab bench: {meta.get('scenario')}, nova's clock / {meta.get('divisor')}, "
          f"load {meta.get('load_start')} -> {meta.get('load_end')} on {meta.get('cores')} "
          f"cores, {meta.get('elapsed_s')} s, {meta.get('date')}")
    hdr = (f"{'case':<18} {'policy':<6} {'phys':<4} {'D_meas':>6} {'ok':>4} {'outcome':<18} "
           f"{'down_ms':>8} {'budget':>6} {'time_s':>7} {'job_s':>6} {'ideal_s':>7} {'x_ideal':>7} "
           f"{'sent/RAM':>8} {'decide_s':>8} {'step':>4}")
    print(hdr)
    for r in rows:
        phys = "yes" if r["possible"] else "no"
        x = r["time_ok_s"] / r["ideal_s"] if r["ideal_s"] and r["time_ok_s"] else None
        dec = r["decision_s"] if r["possible"] is False else None
        steps = "/".join(str(s) for s in r["steps"]) or "-"
        if r["possible_measured"] is not None and r["possible_measured"] != r["possible"]:
            phys += "*"
        print(f"{r['case']:>2} {r['name'][:15]:<15} {r['policy']:<6} {phys:<4} "
              f"{fmt(r['guest_rate_mibs'], '.0f'):>6} "
              f"{r['ok_runs']}/{r['n']:<2} {r['outcome'][:18]:<18} "
              f"{fmt(r['downtime_max_ms'], '.0f'):>8} {r['budget_ms']:>6} "
              f"{fmt(r['time_s'], '.1f'):>7} {fmt(r['job_s'], '.1f'):>6} "
              f"{fmt(r['ideal_s'], '.1f'):>7} {fmt(x, '.2f'):>7} "
              f"{fmt(r['bytes_ram'], '.2f'):>8} {fmt(dec, '.1f'):>8} {steps:>4}")
    print("phys: physics allows success at the line's rate (ferry-sim's rule); '*': not at "
          "the rate the guest measured itself (D_meas, MiB/s, its heartbeat before the request)")
    print()
    print(f"{'total':<7} {'ok runs':>9} {'possible ok':>11} {'time both ok':>12} "
          f"{'down mean/max':>14} {'sent/RAM':>8} {'decide mean/max':>16} {'lost':>4} "
          f"{'undecided':>9}")
    for pol, t in tot.items():
        print(f"{pol:<7} {t['ok_runs']:>4}/{t['runs']:<4} {t['possible_ok']:>5}/"
              f"{t['possible_cases']:<5} {t['time_both_ok_s']:>10.1f} s "
              f"{fmt(t['downtime_mean_ms'], '.0f'):>6}/{t['downtime_max_ms']:<6.0f} ms "
              f"{fmt(t['bytes_ram_mean'], '.2f'):>5} {fmt(t['decide_mean_s'], '.1f'):>7}/"
              f"{fmt(t['decide_max_s'], '.1f'):<6} s {t['lost']:>4} {t['undecided']:>9}")


def table_bare(bare):
    print("libvirt alone (bare=yes: bare.py, the same guest, hosts and capped link, no Ferry, "
          "no policy, QEMU's 300 ms max downtime): the host's own time, and each policy's over "
          "it; ok: completed and alive on its destination (the downtime not judged)")
    print(f"{'case':<18} {'ok':>4} {'down_ms':>8} {'budget':>6} {'time_s':>7} {'job_s':>6} "
          f"{'ideal_s':>7} {'x_ideal':>7} {'nova/it':>7} {'ferry/it':>8}")
    for b in bare:
        print(f"{b['case']:>2} {b['name'][:15]:<15} {b['ok_runs']}/{b['n']:<2} "
              f"{fmt(b['downtime_max_ms'], '.0f'):>8} {b['budget_ms']:>6} "
              f"{fmt(b['time_s'], '.1f'):>7} {fmt(b['job_s'], '.1f'):>6} "
              f"{fmt(b['ideal_s'], '.1f'):>7} {fmt(b['x_ideal'], '.2f'):>7} "
              f"{fmt(b['nova_over'], '.2f'):>7} {fmt(b['ferry_over'], '.2f'):>8}"
              + "".join(f"  {x}" for x in b["errors"] + b["unhealthy"])
              + (f"  {b['aborted']} aborted at the bench's limit" if b["aborted"] else ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", required=True)
    ap.add_argument("--rates")
    ap.add_argument("--sim")
    ap.add_argument("--out")
    ap.add_argument("--meta", nargs="*", default=[])
    a = ap.parse_args()
    if not a.rates and not (a.sim and a.out):
        ap.error("--rates RATES.json, or --sim SIM.json and --out DIR")
    meta = dict(kv.split("=", 1) for kv in a.meta)
    with open(a.runs) as f:
        every = [json.loads(line) for line in f if line.strip()]
    runs = [r for r in every if r["policy"] != "libvirt"]
    if a.rates:
        with open(a.rates, "w") as f:
            json.dump([{"case": case, "policy": pol, "rate_mibs": guest_rate(rs)}
                       for (case, pol), rs in by_row(runs)], f, indent=1)
        return
    with open(a.sim) as f:
        sim = json.load(f)
    # a ferry-sim from before the switchover's cost counted none
    switchover_ms = sim.get("switchover_ms", 0)
    rows = aggregate(runs, sim)
    bare = aggregate_bare([r for r in every if r["policy"] == "libvirt"], rows)
    tot = totals(rows)
    found = findings(rows, bare)
    table(rows, tot, meta)
    print()
    if bare:
        table_bare(bare)
        print()
    for line in found or ["no finding: ferry never lost to nova, missed no possible case, "
                          "decided every impossible one within 60 s, lost no guest"]:
        print(line)
    with open(os.path.join(a.out, "lab.json"), "w") as f:
        json.dump({"meta": meta, "switchover_ms": switchover_ms, "results": rows,
                   "bare": bare, "totals": tot, "findings": found, "runs": every}, f, indent=1)
    # gnuplot: one line per case: index name, then per policy (nova, ferry) time, ok,
    # downtime / budget, sent / RAM; the ideal time
    by = {(r["case"], r["policy"]): r for r in rows}
    with open(os.path.join(a.out, "lab.dat"), "w") as f:
        for case in sorted({r["case"] for r in rows}):
            cols = [str(case), by.get((case, "nova"), by.get((case, "ferry")))["name"]]
            for pol in ("nova", "ferry"):
                r = by.get((case, pol))
                cols += ["NaN", "0", "NaN", "NaN"] if not r else [
                    fmt(r["time_s"], ".2f", "NaN"), "1" if r["ok"] else "0",
                    fmt((r["downtime_max_ms"] or 0) / r["budget_ms"], ".3f"),
                    fmt(r["bytes_ram"], ".3f", "NaN")]
            ideal = next(r["ideal_s"] for r in rows if r["case"] == case)
            cols.append(fmt(ideal, ".2f", "NaN"))
            f.write(" ".join(cols) + "\n")


if __name__ == "__main__":
    main()
