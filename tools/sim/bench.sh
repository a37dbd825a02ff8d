#!/bin/sh
# bench.sh - make bench-sim: ferry-sim over its full grid (4-256 GiB at 1,
# 10 and 25 Gbit/s, dirty rates 32-4096 MiB/s, working sets 128 MiB-8 GiB,
# paced and CPU-bound guests, three permission sets; 864 cases x 5
# policies): the table (OUT/report.txt), the runs (OUT/report.json), the
# data and the plot (OUT/success.png, gnuplot from Debian's gnuplot-nox).
#   tools/sim/bench.sh [SIM [OUT]]
set -eu
SIM=${1:-build/ferry-sim}
OUT=${2:-build/sim}
mkdir -p "$OUT"
"$SIM" --check --json "$OUT/report.json" --dat "$OUT/report.dat" >"$OUT/report.txt" || true
cat "$OUT/report.txt"
command -v gnuplot >/dev/null || { echo "bench-sim: gnuplot missing (make deps)" >&2; exit 1; }
# one panel per link: success rate against guest size, a line per policy
gnuplot <<GP
set terminal pngcairo size 1500,480 font ",10"
set output "$OUT/success.png"
set multiplot layout 1,3 title "ferry-sim: success (completed, downtime <= budget) over 72 cases per point"
set logscale x 2
set xrange [3:300]
set yrange [0:105]
set xlabel "guest RAM (GiB)"
set ylabel "success %"
set key bottom right
set grid
do for [g in "1 10 25"] {
    set title sprintf("%s Gbit/s", g)
    plot for [p in "ferry nova kubevirt ovirt proxmox"] \
        "< awk '\$1 == \"".p."\" && \$3 == ".g."' $OUT/report.dat" using 2:4 \
        with linespoints lw 2 ps 1.2 title p
}
unset multiplot
GP
echo "bench-sim: $OUT/report.txt $OUT/report.json $OUT/success.png"
