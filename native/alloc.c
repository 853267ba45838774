/*
 * The interposed allocation calls. Each one calls the real function, then records the event
 * with errno restored to what the real call left, so the target sees exactly what it would
 * have seen without us. Frees are recorded before the real free (and realloc/mremap hold the
 * log lock across the real call): once memory is back in the allocator another thread may be
 * handed the same address, and its allocation must come after our free in the log.
 */
#include "lt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Anonymous mappings at least this big are tracked as blocks (LEAKTRACE_MMAP_MIN). */
static size_t mmap_min = 64 * 1024;
static int mmap_min_read;

/* True when this call should be recorded; starts the tracker on the very first call. */
static inline int should_track(void) {
  if (LT_UNLIKELY(lt_state != 2)) {
    if (lt_self.in_hook) return 0;
    lt_init();
  }
  return lt_enabled && !lt_self.in_hook;
}

static inline void count_untracked(size_t size) {
  if (lt_state != 2) {
    __atomic_add_fetch(&lt_untracked_count, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&lt_untracked_bytes, size, __ATOMIC_RELAXED);
  }
}

LT_EXPORT void *malloc(size_t size) {
  if (!should_track()) {
    count_untracked(size);
    if (LT_UNLIKELY(!lt_real.malloc)) return lt_arena_alloc(size, 16);
    return lt_real.malloc(size);
  }
  lt_self.in_hook = 1;
  void *p = lt_real.malloc(size);
  if (p) {
    int e = errno;
    lt_track_alloc(LT_MALLOC, p, size);
    errno = e;
  }
  lt_self.in_hook = 0;
  return p;
}

LT_EXPORT void *calloc(size_t n, size_t m) {
  size_t size;
  if (!should_track()) {
    if (LT_UNLIKELY(!lt_real.calloc)) {
      if (__builtin_mul_overflow(n, m, &size)) return NULL;
      count_untracked(size);
      return lt_arena_alloc(size, 16);
    }
    return lt_real.calloc(n, m);
  }
  lt_self.in_hook = 1;
  void *p = lt_real.calloc(n, m);
  if (p) {
    int e = errno;
    lt_track_alloc(LT_CALLOC, p, n * m);
    errno = e;
  }
  lt_self.in_hook = 0;
  return p;
}

LT_EXPORT void free(void *p) {
  if (!p || LT_UNLIKELY(lt_arena_owns(p))) return;
  if (!should_track()) {
    if (LT_LIKELY(lt_real.free != NULL)) lt_real.free(p);
    return;
  }
  lt_self.in_hook = 1;
  int e = errno;
  lt_track_free(p);
  errno = e;
  lt_real.free(p);
  lt_self.in_hook = 0;
}

/* realloc and reallocarray: `size` is what the block becomes; `call` does the real work. */
static void *resize(void *p, size_t size, void *(*call)(void *, size_t, size_t), size_t n, size_t m) {
  uintptr_t ips[LT_MAX_FRAMES];
  int truncated = 0;
  lt_self.in_hook = 1;
  int depth = lt_unwind(ips, LT_MAX_FRAMES, &truncated);
  lt_log_lock();
  void *q = call(p, n, m);
  int e = errno;
  if (q) {
    lt_emit_free(p);
    lt_emit_alloc(LT_REALLOC, lt_stack_intern(ips, depth, truncated), q, size);
  } else if (size == 0) {
    lt_emit_free(p); /* glibc frees on realloc(p, 0) and returns NULL */
  }
  lt_log_unlock();
  errno = e;
  lt_self.in_hook = 0;
  return q;
}

static void *call_realloc(void *p, size_t n, size_t m) {
  (void)m;
  return lt_real.realloc(p, n);
}
static void *call_reallocarray(void *p, size_t n, size_t m) { return lt_real.reallocarray(p, n, m); }

/* A start-up block being resized: move it to the real heap (the arena never frees). */
static void *move_from_arena(void *p, size_t size) {
  size_t old = lt_arena_size(p);
  void *q = malloc(size);
  if (q) memcpy(q, p, old < size ? old : size);
  return q;
}

LT_EXPORT void *realloc(void *p, size_t size) {
  if (!p) {
    if (!should_track()) return malloc(size);
    lt_self.in_hook = 1;
    void *q = lt_real.malloc(size);
    if (q) {
      int e = errno;
      lt_track_alloc(LT_REALLOC, q, size);
      errno = e;
    }
    lt_self.in_hook = 0;
    return q;
  }
  if (LT_UNLIKELY(lt_arena_owns(p))) return move_from_arena(p, size);
  if (!should_track()) return lt_real.realloc(p, size);
  return resize(p, size, call_realloc, size, 0);
}

LT_EXPORT void *reallocarray(void *p, size_t n, size_t m) {
  size_t size;
  if (__builtin_mul_overflow(n, m, &size)) {
    errno = ENOMEM;
    return NULL;
  }
  if (!p || LT_UNLIKELY(lt_arena_owns(p))) return realloc(p, size);
  if (!should_track() || !lt_real.reallocarray) return lt_real.realloc(p, size);
  return resize(p, size, call_reallocarray, n, m);
}

