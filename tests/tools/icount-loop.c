// SPDX-License-Identifier: GPL-2.0
/*
 * icount-loop N: execute a loop of N iterations of two instructions (dec,
 * jnz) and print "INSTRUCTIONS NANOSECONDS": how many instructions the
 * loop executed and how far CLOCK_MONOTONIC advanced meanwhile. Under
 * qemu -icount shift=S every guest instruction advances the guest's
 * clock by 2^S ns whatever the host does, so the ratio is 2^S plus what
 * the interrupts taken meanwhile executed (vm/run --icount; checked by
 * tests/host/vm-harness.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long long n, left;
	long long start, end;

	if (argc != 2 || (n = strtoull(argv[1], NULL, 0)) == 0) {
		fprintf(stderr, "usage: icount-loop ITERATIONS\n");
		return 2;
	}
#if defined(__x86_64__)
	left = n;
	start = now_ns();
	asm volatile("1: dec %0\n\tjnz 1b" : "+r"(left) : : "cc", "memory");
	end = now_ns();
#else
	(void)left;
	(void)start;
	(void)end;
	fprintf(stderr, "icount-loop: x86_64 only\n");
	return 2;
#endif
	printf("%llu %lld\n", 2 * n, end - start);
	return 0;
}
