#!/bin/sh
# plot.sh - the lab bench's plot from OUT/lab.dat (report.py): per case,
# nova's and ferry's total time against the ideal pre-copy time M / (B - D),
# failed runs hatched; the measured downtime over the budget; the bytes sent
# over the RAM.  gnuplot (Debian's gnuplot-nox).   tools/bench/migration/plot.sh OUT
set -eu
OUT=$1
gnuplot <<GP
set terminal pngcairo size 1500,1000 font ",10"
set output "$OUT/lab.png"
set multiplot layout 3,1 \
    title "make bench-migration: nova (clock / divisor) and ferry on the lab (hatched: failed)"
set style fill solid 0.6 border
set boxwidth 0.38
set grid ytics
set key top left
set xtics rotate by -25 noenhanced
set xrange [-0.6:*]
set offsets 0, 0.6, 0, 0
N = "#4477aa"; F = "#ee6677"
set ylabel "total time (s)"
set logscale y
set yrange [0.5:*]
plot "$OUT/lab.dat" using (\$1 - 0.2):(\$4 == 1 ? \$3 : 1/0):xtic(2) with boxes \
        lc rgb N title "nova ok", \
     "" using (\$1 + 0.2):(\$8 == 1 ? \$7 : 1/0) with boxes lc rgb F title "ferry ok", \
     "" using (\$1 - 0.2):(\$4 == 0 ? \$3 : 1/0) with boxes fs pattern 4 lc rgb N \
        title "nova failed", \
     "" using (\$1 + 0.2):(\$8 == 0 ? \$7 : 1/0) with boxes fs pattern 4 lc rgb F \
        title "ferry failed", \
     "" using 1:11 with points pt 7 ps 1.3 lc rgb "black" title "M/(B-D)"
unset logscale y
set yrange [0:*]
set ylabel "downtime / budget"
plot "$OUT/lab.dat" using (\$1 - 0.2):5:xtic(2) with boxes lc rgb N title "nova", \
     "" using (\$1 + 0.2):9 with boxes lc rgb F title "ferry", \
     1 with lines lc rgb "black" dt 2 title "budget"
set ylabel "bytes sent / RAM"
plot "$OUT/lab.dat" using (\$1 - 0.2):6:xtic(2) with boxes lc rgb N title "nova", \
     "" using (\$1 + 0.2):10 with boxes lc rgb F title "ferry"
unset multiplot
GP
