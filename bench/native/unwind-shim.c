/* Exposes native/unwind.c on its own for bench/native/unwinders.c: the few symbols it needs
 * from the rest of the tracker, and an entry point. */
#include "../../native/lt.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

LT_TLS struct lt_thread lt_self;

void *lt_os_alloc(size_t size) {
  return (void *)syscall(SYS_mmap, NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

LT_EXPORT int lt_bench_unwind(uintptr_t *ips, int max) {
  static int ready;
  int truncated = 0;
  if (!ready) {
    lt_unwind_init();
    ready = 1;
  }
  return lt_unwind(ips, max, &truncated);
}
