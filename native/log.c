/*
 * The event log: one file per process image, `p<pid>-<n>.ltn` in the capture folder's
 * native/ directory, written through a shared mapping of the file. A store into the mapping
 * is in the kernel's page cache at once, so the log survives whatever ends the process —
 * exit, exec, a crash, SIGKILL — with nothing to flush and no signal handler to install.
 * The file is extended in windows (fallocate, so a full disk ends the log instead of raising
 * SIGBUS in the target); bytes never written read as zero, which marks the end.
 *
 * Layout (little-endian; uleb/sleb are LEB128, addr deltas are against the previous address
 * of an ALLOC/FREE/UNMAP record; read by src/model/native/event-log.ts):
 *   header, 64 bytes: "LTNATIVE", u32 version, u32 header size, u32 pid, u32 ppid,
 *     u64 realtime ns, u64 monotonic ns at start, u32 flags (1: forked child), u32 page size,
 *     u32 pointer size, u32 max frames, u64 data end (offset past the last whole record, kept
 *     current after every record: a reader knows where the data ends and whether the process
 *     was stopped in the middle of one)
 *   records, a tag byte each:
 *     0x00 end of data (never written)
 *     0x01 STACK  uleb id, uleb depth*2+truncated, uleb first ip, sleb ip deltas...
 *     0x02..0x06 ALLOC malloc|calloc|realloc|aligned|mmap: uleb stack, uleb size, sleb addr delta
 *     0x08 FREE   sleb addr delta
 *     0x09 UNMAP  sleb addr delta, uleb size
 *     0x0d REMAP  sleb old addr delta, uleb old size, sleb new-old, uleb new size, uleb stack
 *     0x0a FD_OPEN  u8 kind, uleb stack, uleb fd, uleb path length, path (files only)
 *     0x0b FD_CLOSE uleb fd
 *     0x0c FD_CLOSE_RANGE uleb first, uleb last
 *     0x10 TIME   uleb microseconds since start (monotonic)
 *     0x11 THREAD uleb tid: the thread of the records that follow
 *     0x12 MAPS   uleb length, the executable file mappings from /proc/self/maps
 *     0x13 EXIT   uleb microseconds: the program reached exit (destructors may follow)
 *     0x14 NOTE   uleb length, text
 *     0x15 EXE    uleb length, the executable's path
 *     0x16 UNTRACKED uleb count, uleb bytes: allocations not tracked so far (start-up)
 */
#include "lt.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define WINDOW (8u << 20)
#define HEADER_SIZE 64
#define LOG_VERSION 1

enum {
  T_STACK = 0x01,
  T_ALLOC = 0x02, /* + kind - 1 */
  T_FREE = 0x08,
  T_UNMAP = 0x09,
  T_FD_OPEN = 0x0a,
  T_FD_CLOSE = 0x0b,
  T_FD_CLOSE_RANGE = 0x0c,
  T_REMAP = 0x0d,
  T_TIME = 0x10,
  T_THREAD = 0x11,
  T_MAPS = 0x12,
  T_EXIT = 0x13,
  T_NOTE = 0x14,
  T_EXE = 0x15,
  T_UNTRACKED = 0x16,
};

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -1;
static int log_dead; /* the disk filled or a mapping failed: nothing more is written */
static uint8_t *win;  /* the mapped window */
static volatile uint64_t *data_end; /* in the header page, mapped on its own for the whole run */
static uint64_t win_off, win_end; /* file offsets */
static uint64_t pos;              /* file offset of the next byte */
static uintptr_t last_addr;
static int last_tid;
static uint64_t start_ns, last_tick_us, last_maps_us;
static long page_size;

/* Executable file mappings as last read, sorted by start. */
static uintptr_t *ranges;
static size_t range_count, range_cap;

uint64_t lt_untracked_count, lt_untracked_bytes;

static uint64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- the mapped window -------------------------------------------------------------------- */

