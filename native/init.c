/*
 * Start-up and process life: resolving the real functions, the start-up arena, our own
 * memory, fork, exit, and the tracking entry points the hooks call.
 *
 * Start-up is lazy: the first interposed call (often a malloc from another library's
 * constructor, before ours runs) resolves the real functions with dlsym(RTLD_NEXT) and opens
 * the log. dlsym itself may call calloc; while we are starting, such calls are served from a
 * static arena and counted as untracked.
 */
#include "lt.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

LT_TLS struct lt_thread lt_self;
struct lt_real lt_real;
volatile int lt_state;
int lt_enabled;

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- the start-up arena ---------------------------------------------------------------- */

#define ARENA_SIZE (1 << 20)
static char arena[ARENA_SIZE] __attribute__((aligned(64)));
static size_t arena_used;

/* Each block is preceded by its size (16 bytes, keeping 16-byte alignment). */
void *lt_arena_alloc(size_t size, size_t align) {
  if (align < 16) align = 16;
  for (;;) {
    size_t used = __atomic_load_n(&arena_used, __ATOMIC_RELAXED);
    size_t start = (used + 16 + align - 1) & ~(align - 1);
    size_t end = start + size;
    if (end > ARENA_SIZE || end < start) return NULL;
    if (__atomic_compare_exchange_n(&arena_used, &used, end, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
      *(size_t *)(arena + start - 16) = size;
      return arena + start; /* static memory: already zero */
    }
  }
}

int lt_arena_owns(const void *p) { return (const char *)p >= arena && (const char *)p < arena + ARENA_SIZE; }

size_t lt_arena_size(const void *p) { return *(const size_t *)((const char *)p - 16); }

/* ---- our own memory --------------------------------------------------------------------- */

void *lt_os_alloc(size_t size) {
  void *p = (void *)syscall(SYS_mmap, NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

void *lt_os_grow(void *old, size_t old_size, size_t new_size) {
  if (old == NULL) return lt_os_alloc(new_size);
  void *p = (void *)syscall(SYS_mremap, old, old_size, new_size, MREMAP_MAYMOVE);
  return p == MAP_FAILED ? NULL : p;
}

void lt_os_free(void *p, size_t size) {
  if (p) syscall(SYS_munmap, p, size);
}

/* ---- small helpers that never allocate -------------------------------------------------- */

size_t lt_strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

char *lt_append(char *out, const char *end, const char *s) {
  while (*s && out < end - 1) *out++ = *s++;
  *out = 0;
  return out;
}

char *lt_append_uint(char *out, const char *end, unsigned long v) {
  char digits[24];
  int n = 0;
  do digits[n++] = (char)('0' + v % 10), v /= 10;
  while (v);
  while (n > 0 && out < end - 1) *out++ = digits[--n];
  *out = 0;
  return out;
}

long lt_syscall_write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    long n = syscall(SYS_write, fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* ---- resolving the real functions ------------------------------------------------------- */

void *lt_resolve(const char *name) { return dlsym(RTLD_NEXT, name); }

static void resolve_all(void) {
  lt_real.malloc = lt_resolve("malloc");
  lt_real.calloc = lt_resolve("calloc");
  lt_real.realloc = lt_resolve("realloc");
  lt_real.reallocarray = lt_resolve("reallocarray");
  lt_real.free = lt_resolve("free");
  lt_real.posix_memalign = lt_resolve("posix_memalign");
  lt_real.aligned_alloc = lt_resolve("aligned_alloc");
  lt_real.memalign = lt_resolve("memalign");
  lt_real.valloc = lt_resolve("valloc");
  lt_real.pvalloc = lt_resolve("pvalloc");
  lt_real.mmap = lt_resolve("mmap");
  lt_real.mmap64 = lt_resolve("mmap64");
  lt_real.munmap = lt_resolve("munmap");
  lt_real.mremap = lt_resolve("mremap");
}

static void fork_prepare(void) { lt_log_fork_prepare(); }
static void fork_parent(void) { lt_log_fork_parent(); }
static void fork_child(void) {
  lt_self.tid = 0;
  lt_log_fork_child();
}

/*
 * Idempotent and thread-safe. Called from the constructor and from the first interposed
 * call, whichever comes first. The calling thread has in_hook set, so whatever dlsym or
 * open do re-enters us as plain pass-through calls.
 */
void lt_init(void) {
  if (__atomic_load_n(&lt_state, __ATOMIC_ACQUIRE) == 2) return;
  int saved_errno = errno;
  int was_in_hook = lt_self.in_hook;
  lt_self.in_hook = 1;
  pthread_mutex_lock(&init_lock);
  if (lt_state == 0) {
    lt_state = 1;
    resolve_all();
    lt_unwind_init();
    const char *dir = getenv("LEAKTRACE_NATIVE_DIR");
    if (dir && *dir && lt_real.malloc && lt_real.free) {
      lt_enabled = lt_log_open(0) == 0;
      if (lt_enabled) pthread_atfork(fork_prepare, fork_parent, fork_child);
    }
    __atomic_store_n(&lt_state, 2, __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&init_lock);
  lt_self.in_hook = was_in_hook;
  errno = saved_errno;
}

__attribute__((constructor(101))) static void lt_constructor(void) { lt_init(); }

/* Marks the clean end of the program. Events after it (other libraries' destructors
 * freeing their memory) are still recorded: the mapping stays until the process ends. */
__attribute__((destructor(101))) static void lt_destructor(void) {
  if (!lt_enabled) return;
  int saved_errno = errno;
  lt_self.in_hook++;
  lt_log_lock();
  lt_emit_exit();
  lt_log_unlock();
  lt_self.in_hook--;
  errno = saved_errno;
}

/* ---- tracking entry points -------------------------------------------------------------- */

/* The hooks call these with in_hook set and errno already saved. */

void lt_track_alloc(int kind, const void *addr, size_t size) {
  uintptr_t ips[LT_MAX_FRAMES];
  int truncated = 0;
  int depth = lt_unwind(ips, LT_MAX_FRAMES, &truncated);
  lt_log_lock();
  uint32_t id = lt_stack_intern(ips, depth, truncated);
  lt_emit_alloc(kind, id, addr, size);
  lt_log_unlock();
}

void lt_track_free(const void *addr) {
  lt_log_lock();
  lt_emit_free(addr);
  lt_log_unlock();
}

void lt_track_fd(int kind, int fd, const char *path) {
  uintptr_t ips[LT_MAX_FRAMES];
  int truncated = 0;
  int depth = lt_unwind(ips, LT_MAX_FRAMES, &truncated);
  lt_log_lock();
  uint32_t id = lt_stack_intern(ips, depth, truncated);
  lt_emit_fd_open(kind, id, fd, path);
  lt_log_unlock();
}

void lt_track_close(int fd) {
  lt_log_lock();
  lt_emit_fd_close(fd);
  lt_log_unlock();
}
