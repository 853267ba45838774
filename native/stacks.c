/*
 * The stack table inside the target: each distinct stack (its return addresses) is stored
 * once and named by a 32-bit id handed out in order, written to the log the first time it is
 * seen. Every array grows (mremap) and nothing is ever dropped or evicted: an id, once given,
 * names the same stack for the rest of the run. bcc's memleak keeps a fixed 10,240-entry map
 * and silently loses stacks when it fills; the classic +ust database wrapped a 16-bit index.
 * Past 2^32 - 2 stacks we stop adding and say so in the log, rather than wrap.
 *
 * Called only with the log lock held, so nothing here needs to be thread-safe.
 */
#include "lt.h"

#include <string.h>

#define NO_STACK 0xffffffffu

struct stack_rec {
  uint64_t hash;
  uint64_t first; /* index of its first address in `ips` */
  uint32_t depth;
  uint32_t truncated;
};

static uint32_t *slots;          /* open addressing: stack id + 1, 0 = empty */
static size_t slot_cap;          /* power of two */
static struct stack_rec *recs;   /* by id */
static size_t rec_cap;
static uint32_t rec_count;
static uintptr_t *ips_store;
static size_t ips_cap, ips_used;
static int full_noted;

static uint64_t hash_ips(const uintptr_t *ips, int depth, int truncated) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)depth ^ ((uint64_t)truncated << 32);
  for (int i = 0; i < depth; i++) {
    h ^= ips[i];
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  return h ^ (h >> 29);
}

static int grow_slots(void) {
  size_t cap = slot_cap ? slot_cap * 2 : 1u << 16;
  uint32_t *s = lt_os_alloc(cap * sizeof(uint32_t));
  if (!s) return -1;
  size_t mask = cap - 1;
  for (uint32_t id = 0; id < rec_count; id++) {
    size_t i = recs[id].hash & mask;
    while (s[i]) i = (i + 1) & mask;
    s[i] = id + 1;
  }
  lt_os_free(slots, slot_cap * sizeof(uint32_t));
  slots = s;
  slot_cap = cap;
  return 0;
}

static int reserve(int depth) {
  if (rec_count + 1 > rec_cap) {
    size_t cap = rec_cap ? rec_cap * 2 : 1u << 14;
    struct stack_rec *r = lt_os_grow(recs, rec_cap * sizeof *recs, cap * sizeof *recs);
    if (!r) return -1;
    recs = r;
    rec_cap = cap;
  }
  if (ips_used + (size_t)depth > ips_cap) {
    size_t cap = ips_cap ? ips_cap * 2 : 1u << 18;
    while (cap < ips_used + (size_t)depth) cap *= 2;
    uintptr_t *p = lt_os_grow(ips_store, ips_cap * sizeof *ips_store, cap * sizeof *ips_store);
    if (!p) return -1;
    ips_store = p;
    ips_cap = cap;
  }
  if ((size_t)(rec_count + 1) * 2 > slot_cap && grow_slots() != 0) return -1;
  return 0;
}

uint32_t lt_stack_intern(const uintptr_t *ips, int depth, int truncated) {
  uint64_t h = hash_ips(ips, depth, truncated);
  if (slot_cap) {
    size_t mask = slot_cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      uint32_t s = slots[i];
      if (!s) break;
      const struct stack_rec *r = &recs[s - 1];
      if (r->hash == h && r->depth == (uint32_t)depth && r->truncated == (uint32_t)truncated &&
          memcmp(&ips_store[r->first], ips, (size_t)depth * sizeof *ips) == 0)
        return s - 1;
    }
  }
  if (rec_count >= NO_STACK - 1 || reserve(depth) != 0) {
    if (!full_noted) {
      full_noted = 1;
      lt_emit_note(rec_count >= NO_STACK - 1 ? "stack table: 2^32 - 1 stacks; later stacks are not recorded"
                                             : "stack table: out of memory; later new stacks are not recorded");
    }
    return NO_STACK;
  }
  uint32_t id = rec_count++;
  struct stack_rec *r = &recs[id];
  r->hash = h;
  r->first = ips_used;
  r->depth = (uint32_t)depth;
  r->truncated = (uint32_t)truncated;
  memcpy(&ips_store[ips_used], ips, (size_t)depth * sizeof *ips);
  ips_used += (size_t)depth;
  size_t mask = slot_cap - 1;
  size_t i = h & mask;
  while (slots[i]) i = (i + 1) & mask;
  slots[i] = id + 1;
  lt_emit_stack(id, ips, depth, truncated);
  return id;
}

uint32_t lt_stacks_count(void) { return rec_count; }

/* A forked child starts a log of its own, so its stack ids start again from 0. */
void lt_stacks_reset(void) {
  lt_os_free(slots, slot_cap * sizeof(uint32_t));
  lt_os_free(recs, rec_cap * sizeof *recs);
  lt_os_free(ips_store, ips_cap * sizeof *ips_store);
  slots = NULL;
  recs = NULL;
  ips_store = NULL;
  slot_cap = rec_cap = ips_cap = ips_used = 0;
  rec_count = 0;
  full_noted = 0;
}