static int map_window_at(uint64_t at) {
  uint64_t off = at & ~(uint64_t)(page_size - 1);
  uint64_t end = off + WINDOW;
  int r = (int)syscall(SYS_fallocate, log_fd, 0, (off_t)off, (off_t)WINDOW);
  if (r != 0 && (errno == EOPNOTSUPP || errno == ENOSYS)) r = (int)syscall(SYS_ftruncate, log_fd, (off_t)end);
  if (r != 0) return -1;
  void *m = (void *)syscall(SYS_mmap, NULL, WINDOW, PROT_READ | PROT_WRITE, MAP_SHARED, log_fd, (off_t)off);
  if (m == MAP_FAILED) return -1;
  if (win) syscall(SYS_munmap, win, WINDOW);
  win = m;
  win_off = off;
  win_end = end;
  return 0;
}

/* Makes `n` contiguous bytes available at `pos`; returns where to write them, or NULL. */
static inline uint8_t *reserve(size_t n) {
  if (LT_UNLIKELY(log_dead)) return NULL;
  if (LT_UNLIKELY(pos + n > win_end)) {
    if (map_window_at(pos) != 0) {
      log_dead = 1;
      return NULL;
    }
  }
  return win + (pos - win_off);
}

static inline uint8_t *put_uleb(uint8_t *p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  *p++ = (uint8_t)v;
  return p;
}

static inline uint8_t *put_sleb(uint8_t *p, int64_t v) {
  return put_uleb(p, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63)); /* zigzag */
}

static inline void publish(void) {
  if (LT_LIKELY(data_end != NULL)) *data_end = pos;
}

static inline void commit(uint8_t *start, uint8_t *end) {
  pos += (uint64_t)(end - start);
  publish();
}

/* A record with a text body of any length: tag, length, bytes (across windows if need be). */
static void emit_blob(uint8_t tag, const char *text, size_t len) {
  uint8_t *p = reserve(16);
  if (!p) return;
  uint8_t *q = p;
  *q++ = tag;
  q = put_uleb(q, len);
  commit(p, q);
  while (len > 0) {
    size_t chunk = len < WINDOW / 2 ? len : WINDOW / 2;
    p = reserve(chunk);
    if (!p) return;
    memcpy(p, text, chunk);
    pos += chunk;
    text += chunk;
    len -= chunk;
  }
  publish();
}

/* ---- time and threads --------------------------------------------------------------------- */

static inline void before_record(void) {
  uint64_t us = (now_ns(CLOCK_MONOTONIC_COARSE) - start_ns) / 1000;
  if (us >= last_tick_us + 1000) {
    last_tick_us = us;
    uint8_t *p = reserve(12);
    if (p) {
      uint8_t *q = p;
      *q++ = T_TIME;
      q = put_uleb(q, us);
      commit(p, q);
    }
  }
  int tid = lt_self.tid;
  if (LT_UNLIKELY(tid == 0)) tid = lt_self.tid = (int)syscall(SYS_gettid);
  if (tid != last_tid) {
    last_tid = tid;
    uint8_t *p = reserve(12);
    if (p) {
      uint8_t *q = p;
      *q++ = T_THREAD;
      q = put_uleb(q, (uint64_t)tid);
      commit(p, q);
    }
  }
}

/* ---- module maps -------------------------------------------------------------------------- */

static uintptr_t parse_hex(const char **s) {
  uintptr_t v = 0;
  for (;;) {
    char c = **s;
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return v;
    v = v * 16 + (uintptr_t)d;
    (*s)++;
  }
}

static int add_range(uintptr_t lo, uintptr_t hi) {
  if (range_count + 1 > range_cap) {
    size_t cap = range_cap ? range_cap * 2 : 256;
    uintptr_t *r = lt_os_grow(ranges, range_cap * 2 * sizeof *ranges, cap * 2 * sizeof *ranges);
    if (!r) return -1;
    ranges = r;
    range_cap = cap;
  }
  ranges[range_count * 2] = lo;
  ranges[range_count * 2 + 1] = hi;
  range_count++;
  return 0;
}

/*
 * Reads /proc/self/maps, keeps the executable file mappings, and writes them as a MAPS
 * record when they changed. Only system calls: safe under our lock.
 */
