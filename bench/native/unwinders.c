/* Measures stack capture for the choice of unwinder (docs/ARCHITECTURE.md): cost per stack
 * and how deep each gets, from a callback that qsort (libc, built without frame pointers)
 * calls, 12 of our frames down. Built -O2 like distribution code: frame pointers omitted.
 * usage: unwinders N. Built by bench/native.bench.js: -DWITH_LIBUNWIND -lunwind when
 * libunwind-dev is installed, and linked with a library holding native/unwind.c. */
#define _GNU_SOURCE
#include <execinfo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#ifdef WITH_LIBUNWIND
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#endif

int lt_bench_unwind(uintptr_t *ips, int max);

static int method, depth_seen;
static long reps;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static int fp_walk(void **ips, int max) {
  uintptr_t *fp = __builtin_frame_address(0);
  int n = 0;
  uintptr_t lo = (uintptr_t)fp, hi = lo + (1 << 20);
  while (n < max && (uintptr_t)fp >= lo && (uintptr_t)fp < hi && ((uintptr_t)fp & 7) == 0) {
    ips[n++] = (void *)fp[1];
    uintptr_t *next = (uintptr_t *)fp[0];
    if (next <= fp) break;
    fp = next;
  }
  return n;
}

static int compare(const void *a, const void *b) {
  void *ips[128];
  int n = 0;
  for (long i = 0; i < reps; i++) {
    switch (method) {
    case 0: n = fp_walk(ips, 128); break;
    case 1: n = backtrace(ips, 128); break;
#ifdef WITH_LIBUNWIND
    case 2: n = unw_backtrace(ips, 128); break;
#endif
    case 3: n = lt_bench_unwind((uintptr_t *)ips, 128); break;
    }
  }
  depth_seen = n;
  return *(const int *)a - *(const int *)b;
}

__attribute__((noinline)) static void chain(int level) {
  if (level == 0) {
    int v[2] = {2, 1};
    qsort(v, 2, sizeof v[0], compare);
    return;
  }
  chain(level - 1);
  __asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 200000;
  const char *names[] = {"frame pointers only", "glibc backtrace (libgcc _Unwind_Backtrace)", "libunwind unw_backtrace",
                         "leaktrace (cached CFI + frame pointers)"};
  for (method = 0; method < 4; method++) {
#ifndef WITH_LIBUNWIND
    if (method == 2) continue;
#endif
    reps = 1;
    chain(12); /* warm caches */
    reps = n;
    double t = now();
    chain(12);
    double dt = now() - t;
    printf("%-45s %7.0f ns per stack, %d frames\n", names[method], dt / n * 1e9, depth_seen);
  }
  return 0;
}