LT_EXPORT int posix_memalign(void **out, size_t align, size_t size) {
  if (!should_track()) {
    if (LT_UNLIKELY(!lt_real.posix_memalign)) {
      void *p = lt_arena_alloc(size, align);
      if (!p) return ENOMEM;
      *out = p;
      return 0;
    }
    return lt_real.posix_memalign(out, align, size);
  }
  lt_self.in_hook = 1;
  int r = lt_real.posix_memalign(out, align, size);
  if (r == 0) {
    int e = errno;
    lt_track_alloc(LT_ALIGNED, *out, size);
    errno = e;
  }
  lt_self.in_hook = 0;
  return r;
}

/* aligned_alloc, memalign, valloc, pvalloc: one shape, one helper. */
static void *aligned(void *(*real)(size_t, size_t), size_t align, size_t size, void *(*real1)(size_t)) {
  if (!should_track()) {
    if (LT_UNLIKELY(!(real ? (void *)real : (void *)real1))) return lt_arena_alloc(size, align ? align : 4096);
    return real ? real(align, size) : real1(size);
  }
  lt_self.in_hook = 1;
  void *p = real ? real(align, size) : real1(size);
  if (p) {
    int e = errno;
    lt_track_alloc(LT_ALIGNED, p, size);
    errno = e;
  }
  lt_self.in_hook = 0;
  return p;
}

LT_EXPORT void *aligned_alloc(size_t align, size_t size) { return aligned(lt_real.aligned_alloc, align, size, NULL); }
LT_EXPORT void *memalign(size_t align, size_t size) { return aligned(lt_real.memalign, align, size, NULL); }
LT_EXPORT void *valloc(size_t size) { return aligned(NULL, 0, size, lt_real.valloc); }
LT_EXPORT void *pvalloc(size_t size) { return aligned(NULL, 0, size, lt_real.pvalloc); }

/* ---- mappings ---------------------------------------------------------------------------- */

static size_t tracked_mmap_min(void) {
  if (!mmap_min_read) {
    const char *v = getenv("LEAKTRACE_MMAP_MIN");
    if (v && *v) {
      size_t n = 0;
      for (; *v >= '0' && *v <= '9'; v++) n = n * 10 + (size_t)(*v - '0');
      mmap_min = n;
    }
    mmap_min_read = 1;
  }
  return mmap_min;
}

static void *do_mmap(void *(*real)(void *, size_t, int, int, int, off_t), void *addr, size_t len, int prot, int flags,
                     int fd, off_t off) {
  int track = should_track();
  void *p = real ? real(addr, len, prot, flags, fd, off)
                 : (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
  if (track && p != MAP_FAILED && (flags & MAP_ANONYMOUS) && prot != PROT_NONE && len >= tracked_mmap_min()) {
    int e = errno;
    lt_self.in_hook = 1;
    lt_track_alloc(LT_MMAP, p, len);
    lt_self.in_hook = 0;
    errno = e;
  }
  return p;
}

LT_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  return do_mmap(lt_real.mmap, addr, len, prot, flags, fd, off);
}

LT_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  return do_mmap(lt_real.mmap64 ? lt_real.mmap64 : lt_real.mmap, addr, len, prot, flags, fd, off);
}

LT_EXPORT int munmap(void *addr, size_t len) {
  if (should_track() && len > 0) {
    int e = errno;
    lt_self.in_hook = 1;
    lt_log_lock();
    lt_emit_unmap(addr, len);
    lt_log_unlock();
    lt_self.in_hook = 0;
    errno = e;
  }
  if (LT_UNLIKELY(!lt_real.munmap)) return (int)syscall(SYS_munmap, addr, len);
  return lt_real.munmap(addr, len);
}

LT_EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...) {
  void *want = NULL;
  if (flags & MREMAP_FIXED) {
    va_list ap;
    va_start(ap, flags);
    want = va_arg(ap, void *);
    va_end(ap);
  }
  if (!should_track() || !lt_real.mremap) {
    if (!lt_real.mremap) return (void *)syscall(SYS_mremap, old, old_len, new_len, flags, want);
    return lt_real.mremap(old, old_len, new_len, flags, want);
  }
  uintptr_t ips[LT_MAX_FRAMES];
  int truncated = 0;
  lt_self.in_hook = 1;
  int depth = lt_unwind(ips, LT_MAX_FRAMES, &truncated);
  lt_log_lock();
  void *p = lt_real.mremap(old, old_len, new_len, flags, want);
  int e = errno;
  if (p != MAP_FAILED) lt_emit_remap(old, old_len, p, new_len, lt_stack_intern(ips, depth, truncated));
  lt_log_unlock();
  lt_self.in_hook = 0;
  errno = e;
  return p;
}
