#!/usr/bin/python3
"""prom_samples.py - Prometheus' own parser (python3-prometheus-client) over
a /metrics answer on stdin: every sample as one JSON object
{"name{label=value,...}": value} (labels sorted), and each family's type
under "#type name".  Exits 1 with the parser's error on a malformed text,
and on a histogram whose +Inf bucket is not its count or whose buckets
are not cumulative."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def key(name, labels):
    return "%s{%s}" % (name, ",".join("%s=%s" % kv for kv in sorted(labels.items())))


def check_histogram(fam, out):
    series = {}
    for s in fam.samples:
        if s.name.endswith("_bucket"):
            rest = {k: v for k, v in s.labels.items() if k != "le"}
            series.setdefault(key(fam.name, rest), []).append((float(s.labels["le"]), s.value))
    for k, buckets in series.items():
        counts = [v for _, v in sorted(buckets)]
        if counts != sorted(counts):
            sys.exit("histogram %s: buckets not cumulative: %s" % (k, counts))
        count = out[k.replace(fam.name + "{", fam.name + "_count{", 1)]
        if sorted(buckets)[-1] != (float("inf"), count):
            sys.exit("histogram %s: +Inf bucket is not its count %s" % (k, count))


def main():
    out = {}
    try:
        families = list(text_string_to_metric_families(sys.stdin.read()))
    except Exception as e:      # the parser's ValueError and friends
        sys.exit("not Prometheus' text format: %s" % e)
    for fam in families:
        out["#type " + fam.name] = fam.type
        for s in fam.samples:
            out[key(s.name, s.labels)] = s.value
    for fam in families:
        if fam.type == "histogram":
            check_histogram(fam, out)
    json.dump(out, sys.stdout, sort_keys=True, indent=0)


if __name__ == "__main__":
    main()
