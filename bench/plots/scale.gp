# Instructions of one operation against the overlays already mounted (N),
# one line per operation and kernel.
# scripts/bench runs it as: gnuplot -e "dir='BENCH_OUT'" bench/plots/scale.gp
set terminal pngcairo size 960,560 font ",10"
set output dir.'/scale.png'
set title 'One more overlay with N mounted (instructions, qemu -icount)'
set ylabel 'thousands of instructions'
set xlabel 'overlays already mounted (N)'
set key outside right
set grid ytics
set yrange [0:*]
set offsets 0.2, 0.2, 0, 0
# The base's blocks (mount, unchecked) come first, dashed; the patched
# kernel's three (mount, unchecked, reuse) last, solid; one colour per
# operation.
blocks = int(system("grep -c '^\"' ".dir."/scale-plot.dat"))
b = blocks - 3
colour(i) = i < b ? i + 1 : i - b + 1
dash(i) = i < b ? 2 : 1
plot for [i=0:blocks-1] dir.'/scale-plot.dat' index i using 1:3:xtic(2) \
	with linespoints pt 7 lc colour(i) dt dash(i) title columnheader(1)
