# Restart latency against D, one line per mode and kind of content, log y.
# scripts/bench runs it as: gnuplot -e "dir='BENCH_OUT'" bench/plots/restart.gp
set terminal pngcairo size 960,560 font ",10"
set output dir.'/restart.png'
set title 'Restart of a container: unmount + mount + first read (median)'
set logscale y
set ylabel 'restart latency (ms)'
set xlabel 'dirty data in the upper (D)'
set key outside right
set grid ytics
set offsets 0.2, 0.2, 0, 0
# One block per line, each starting with its title.
blocks = int(system("grep -c '^\"' ".dir."/restart-plot.dat"))
plot for [i=0:blocks-1] dir.'/restart-plot.dat' index i using 1:3:xtic(2) \
	with linespoints pt 7 lc i%6+1 dt i/6+1 title columnheader(1)
