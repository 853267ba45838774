/*
 * leaktrace native tracker: a library preloaded into any dynamically linked Linux process
 * (LD_PRELOAD). It interposes the allocation and descriptor calls, records each call's stack
 * in a stack table of its own and appends compact binary events to a log file in the capture
 * folder. Everything else (symbols, views, leak judgement) happens offline in TypeScript.
 *
 * Files: lt.h (this: shared declarations), init.c (bootstrap, real functions, fork),
 * alloc.c and fds.c (the interposed calls), unwind.c (stack capture), stacks.c (the stack
 * table), log.c (the event log and module maps). The event format is documented in log.c and
 * read by src/model/native/event-log.ts; keep the two in step.
 *
 * Rules that hold everywhere: never change the target's behaviour (results and errno of every
 * call are the real ones), never call the target's malloc from tracking code (our memory comes
 * from mmap), never hold our lock while calling into the dynamic loader.
 */
#ifndef LT_H
#define LT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LT_EXPORT __attribute__((visibility("default")))
#define LT_HIDDEN __attribute__((visibility("hidden")))
#define LT_LIKELY(x) __builtin_expect(!!(x), 1)
#define LT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LT_TLS __thread __attribute__((tls_model("initial-exec")))

/* Deepest stack recorded; deeper stacks keep their innermost frames and are marked. */
#define LT_MAX_FRAMES 128

/* Event kinds, as written in the log (see log.c for the byte layout). */
enum lt_alloc_kind { LT_MALLOC = 1, LT_CALLOC = 2, LT_REALLOC = 3, LT_ALIGNED = 4, LT_MMAP = 5 };
enum lt_fd_kind {
  LT_FD_FILE = 1,
  LT_FD_SOCKET = 2,
  LT_FD_ACCEPT = 3,
  LT_FD_PIPE = 4,
  LT_FD_DUP = 5,
  LT_FD_EVENTFD = 6,
  LT_FD_TIMERFD = 7,
  LT_FD_EPOLL = 8,
  LT_FD_SIGNALFD = 9,
  LT_FD_INOTIFY = 10,
  LT_FD_MEMFD = 11,
  LT_FD_STREAM = 12, /* fopen, freopen */
  LT_FD_DIR = 13,    /* opendir */
};

/* Per-thread state. `in_hook` makes every call made by tracking code (or by the real
 * function we wrap) pass straight through untracked. */
struct lt_thread {
  int in_hook;
  int tid;
  uintptr_t stack_lo, stack_hi; /* this thread's stack, for safe frame reads; 0 = unknown */
  int stack_known;
};
extern LT_TLS struct lt_thread lt_self LT_HIDDEN;

/* The functions we wrap, resolved with dlsym(RTLD_NEXT) at start-up. */
struct lt_real {
  void *(*malloc)(size_t);
  void *(*calloc)(size_t, size_t);
  void *(*realloc)(void *, size_t);
  void *(*reallocarray)(void *, size_t, size_t);
  void (*free)(void *);
  int (*posix_memalign)(void **, size_t, size_t);
  void *(*aligned_alloc)(size_t, size_t);
  void *(*memalign)(size_t, size_t);
  void *(*valloc)(size_t);
  void *(*pvalloc)(size_t);
  void *(*mmap)(void *, size_t, int, int, int, off_t);
  void *(*mmap64)(void *, size_t, int, int, int, off_t);
  int (*munmap)(void *, size_t);
  void *(*mremap)(void *, size_t, size_t, int, ...);
};
extern struct lt_real lt_real LT_HIDDEN;

/* 0 before start-up, 1 while starting, 2 ready. Tracking happens only when ready and a
 * capture folder was given (LEAKTRACE_NATIVE_DIR). */
extern volatile int lt_state LT_HIDDEN;
extern int lt_enabled LT_HIDDEN;

LT_HIDDEN void lt_init(void);
LT_HIDDEN void *lt_resolve(const char *name);

/* Start-up arena: memory handed out before the real allocator is known (dlsym may call
 * calloc). Never freed; `free` recognises its pointers. */
LT_HIDDEN void *lt_arena_alloc(size_t size, size_t align);
LT_HIDDEN int lt_arena_owns(const void *p);
LT_HIDDEN size_t lt_arena_size(const void *p);

/* Our own memory, straight from the kernel (never the target's heap). */
LT_HIDDEN void *lt_os_alloc(size_t size);
LT_HIDDEN void *lt_os_grow(void *old, size_t old_size, size_t new_size);
LT_HIDDEN void lt_os_free(void *p, size_t size);

/* Stack capture (unwind.c): fills `ips` with return addresses, innermost first, starting
 * at the caller of the interposed function. Returns the depth; *truncated set when the
 * stack was deeper than `max`. */
LT_HIDDEN int lt_unwind(uintptr_t *ips, int max, int *truncated);
LT_HIDDEN void lt_unwind_init(void);
LT_HIDDEN void lt_unwind_forget(void);

/* Stack table (stacks.c). Call with the log lock held. Returns the 32-bit id; a new stack
 * is written to the log before its id is first used. */
LT_HIDDEN uint32_t lt_stack_intern(const uintptr_t *ips, int depth, int truncated);
LT_HIDDEN void lt_stacks_reset(void);
LT_HIDDEN uint32_t lt_stacks_count(void);

/* Event log (log.c). lt_log_lock/unlock around every lt_emit_*. */
LT_HIDDEN int lt_log_open(int forked_from);
LT_HIDDEN void lt_log_lock(void);
LT_HIDDEN void lt_log_unlock(void);
LT_HIDDEN void lt_emit_alloc(int kind, uint32_t stack, const void *addr, size_t size);
LT_HIDDEN void lt_emit_free(const void *addr);
LT_HIDDEN void lt_emit_unmap(const void *addr, size_t size);
LT_HIDDEN void lt_emit_remap(const void *old, size_t old_size, const void *addr, size_t size, uint32_t stack);
LT_HIDDEN void lt_emit_fd_open(int kind, uint32_t stack, int fd, const char *path);
LT_HIDDEN void lt_emit_fd_close(int fd);
LT_HIDDEN void lt_emit_fd_close_range(unsigned first, unsigned last);
LT_HIDDEN void lt_emit_stack(uint32_t id, const uintptr_t *ips, int depth, int truncated);
LT_HIDDEN void lt_emit_exit(void);
LT_HIDDEN void lt_emit_note(const char *text);
LT_HIDDEN int lt_ips_known(const uintptr_t *ips, int depth);
LT_HIDDEN void lt_log_fork_prepare(void);
LT_HIDDEN void lt_log_fork_parent(void);
LT_HIDDEN void lt_log_fork_child(void);

/* Allocations served while starting or while tracking code ran (our own), not tracked. */
extern uint64_t lt_untracked_count LT_HIDDEN, lt_untracked_bytes LT_HIDDEN;

/* Tracking entry points for the hooks (alloc.c, fds.c): unwind, intern, emit. */
LT_HIDDEN void lt_track_alloc(int kind, const void *addr, size_t size);
LT_HIDDEN void lt_track_free(const void *addr);
LT_HIDDEN void lt_track_fd(int kind, int fd, const char *path);
LT_HIDDEN void lt_track_close(int fd);

/* Small helpers that never allocate. */
LT_HIDDEN size_t lt_strlen(const char *s);
LT_HIDDEN char *lt_append(char *out, const char *end, const char *s);
LT_HIDDEN char *lt_append_uint(char *out, const char *end, unsigned long v);
LT_HIDDEN long lt_syscall_write_all(int fd, const void *buf, size_t len);

#endif