static void refresh_maps(int force) {
  int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  size_t cap = 1 << 16, len = 0;
  char *buf = lt_os_alloc(cap);
  while (buf) {
    if (len == cap) {
      char *b = lt_os_grow(buf, cap, cap * 2);
      if (!b) break;
      buf = b;
      cap *= 2;
    }
    long n = syscall(SYS_read, fd, buf + len, cap - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    len += (size_t)n;
  }
  syscall(SYS_close, fd);
  if (!buf) return;
  /* Keep lines with 'x' permission and a path; compact them in place. */
  size_t out = 0;
  uintptr_t *old = ranges;
  size_t old_count = range_count, old_cap = range_cap;
  ranges = NULL;
  range_count = range_cap = 0;
  for (size_t i = 0; i < len;) {
    size_t j = i;
    while (j < len && buf[j] != '\n') j++;
    const char *line = buf + i, *s = line;
    uintptr_t lo = parse_hex(&s);
    if (*s == '-') s++;
    uintptr_t hi = parse_hex(&s);
    int exec = (size_t)(s - line) + 3 < j - i && s[3] == 'x';
    const char *path = memchr(line, '/', j - i);
    if (!path) path = memchr(line, '[', j - i);
    if (exec && path) {
      add_range(lo, hi);
      memmove(buf + out, line, j - i);
      out += j - i;
      buf[out++] = '\n';
    }
    i = j + 1;
  }
  int changed = force || range_count != old_count ||
                (old && ranges && memcmp(old, ranges, range_count * 2 * sizeof *ranges) != 0);
  if (changed && old) {
    /* A mapping that went away (dlclose) may be reused by other code: forget cached unwind rules. */
    for (size_t a = 0; a < old_count; a++) {
      int found = 0;
      for (size_t b = 0; b < range_count && !found; b++)
        found = old[a * 2] == ranges[b * 2] && old[a * 2 + 1] == ranges[b * 2 + 1];
      if (!found) {
        lt_unwind_forget();
        break;
      }
    }
  }
  lt_os_free(old, old_cap * 2 * sizeof *old);
  if (changed) emit_blob(T_MAPS, buf, out);
  lt_os_free(buf, cap);
}

static int in_ranges(uintptr_t ip) {
  size_t lo = 0, hi = range_count;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (ranges[mid * 2 + 1] <= ip) lo = mid + 1;
    else hi = mid;
  }
  return lo < range_count && ranges[lo * 2] <= ip;
}

extern int _dl_find_object(void *, struct dl_find_object *) __attribute__((weak));

/*
 * Called for each new stack (lock held). An address in a loaded object we have no mapping
 * for means a library was loaded since we last looked (dlopen): read the maps now, while it
 * is surely still mapped. Addresses in no object (JIT code) need no map.
 */
int lt_ips_known(const uintptr_t *ips, int depth) {
  for (int i = 0; i < depth; i++) {
    if (in_ranges(ips[i])) continue;
    if (_dl_find_object) {
      struct dl_find_object r;
      if (_dl_find_object((void *)ips[i], &r) != 0) continue; /* not in any object */
    }
    refresh_maps(0);
    return 0;
  }
  return 1;
}

/* ---- opening ------------------------------------------------------------------------------- */

static void write_header(int flags) {
  uint8_t *p = reserve(HEADER_SIZE);
  if (!p) return;
  memset(p, 0, HEADER_SIZE);
  memcpy(p, "LTNATIVE", 8);
  uint32_t u32[10] = {LOG_VERSION, HEADER_SIZE, (uint32_t)getpid(), (uint32_t)getppid()};
  memcpy(p + 8, u32, 16);
  uint64_t rt = now_ns(CLOCK_REALTIME);
  memcpy(p + 24, &rt, 8);
  memcpy(p + 32, &start_ns, 8);
  uint32_t tail[4] = {(uint32_t)flags, (uint32_t)page_size, (uint32_t)sizeof(void *), LT_MAX_FRAMES};
  memcpy(p + 40, tail, 16);
  pos += HEADER_SIZE;
  void *page = (void *)syscall(SYS_mmap, NULL, (size_t)page_size, PROT_READ | PROT_WRITE, MAP_SHARED, log_fd, (off_t)0);
  data_end = page == MAP_FAILED ? NULL : (volatile uint64_t *)((uint8_t *)page + 56);
  publish();
}

static void write_exe(void) {
  char path[4096];
  long n = syscall(SYS_readlink, "/proc/self/exe", path, sizeof path);
  if (n > 0) emit_blob(T_EXE, path, (size_t)n);
}

