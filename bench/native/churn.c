/* The native benchmark's program: N short-lived allocations of mixed sizes through a few
 * call sites and depths (as real code allocates), and one block in every 1,000 leaked on
 * purpose, so that tools can be checked to agree on the leaked bytes.
 * usage: churn [N]   prints the bytes it leaked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t leaked;

__attribute__((noinline)) static void *make(size_t size) {
  char *p = malloc(size);
  p[0] = (char)size;
  return p;
}

__attribute__((noinline)) static void parse_token(long i) {
  void *p = make(16 + (size_t)(i % 48) * 8);
  if (i % 1000 == 0) {
    leaked += 16 + (size_t)(i % 48) * 8;
    return; /* leaked */
  }
  free(p);
}

__attribute__((noinline)) static void handle_line(long i) {
  char *line = make(64);
  parse_token(i);
  parse_token(i + 1);
  free(line);
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 2000000;
  /* Each handle_line makes 3 allocations. */
  for (long i = 0; i < n / 3; i++) handle_line(i * 2);
  printf("leaked %zu bytes\n", leaked);
  return 0;
}
