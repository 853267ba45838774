#!/bin/sh
# Builds the tracker by hand (leaktrace builds it itself on first use; see
# src/capture/native/build-preload.ts, which uses the same flags).
set -e
cd "$(dirname "$0")"
cc -O2 -g -shared -fPIC -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fvisibility=hidden \
  -Wall -Wextra -o "${1:-libleaktrace.so}" init.c alloc.c fds.c unwind.c stacks.c log.c -ldl -lpthread