static void write_untracked(void) {
  uint8_t *p = reserve(24);
  if (!p) return;
  uint8_t *q = p;
  *q++ = T_UNTRACKED;
  q = put_uleb(q, __atomic_load_n(&lt_untracked_count, __ATOMIC_RELAXED));
  q = put_uleb(q, __atomic_load_n(&lt_untracked_bytes, __ATOMIC_RELAXED));
  commit(p, q);
}

/* Opens a new log file for this process (image) and writes its header and module map. */
int lt_log_open(int forked) {
  const char *dir = getenv("LEAKTRACE_NATIVE_DIR");
  if (!dir) return -1;
  page_size = sysconf(_SC_PAGESIZE);
  char path[4096];
  int pid = (int)syscall(SYS_getpid);
  for (unsigned n = 0; n < 1000; n++) {
    char *e = path + sizeof path, *p = lt_append(path, e, dir);
    p = lt_append(p, e, "/p");
    p = lt_append_uint(p, e, (unsigned long)pid);
    p = lt_append(p, e, "-");
    p = lt_append_uint(p, e, n);
    p = lt_append(p, e, ".ltn");
    log_fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (log_fd >= 0 || errno != EEXIST) break;
  }
  if (log_fd < 0) return -1;
  /* Keep our descriptor out of the target's way: move it high, where programs rarely look. */
  int high = (int)syscall(SYS_fcntl, log_fd, F_DUPFD_CLOEXEC, 1000);
  if (high >= 0) {
    syscall(SYS_close, log_fd);
    log_fd = high;
  }
  win = NULL;
  pos = 0;
  log_dead = 0;
  last_addr = 0;
  last_tid = 0;
  last_tick_us = 0;
  last_maps_us = 0;
  start_ns = now_ns(CLOCK_MONOTONIC_COARSE);
  if (map_window_at(0) != 0) {
    syscall(SYS_close, log_fd);
    log_fd = -1;
    return -1;
  }
  write_header(forked);
  write_exe();
  write_untracked();
  lt_os_free(ranges, range_cap * 2 * sizeof *ranges);
  ranges = NULL;
  range_count = range_cap = 0;
  refresh_maps(1);
  return 0;
}

void lt_log_lock(void) { pthread_mutex_lock(&log_lock); }
void lt_log_unlock(void) { pthread_mutex_unlock(&log_lock); }

/* ---- records ------------------------------------------------------------------------------- */

void lt_emit_alloc(int kind, uint32_t stack, const void *addr, size_t size) {
  before_record();
  uint8_t *p = reserve(32);
  if (!p) return;
  uint8_t *q = p;
  *q++ = (uint8_t)(T_ALLOC + kind - 1);
  q = put_uleb(q, stack);
  q = put_uleb(q, size);
  q = put_sleb(q, (int64_t)((uintptr_t)addr - last_addr));
  last_addr = (uintptr_t)addr;
  commit(p, q);
}

void lt_emit_free(const void *addr) {
  before_record();
  uint8_t *p = reserve(12);
  if (!p) return;
  uint8_t *q = p;
  *q++ = T_FREE;
  q = put_sleb(q, (int64_t)((uintptr_t)addr - last_addr));
  last_addr = (uintptr_t)addr;
  commit(p, q);
}

void lt_emit_unmap(const void *addr, size_t size) {
  before_record();
  uint8_t *p = reserve(24);
  if (!p) return;
  uint8_t *q = p;
  *q++ = T_UNMAP;
  q = put_sleb(q, (int64_t)((uintptr_t)addr - last_addr));
  q = put_uleb(q, size);
  last_addr = (uintptr_t)addr;
  commit(p, q);
}

#define MAX_PATH_KEPT 512

void lt_emit_fd_open(int kind, uint32_t stack, int fd, const char *path) {
  before_record();
  size_t len = path ? lt_strlen(path) : 0;
  if (len > MAX_PATH_KEPT) path += len - MAX_PATH_KEPT, len = MAX_PATH_KEPT; /* keep the file name end */
  uint8_t *p = reserve(32 + len);
  if (!p) return;
  uint8_t *q = p;
  *q++ = T_FD_OPEN;
  *q++ = (uint8_t)kind;
  q = put_uleb(q, stack);
  q = put_uleb(q, (uint64_t)(unsigned)fd);
  q = put_uleb(q, len);
  memcpy(q, path ? path : "", len);
  q += len;
  commit(p, q);
}

