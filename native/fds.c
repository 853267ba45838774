/*
 * The interposed descriptor calls: handle tracing for any process. Each call runs for real
 * first; a new descriptor is recorded with its stack (and the path, for files). Closes are
 * recorded before the real close, since the number may be handed out again at once.
 * Allocations made inside the real call (fopen's FILE) are tracked as ordinary allocations.
 *
 * Not seen: descriptors made by raw system calls (syscall(2), io_uring) and those glibc opens
 * for itself without going through these symbols.
 */
#include "lt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

static inline int tracking(void) {
  if (LT_UNLIKELY(lt_state != 2)) {
    if (lt_self.in_hook) return 0;
    lt_init();
  }
  return lt_enabled && !lt_self.in_hook;
}

/* The real function, looked up once. Two threads racing store the same value. */
#define REAL(name)                                                        \
  static __typeof__(&name) real_##name;                                   \
  if (LT_UNLIKELY(!real_##name)) real_##name = lt_resolve(#name);

static void opened(int kind, int fd, const char *path) {
  if (fd < 0 || !tracking()) return;
  int e = errno;
  lt_self.in_hook = 1;
  lt_track_fd(kind, fd, path);
  lt_self.in_hook = 0;
  errno = e;
}

static void closing(int fd) {
  if (fd < 0 || !tracking()) return;
  int e = errno;
  lt_self.in_hook = 1;
  lt_track_close(fd);
  lt_self.in_hook = 0;
  errno = e;
}

static int needs_mode(int flags) { return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE; }

#define OPEN_LIKE(name)                                                   \
  LT_EXPORT int name(const char *path, int flags, ...) {                  \
    mode_t mode = 0;                                                      \
    if (needs_mode(flags)) {                                              \
      va_list ap;                                                         \
      va_start(ap, flags);                                                \
      mode = va_arg(ap, mode_t);                                          \
      va_end(ap);                                                         \
    }                                                                     \
    REAL(name);                                                           \
    int fd = real_##name ? real_##name(path, flags, mode)                 \
                         : (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode); \
    opened(LT_FD_FILE, fd, path);                                         \
    return fd;                                                            \
  }
OPEN_LIKE(open)
OPEN_LIKE(open64)

#define OPENAT_LIKE(name)                                                 \
  LT_EXPORT int name(int dirfd, const char *path, int flags, ...) {       \
    mode_t mode = 0;                                                      \
    if (needs_mode(flags)) {                                              \
      va_list ap;                                                         \
      va_start(ap, flags);                                                \
      mode = va_arg(ap, mode_t);                                          \
      va_end(ap);                                                         \
    }                                                                     \
    REAL(name);                                                           \
    int fd = real_##name ? real_##name(dirfd, path, flags, mode)          \
                         : (int)syscall(SYS_openat, dirfd, path, flags, mode); \
    opened(LT_FD_FILE, fd, path);                                         \
    return fd;                                                            \
  }
OPENAT_LIKE(openat)
OPENAT_LIKE(openat64)

/* _FORTIFY_SOURCE variants. */
extern int __open_2(const char *, int);
extern int __open64_2(const char *, int);
extern int __openat_2(int, const char *, int);
extern int __openat64_2(int, const char *, int);
#define FORTIFIED(name, params, args, pathp)                              \
  LT_EXPORT int name params {                                             \
    REAL(name);                                                           \
    int fd = real_##name args;                                            \
    opened(LT_FD_FILE, fd, pathp);                                        \
    return fd;                                                            \
  }
FORTIFIED(__open_2, (const char *path, int flags), (path, flags), path)
FORTIFIED(__open64_2, (const char *path, int flags), (path, flags), path)
FORTIFIED(__openat_2, (int d, const char *path, int flags), (d, path, flags), path)
FORTIFIED(__openat64_2, (int d, const char *path, int flags), (d, path, flags), path)

LT_EXPORT int creat(const char *path, mode_t mode) {
  REAL(creat);
  int fd = real_creat(path, mode);
  opened(LT_FD_FILE, fd, path);
  return fd;
}

LT_EXPORT int creat64(const char *path, mode_t mode) {
  REAL(creat64);
  int fd = real_creat64(path, mode);
  opened(LT_FD_FILE, fd, path);
  return fd;
}

LT_EXPORT int socket(int domain, int type, int protocol) {
  REAL(socket);
  int fd = real_socket(domain, type, protocol);
  opened(LT_FD_SOCKET, fd, NULL);
  return fd;
}

LT_EXPORT int socketpair(int domain, int type, int protocol, int sv[2]) {
  REAL(socketpair);
  int r = real_socketpair(domain, type, protocol, sv);
  if (r == 0) {
    opened(LT_FD_SOCKET, sv[0], NULL);
    opened(LT_FD_SOCKET, sv[1], NULL);
  }
  return r;
}

LT_EXPORT int accept(int s, struct sockaddr *addr, socklen_t *len) {
  REAL(accept);
  int fd = real_accept(s, addr, len);
  opened(LT_FD_ACCEPT, fd, NULL);
  return fd;
}

LT_EXPORT int accept4(int s, struct sockaddr *addr, socklen_t *len, int flags) {
  REAL(accept4);
  int fd = real_accept4(s, addr, len, flags);
  opened(LT_FD_ACCEPT, fd, NULL);
  return fd;
}

LT_EXPORT int pipe(int fds[2]) {
  REAL(pipe);
  int r = real_pipe(fds);
  if (r == 0) {
    opened(LT_FD_PIPE, fds[0], NULL);
    opened(LT_FD_PIPE, fds[1], NULL);
  }
  return r;
}

LT_EXPORT int pipe2(int fds[2], int flags) {
  REAL(pipe2);
  int r = real_pipe2(fds, flags);
  if (r == 0) {
    opened(LT_FD_PIPE, fds[0], NULL);
    opened(LT_FD_PIPE, fds[1], NULL);
  }
  return r;
}

LT_EXPORT int dup(int old) {
  REAL(dup);
  int fd = real_dup(old);
  opened(LT_FD_DUP, fd, NULL);
  return fd;
}

/* dup2/dup3 close `new` first when it is open and differs from `old`. */
LT_EXPORT int dup2(int old, int new) {
  REAL(dup2);
  if (old != new) closing(new);
  int fd = real_dup2(old, new);
  if (old != new) opened(LT_FD_DUP, fd, NULL);
  return fd;
}

LT_EXPORT int dup3(int old, int new, int flags) {
  REAL(dup3);
  if (old != new) closing(new);
  int fd = real_dup3(old, new, flags);
  opened(LT_FD_DUP, fd, NULL);
  return fd;
}

LT_EXPORT int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  void *arg = va_arg(ap, void *); /* glibc passes the argument on the same way */
  va_end(ap);
  REAL(fcntl);
  int r = real_fcntl(fd, cmd, arg);
  if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) opened(LT_FD_DUP, r, NULL);
  return r;
}

