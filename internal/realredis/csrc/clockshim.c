/*
 * clockshim: an LD_PRELOAD library that shifts a process's wall clock
 * (CLOCK_REALTIME and CLOCK_REALTIME_COARSE of clock_gettime, gettimeofday
 * and time) by an offset, and optionally runs it at another rate, read from
 * a memory-mapped file named by LOCKSIM_CLOCK_FILE. The monotonic clocks
 * are left alone, as a wall-clock step or NTP slew leaves them.
 *
 * The real time comes from the clock_gettime system call itself, not from
 * the next symbol (dlsym): Debian's redis-server is linked with jemalloc,
 * which reads the clock while dlsym allocates, and libfaketime fails there
 * with "Unexpected recursive calls to clock_gettime()".
 *
 * The file holds a sequence number (odd while the writer updates it), the
 * offset in ns, the real time the rate applies from, and the rate:
 * shifted = real + offset + (real - anchor) * rate.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct shift {
	volatile int64_t seq;
	volatile int64_t offset_ns;
	volatile int64_t anchor_ns;
	volatile double rate;
};

static struct shift *sh;
static volatile int mapped;

static struct shift *shift_map(void) {
	if (!mapped) {
		const char *p = getenv("LOCKSIM_CLOCK_FILE");
		if (p) {
			int fd = open(p, O_RDONLY);
			if (fd >= 0) {
				void *m = mmap(0, sizeof(struct shift), PROT_READ, MAP_SHARED, fd, 0);
				close(fd);
				if (m != MAP_FAILED)
					sh = m;
			}
		}
		mapped = 1;
	}
	return sh;
}

static int64_t shifted(int64_t real) {
	struct shift *s = shift_map();
	if (!s)
		return real;
	for (;;) {
		int64_t seq = s->seq;
		__sync_synchronize();
		int64_t off = s->offset_ns, anchor = s->anchor_ns;
		double rate = s->rate;
		__sync_synchronize();
		if (!(seq & 1) && seq == s->seq)
			return real + off + (int64_t)((double)(real - anchor) * rate);
	}
}

static int real_time(clockid_t clk, struct timespec *ts) {
	return (int)syscall(SYS_clock_gettime, clk, ts);
}

int clock_gettime(clockid_t clk, struct timespec *ts) {
	int r = real_time(clk, ts);
	if (r == 0 && (clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE)) {
		int64_t ns = shifted((int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec);
		ts->tv_sec = ns / 1000000000;
		ts->tv_nsec = ns % 1000000000;
	}
	return r;
}

int gettimeofday(struct timeval *tv, void *tz) {
	struct timespec ts;
	(void)tz;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return -1;
	tv->tv_sec = ts.tv_sec; /* glibc declares tv nonnull */
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

time_t time(time_t *t) {
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}
