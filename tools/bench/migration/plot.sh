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
set multiplot layout 3,1 title "make bench-migration: nova (clock / divisor) and ferry on the lab, per case (hatched: failed)"
set style data histograms
set style histogram clustered gap 1
set boxwidth 0.9
set grid ytics
set key top left
set xtics rotate by -25 noenhanced
set ylabel "total time (s)"
set logscale y
set yrange [0.5:*]
plot "$OUT/lab.dat" using (\$4 == 1 ? \$3 : 1/0):xtic(2) title "nova ok" fs solid 0.6 lc rgb "#4477aa", \
     "" using (\$8 == 1 ? \$7 : 1/0) title "ferry ok" fs solid 0.6 lc rgb "#ee6677", \
     "" using (\$4 == 0 ? \$3 : 1/0) title "nova failed" fs pattern 4 lc rgb "#4477aa", \
     "" using (\$8 == 0 ? \$7 : 1/0) title "ferry failed" fs pattern 4 lc rgb "#ee6677", \
     "" using 0:11 with points pt 7 ps 1.3 lc rgb "black" title "M/(B-D)"
unset logscale y
set yrange [0:*]
set ylabel "downtime / budget"
plot "$OUT/lab.dat" using 5:xtic(2) title "nova" fs solid 0.6 lc rgb "#4477aa", \
     "" using 9 title "ferry" fs solid 0.6 lc rgb "#ee6677", \
     1 with lines lc rgb "black" dt 2 title "budget"
set ylabel "bytes sent / RAM"
plot "$OUT/lab.dat" using 6:xtic(2) title "nova" fs solid 0.6 lc rgb "#4477aa", \
     "" using 10 title "ferry" fs solid 0.6 lc rgb "#ee6677"
unset multiplot
GP