void lt_emit_remap(const void *old, size_t old_size, const void *addr, size_t size, uint32_t stack) {
  before_record();
  uint8_t *p = reserve(48);
  if (!p) return;
  uint8_t *q = p;
  *q++ = T_REMAP;
  q = put_sleb(q, (int64_t)((uintptr_t)old - last_addr));
  q = put_uleb(q, old_size);
  q = put_sleb(q, (int64_t)((uintptr_t)addr - (uintptr_t)old));
  q = put_uleb(q, size);
  q = put_uleb(q, stack);
  last_addr = (uintptr_t)addr;
  commit(p, q);
}

void lt_emit_fd_close(int fd) {
  before_record();
  uint8_t *p = reserve(12);
  if (!p) return;
  uint8_t *q = p;
  *q++ = T_FD_CLOSE;
  q = put_uleb(q, (uint64_t)(unsigned)fd);
  commit(p, q);
}

void lt_emit_fd_close_range(unsigned first, unsigned last) {
  before_record();
  uint8_t *p = reserve(24);
  if (!p) return;
  uint8_t *q = p;
  *q++ = T_FD_CLOSE_RANGE;
  q = put_uleb(q, first);
  q = put_uleb(q, last);
  commit(p, q);
}

void lt_emit_stack(uint32_t id, const uintptr_t *ips, int depth, int truncated) {
  if (!lt_ips_known(ips, depth)) { /* refresh_maps ran and wrote the new module map */ }
  uint64_t us = (now_ns(CLOCK_MONOTONIC_COARSE) - start_ns) / 1000;
  if (us >= last_maps_us + 1000000) {
    /* Once a second (while events come), look for libraries unloaded and replaced. */
    last_maps_us = us;
    refresh_maps(0);
  }
  size_t worst = 16 + (size_t)depth * 10;
  uint8_t *p = reserve(worst);
  if (!p) return;
  uint8_t *q = p;
  *q++ = T_STACK;
  q = put_uleb(q, id);
  q = put_uleb(q, (uint64_t)depth * 2 + (truncated ? 1 : 0));
  uintptr_t prev = 0;
  for (int i = 0; i < depth; i++) {
    if (i == 0) q = put_uleb(q, ips[0]);
    else q = put_sleb(q, (int64_t)(ips[i] - prev));
    prev = ips[i];
  }
  commit(p, q);
}

void lt_emit_exit(void) {
  before_record();
  write_untracked();
  uint8_t *p = reserve(12);
  if (!p) return;
  uint8_t *q = p;
  *q++ = T_EXIT;
  q = put_uleb(q, (now_ns(CLOCK_MONOTONIC_COARSE) - start_ns) / 1000);
  commit(p, q);
}

void lt_emit_note(const char *text) { emit_blob(T_NOTE, text, lt_strlen(text)); }

/* ---- fork ------------------------------------------------------------------------------------ */

void lt_log_fork_prepare(void) {
  lt_self.in_hook++;
  pthread_mutex_lock(&log_lock);
}

void lt_log_fork_parent(void) {
  pthread_mutex_unlock(&log_lock);
  lt_self.in_hook--;
}

/*
 * In the child: the parent's window is shared with the parent, so drop it and start a log
 * of our own. Blocks the child inherited from the parent are not in it: frees of those show
 * as frees of blocks allocated before tracking.
 */
void lt_log_fork_child(void) {
  if (win) syscall(SYS_munmap, win, WINDOW);
  win = NULL;
  if (data_end) syscall(SYS_munmap, (uint8_t *)data_end - 56, (size_t)page_size);
  data_end = NULL;
  if (log_fd >= 0) syscall(SYS_close, log_fd);
  log_fd = -1;
  lt_stacks_reset();
  if (lt_log_open(1) != 0) lt_enabled = 0;
  pthread_mutex_init(&log_lock, NULL);
  lt_self.in_hook--;
}