LT_EXPORT int fcntl64(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  static int (*real)(int, int, ...);
  if (!real) real = lt_resolve("fcntl64");
  if (!real) real = lt_resolve("fcntl");
  int r = real(fd, cmd, arg);
  if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) opened(LT_FD_DUP, r, NULL);
  return r;
}

LT_EXPORT int eventfd(unsigned int initval, int flags) {
  REAL(eventfd);
  int fd = real_eventfd(initval, flags);
  opened(LT_FD_EVENTFD, fd, NULL);
  return fd;
}

LT_EXPORT int timerfd_create(int clockid, int flags) {
  REAL(timerfd_create);
  int fd = real_timerfd_create(clockid, flags);
  opened(LT_FD_TIMERFD, fd, NULL);
  return fd;
}

LT_EXPORT int epoll_create(int size) {
  REAL(epoll_create);
  int fd = real_epoll_create(size);
  opened(LT_FD_EPOLL, fd, NULL);
  return fd;
}

LT_EXPORT int epoll_create1(int flags) {
  REAL(epoll_create1);
  int fd = real_epoll_create1(flags);
  opened(LT_FD_EPOLL, fd, NULL);
  return fd;
}

LT_EXPORT int signalfd(int fd, const sigset_t *mask, int flags) {
  REAL(signalfd);
  int r = real_signalfd(fd, mask, flags);
  if (fd == -1) opened(LT_FD_SIGNALFD, r, NULL); /* otherwise an existing one was updated */
  return r;
}

LT_EXPORT int inotify_init(void) {
  REAL(inotify_init);
  int fd = real_inotify_init();
  opened(LT_FD_INOTIFY, fd, NULL);
  return fd;
}

LT_EXPORT int inotify_init1(int flags) {
  REAL(inotify_init1);
  int fd = real_inotify_init1(flags);
  opened(LT_FD_INOTIFY, fd, NULL);
  return fd;
}

LT_EXPORT int memfd_create(const char *name, unsigned int flags) {
  REAL(memfd_create);
  int fd = real_memfd_create(name, flags);
  opened(LT_FD_MEMFD, fd, name);
  return fd;
}

LT_EXPORT int close(int fd) {
  REAL(close);
  closing(fd);
  if (LT_UNLIKELY(!real_close)) return (int)syscall(SYS_close, fd);
  return real_close(fd);
}

extern int close_range(unsigned int first, unsigned int last, int flags);
LT_EXPORT int close_range(unsigned int first, unsigned int last, int flags) {
  REAL(close_range);
  if (!(flags & 4 /* CLOSE_RANGE_CLOEXEC */) && tracking()) {
    int e = errno;
    lt_self.in_hook = 1;
    lt_log_lock();
    lt_emit_fd_close_range(first, last);
    lt_log_unlock();
    lt_self.in_hook = 0;
    errno = e;
  }
  return real_close_range(first, last, flags);
}

extern void closefrom(int lowfd);
LT_EXPORT void closefrom(int lowfd) {
  REAL(closefrom);
  if (tracking() && lowfd >= 0) {
    int e = errno;
    lt_self.in_hook = 1;
    lt_log_lock();
    lt_emit_fd_close_range((unsigned)lowfd, ~0u);
    lt_log_unlock();
    lt_self.in_hook = 0;
    errno = e;
  }
  real_closefrom(lowfd);
}

/* ---- stdio streams and directories (glibc opens and closes their descriptors itself) ---- */

LT_EXPORT FILE *fopen(const char *path, const char *mode) {
  REAL(fopen);
  FILE *f = real_fopen(path, mode);
  if (f) opened(LT_FD_STREAM, fileno(f), path);
  return f;
}

LT_EXPORT FILE *fopen64(const char *path, const char *mode) {
  REAL(fopen64);
  FILE *f = real_fopen64(path, mode);
  if (f) opened(LT_FD_STREAM, fileno(f), path);
  return f;
}

LT_EXPORT FILE *freopen(const char *path, const char *mode, FILE *stream) {
  REAL(freopen);
  if (stream && path) closing(fileno(stream));
  FILE *f = real_freopen(path, mode, stream);
  if (f && path) opened(LT_FD_STREAM, fileno(f), path);
  return f;
}

LT_EXPORT int fclose(FILE *f) {
  REAL(fclose);
  if (f) closing(fileno(f));
  return real_fclose(f);
}

LT_EXPORT DIR *opendir(const char *path) {
  REAL(opendir);
  DIR *d = real_opendir(path);
  if (d) opened(LT_FD_DIR, dirfd(d), path);
  return d;
}

LT_EXPORT int closedir(DIR *d) {
  REAL(closedir);
  closing(dirfd(d));
  return real_closedir(d);
}
