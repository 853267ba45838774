/*
 * Stack capture: which unwinder, and why (docs/ARCHITECTURE.md has the measurements).
 *
 * - Frame pointers alone are fastest but wrong on most distribution libraries, which are
 *   built without them: a stack through libc or libstdc++ comes out short or scrambled.
 * - libgcc's _Unwind_Backtrace (glibc's backtrace()) is correct wherever DWARF call-frame
 *   information (.eh_frame) exists, but decodes the CFI again for every frame of every call,
 *   and it stops at code without CFI: V8's JIT-compiled JavaScript and its builtins.
 * - libunwind caches better but shares the second limit and is one more Debian package.
 *
 * So this is a small x86-64 unwinder of our own: for each return address it finds the
 * .eh_frame_hdr of its object (glibc's lock-free _dl_find_object, dl_iterate_phdr before
 * glibc 2.35), runs the CFI program once and caches the result — the canonical frame
 * address as rsp+N or rbp+N, and where rbp was saved — in a lock-free table keyed by
 * address. Later unwinds through the same code cost a table probe and two loads per frame.
 * Code without CFI (JIT code, V8 builtins, hand-written assembly) is stepped through by its
 * frame pointer, which V8 always maintains, so a stack runs from a native addon through
 * JavaScript frames back into Node's C++ and main. Every load is bounded by the thread's
 * stack, so a garbage frame pointer ends the stack instead of crashing the target.
 */
#include "lt.h"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <string.h>

#if defined(__x86_64__)

/* ---- rules --------------------------------------------------------------------------------
 * A rule says how to get from a frame to its caller's:
 *   CFA = (cfa_rbp ? rbp : rsp) + cfa_off; caller ip = [CFA-8]; caller rsp = CFA;
 *   caller rbp = rbp_saved ? [CFA + rbp_off] : rbp.
 * Packed into 64 bits: kind (bits 0-1), cfa_rbp (2), rbp_saved (3), cfa_off (8-39),
 * rbp_off (40-63, signed).
 */
enum { RULE_CFI = 1, RULE_FP = 2, RULE_END = 3 };

static uint64_t pack_rule(int kind, int cfa_rbp, int rbp_saved, int32_t cfa_off, int32_t rbp_off) {
  return (uint64_t)kind | ((uint64_t)cfa_rbp << 2) | ((uint64_t)rbp_saved << 3) | ((uint64_t)(uint32_t)cfa_off << 8) |
         ((uint64_t)((uint32_t)rbp_off & 0xffffff) << 40);
}
static int rule_kind(uint64_t r) { return (int)(r & 3); }
static int rule_cfa_rbp(uint64_t r) { return (int)((r >> 2) & 1); }
static int rule_rbp_saved(uint64_t r) { return (int)((r >> 3) & 1); }
static int32_t rule_cfa_off(uint64_t r) { return (int32_t)(uint32_t)(r >> 8); }
static int32_t rule_rbp_off(uint64_t r) { return ((int32_t)(uint32_t)(r >> 40) << 8) >> 8; }

/* ---- the rule cache ------------------------------------------------------------------------
 * Direct-mapped, shared by all threads without a lock: an entry is {key ^ rule, rule}, so a
 * torn read (two threads writing one entry) fails the check and counts as a miss.
 */
#define CACHE_BITS 16
#define CACHE_SIZE (1u << CACHE_BITS)
struct cache_entry {
  uint64_t check;
  uint64_t rule;
};
static struct cache_entry *cache;

static inline uint32_t cache_slot(uintptr_t ip) {
  uint64_t h = (uint64_t)ip * 0x9E3779B97F4A7C15ull;
  return (uint32_t)(h >> (64 - CACHE_BITS));
}

/* ---- our own code -------------------------------------------------------------------------- */
static uintptr_t own_lo, own_hi;

static int find_own(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  uintptr_t probe = (uintptr_t)data;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD) continue;
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
    if (probe >= lo && probe < hi) {
      /* The whole object: all its PT_LOAD segments. */
      uintptr_t a = UINTPTR_MAX, b = 0;
      for (int j = 0; j < info->dlpi_phnum; j++) {
        const ElfW(Phdr) *q = &info->dlpi_phdr[j];
        if (q->p_type != PT_LOAD) continue;
        uintptr_t l = info->dlpi_addr + q->p_vaddr;
        if (l < a) a = l;
        if (l + q->p_memsz > b) b = l + q->p_memsz;
      }
      own_lo = a;
      own_hi = b;
      return 1;
    }
  }
  return 0;
}

void lt_unwind_init(void) {
  if (!cache) cache = lt_os_alloc(sizeof(struct cache_entry) * CACHE_SIZE);
  if (!own_hi) dl_iterate_phdr(find_own, (void *)(uintptr_t)&lt_unwind_init);
}

/* After a library is unloaded its addresses may be reused by another: forget every rule. */
void lt_unwind_forget(void) {
  if (cache) memset(cache, 0, sizeof(struct cache_entry) * CACHE_SIZE);
}

/* ---- reading DWARF ----------------------------------------------------------------------- */

static uint64_t read_uleb(const uint8_t **p, const uint8_t *end) {
  uint64_t v = 0;
  int shift = 0;
  while (*p < end) {
    uint8_t b = *(*p)++;
    if (shift < 64) v |= (uint64_t)(b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80)) break;
  }
  return v;
}

static int64_t read_sleb(const uint8_t **p, const uint8_t *end) {
  int64_t v = 0;
  int shift = 0;
  uint8_t b = 0;
  while (*p < end) {
    b = *(*p)++;
    if (shift < 64) v |= (int64_t)(b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80)) break;
  }
  if (shift < 64 && (b & 0x40)) v |= -((int64_t)1 << shift);
  return v;
}

/* A pointer in one of DWARF's DW_EH_PE encodings; *ok cleared on what we cannot read. */
static uintptr_t read_encoded(const uint8_t **p, const uint8_t *end, uint8_t enc, uintptr_t datarel, int *ok) {
  if (enc == 0xff) return 0; /* DW_EH_PE_omit */
  const uint8_t *start = *p;
  uintptr_t v;
  switch (enc & 0x0f) {
  case 0x00: v = *(const uint64_t *)(const void *)*p; *p += 8; break;
  case 0x01: v = (uintptr_t)read_uleb(p, end); break;
  case 0x02: v = *(const uint16_t *)(const void *)*p; *p += 2; break;
  case 0x03: v = *(const uint32_t *)(const void *)*p; *p += 4; break;
  case 0x04: v = *(const uint64_t *)(const void *)*p; *p += 8; break;
  case 0x09: v = (uintptr_t)read_sleb(p, end); break;
  case 0x0a: v = (uintptr_t)(intptr_t) * (const int16_t *)(const void *)*p; *p += 2; break;
  case 0x0b: v = (uintptr_t)(intptr_t) * (const int32_t *)(const void *)*p; *p += 4; break;
  case 0x0c: v = *(const uint64_t *)(const void *)*p; *p += 8; break;
  default: *ok = 0; return 0;
  }
  switch (enc & 0x70) {
  case 0x00: break;
  case 0x10: v += (uintptr_t)start; break; /* pcrel */
  case 0x30: v += datarel; break;          /* datarel */
  default: *ok = 0; return 0;
  }
  if (enc & 0x80) { *ok = 0; return 0; } /* indirect: never used for code addresses here */
  return v;
}

/* ---- finding the FDE ------------------------------------------------------------------------ */

struct find_hdr {
  uintptr_t ip;
  const uint8_t *hdr;
};

static int find_hdr_cb(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  struct find_hdr *f = data;
  const ElfW(Phdr) *eh = NULL;
  int inside = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type == PT_LOAD) {
      uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
      if (f->ip >= lo && f->ip < lo + ph->p_memsz) inside = 1;
    } else if (ph->p_type == PT_GNU_EH_FRAME) {
      eh = ph;
    }
  }
  if (!inside) return 0;
  if (eh) f->hdr = (const uint8_t *)(info->dlpi_addr + eh->p_vaddr);
  return 1;
}

/* glibc >= 2.35: lock-free, made for unwinders. Weak so older glibc falls back. */
extern int _dl_find_object(void *, struct dl_find_object *) __attribute__((weak));

/* The object's .eh_frame_hdr, or NULL when the address is in no object (JIT code). */
static const uint8_t *eh_frame_hdr_for(uintptr_t ip) {
  if (_dl_find_object) {
    struct dl_find_object r;
    if (_dl_find_object((void *)ip, &r) != 0) return NULL;
    return r.dlfo_eh_frame;
  }
  struct find_hdr f = {ip, NULL};
  dl_iterate_phdr(find_hdr_cb, &f);
  return f.hdr;
}

struct cfa_state {
  int cfa_reg; /* 7 rsp, 6 rbp, other: unsupported */
  int64_t cfa_off;
  int rbp_saved;
  int64_t rbp_off;
  int bad; /* an expression or register rule we do not follow */
};

#define REG_RBP 6
#define REG_RSP 7
#define REG_RA 16

/* Runs CFA instructions from `p` to `end` until the location passes `target`. */
static int run_cfa(const uint8_t *p, const uint8_t *end, uintptr_t *loc, uintptr_t target, uint64_t code_align,
                   int64_t data_align, struct cfa_state *s, const struct cfa_state *initial, int *ra_undefined) {
  struct cfa_state stack[8];
  int depth = 0;
  while (p < end) {
    uint8_t op = *p++;
    uint8_t hi = op & 0xc0, low = op & 0x3f;
    uint64_t reg;
    int64_t off;
    if (hi == 0x40) { /* advance_loc */
      *loc += low * code_align;
      if (*loc > target) return 1;
      continue;
    }
    if (hi == 0x80) { /* offset */
      off = (int64_t)read_uleb(&p, end) * data_align;
      if (low == REG_RBP) s->rbp_saved = 1, s->rbp_off = off;
      continue;
    }
    if (hi == 0xc0) { /* restore */
      if (low == REG_RBP) s->rbp_saved = initial->rbp_saved, s->rbp_off = initial->rbp_off;
      continue;
    }
    switch (op) {
    case 0x00: break; /* nop */
    case 0x01: { int ok = 1; *loc = read_encoded(&p, end, 0x00, 0, &ok); if (*loc > target) return 1; break; }
    case 0x02: *loc += *p++ * code_align; if (*loc > target) return 1; break;
    case 0x03: *loc += *(const uint16_t *)(const void *)p * code_align; p += 2; if (*loc > target) return 1; break;
    case 0x04: *loc += *(const uint32_t *)(const void *)p * code_align; p += 4; if (*loc > target) return 1; break;
    case 0x05: /* offset_extended */
      reg = read_uleb(&p, end); off = (int64_t)read_uleb(&p, end) * data_align;
      if (reg == REG_RBP) s->rbp_saved = 1, s->rbp_off = off;
      break;
    case 0x06: /* restore_extended */
      reg = read_uleb(&p, end);
      if (reg == REG_RBP) s->rbp_saved = initial->rbp_saved, s->rbp_off = initial->rbp_off;
      break;
    case 0x07: /* undefined */
      reg = read_uleb(&p, end);
      if (reg == REG_RA) *ra_undefined = 1;
      if (reg == REG_RBP) s->rbp_saved = 0;
      break;
    case 0x08: /* same_value */
      reg = read_uleb(&p, end);
      if (reg == REG_RBP) s->rbp_saved = 0;
      break;
    case 0x09: /* register */
      reg = read_uleb(&p, end); (void)read_uleb(&p, end);
      if (reg == REG_RBP || reg == REG_RA) s->bad = 1;
      break;
    case 0x0a: /* remember_state */
      if (depth < 8) stack[depth++] = *s; else s->bad = 1;
      break;
    case 0x0b: /* restore_state */
      if (depth > 0) *s = stack[--depth]; else s->bad = 1;
      break;
    case 0x0c: /* def_cfa */
      s->cfa_reg = (int)read_uleb(&p, end); s->cfa_off = (int64_t)read_uleb(&p, end);
      break;
    case 0x0d: s->cfa_reg = (int)read_uleb(&p, end); break;
    case 0x0e: s->cfa_off = (int64_t)read_uleb(&p, end); break;
    case 0x0f: { /* def_cfa_expression */
      uint64_t len = read_uleb(&p, end); p += len; s->cfa_reg = -1; break;
    }
    case 0x10: { /* expression */
      reg = read_uleb(&p, end); uint64_t len = read_uleb(&p, end); p += len;
      if (reg == REG_RBP || reg == REG_RA) s->bad = 1;
      break;
    }
    case 0x11: /* offset_extended_sf */
      reg = read_uleb(&p, end); off = read_sleb(&p, end) * data_align;
      if (reg == REG_RBP) s->rbp_saved = 1, s->rbp_off = off;
      break;
    case 0x12: s->cfa_reg = (int)read_uleb(&p, end); s->cfa_off = read_sleb(&p, end) * data_align; break;
    case 0x13: s->cfa_off = read_sleb(&p, end) * data_align; break;
    case 0x14: case 0x15: /* val_offset(_sf) */
      reg = read_uleb(&p, end); if (op == 0x14) (void)read_uleb(&p, end); else (void)read_sleb(&p, end);
      if (reg == REG_RBP || reg == REG_RA) s->bad = 1;
      break;
    case 0x16: { /* val_expression */
      reg = read_uleb(&p, end); uint64_t len = read_uleb(&p, end); p += len;
      if (reg == REG_RBP || reg == REG_RA) s->bad = 1;
      break;
    }
    case 0x2e: (void)read_uleb(&p, end); break; /* GNU_args_size */
    case 0x2f: /* GNU_negative_offset_extended */
      reg = read_uleb(&p, end); off = -(int64_t)read_uleb(&p, end) * data_align;
      if (reg == REG_RBP) s->rbp_saved = 1, s->rbp_off = off;
      break;
    default: s->bad = 1; return 0;
    }
  }
  return 1;
}

/* Works out the rule for the code at `pc` (a return address minus one). */
static uint64_t compute_rule(uintptr_t pc) {
  const uint8_t *hdr = eh_frame_hdr_for(pc);
  if (!hdr) return pack_rule(RULE_FP, 0, 0, 0, 0);
  if (hdr[0] != 1) return pack_rule(RULE_FP, 0, 0, 0, 0);
  uint8_t ptr_enc = hdr[1], count_enc = hdr[2], table_enc = hdr[3];
  const uint8_t *p = hdr + 4, *lim = hdr + 16;
  int ok = 1;
  (void)read_encoded(&p, lim, ptr_enc, (uintptr_t)hdr, &ok);
  uintptr_t count = read_encoded(&p, lim, count_enc, (uintptr_t)hdr, &ok);
  if (!ok || table_enc != 0x3b || count == 0) return pack_rule(RULE_FP, 0, 0, 0, 0);
  /* Binary search: sorted (initial location, FDE address) pairs, relative to hdr. */
  const int32_t *table = (const int32_t *)(const void *)p;
  intptr_t rel = (intptr_t)(pc - (uintptr_t)hdr);
  size_t lo = 0, hi = count;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (table[mid * 2] <= rel) lo = mid; else hi = mid;
  }
  if (table[lo * 2] > rel) return pack_rule(RULE_FP, 0, 0, 0, 0);
  const uint8_t *fde = hdr + table[lo * 2 + 1];

  /* FDE */
  uint64_t flen = *(const uint32_t *)(const void *)fde;
  const uint8_t *fp = fde + 4;
  if (flen == 0xffffffff) return pack_rule(RULE_FP, 0, 0, 0, 0);
  const uint8_t *fend = fp + flen;
  uint32_t cie_ptr = *(const uint32_t *)(const void *)fp;
  const uint8_t *cie = fp - cie_ptr;
  fp += 4;

  /* CIE */
  uint64_t clen = *(const uint32_t *)(const void *)cie;
  if (clen == 0xffffffff) return pack_rule(RULE_FP, 0, 0, 0, 0);
  const uint8_t *cp = cie + 4, *cend = cp + clen;
  cp += 4; /* CIE id */
  uint8_t version = *cp++;
  const char *aug = (const char *)cp;
  while (cp < cend && *cp) cp++;
  cp++;
  uint64_t code_align = read_uleb(&cp, cend);
  int64_t data_align = read_sleb(&cp, cend);
  uint64_t ra_reg = version == 1 ? *cp++ : read_uleb(&cp, cend);
  uint8_t fde_enc = 0x00;
  int has_z = aug[0] == 'z';
  if (has_z) {
    uint64_t alen = read_uleb(&cp, cend);
    const uint8_t *adata = cp, *aend = cp + alen;
    for (const char *a = aug + 1; *a; a++) {
      if (*a == 'R') fde_enc = *adata++;
      else if (*a == 'L') adata++;
      else if (*a == 'P') { uint8_t penc = *adata++; int pok = 1; (void)read_encoded(&adata, aend, penc & 0x7f, 0, &pok); }
      else if (*a == 'S') return pack_rule(RULE_FP, 0, 0, 0, 0); /* signal frame: not followed */
      else if (*a == 'B' || *a == 'G') {}
      else break;
    }
    cp = aend;
  } else if (aug[0] != 0) {
    return pack_rule(RULE_FP, 0, 0, 0, 0);
  }
  if (ra_reg != REG_RA) return pack_rule(RULE_FP, 0, 0, 0, 0);

  ok = 1;
  uintptr_t pc_begin = read_encoded(&fp, fend, fde_enc, 0, &ok);
  uintptr_t pc_range = read_encoded(&fp, fend, fde_enc & 0x0f, 0, &ok);
  if (!ok || pc < pc_begin || pc >= pc_begin + pc_range) return pack_rule(RULE_FP, 0, 0, 0, 0);
  if (has_z) {
    uint64_t alen = read_uleb(&fp, fend);
    fp += alen;
  }

  struct cfa_state s = {REG_RSP, 8, 0, 0, 0}, initial;
  int ra_undefined = 0;
  uintptr_t loc = pc_begin;
  run_cfa(cp, cend, &loc, UINTPTR_MAX, code_align, data_align, &s, &s, &ra_undefined);
  initial = s;
  loc = pc_begin;
  run_cfa(fp, fend, &loc, pc, code_align, data_align, &s, &initial, &ra_undefined);
  if (ra_undefined) return pack_rule(RULE_END, 0, 0, 0, 0);
  if (s.bad || (s.cfa_reg != REG_RSP && s.cfa_reg != REG_RBP)) return pack_rule(RULE_FP, 0, 0, 0, 0);
  if (s.cfa_off < -0x7fffffffLL || s.cfa_off > 0x7fffffffLL || s.rbp_off < -0x7fffff || s.rbp_off > 0x7fffff)
    return pack_rule(RULE_FP, 0, 0, 0, 0);
  return pack_rule(RULE_CFI, s.cfa_reg == REG_RBP, s.rbp_saved, (int32_t)s.cfa_off, (int32_t)s.rbp_off);
}

static inline uint64_t rule_for(uintptr_t pc) {
  struct cache_entry *e = &cache[cache_slot(pc)];
  uint64_t rule = __atomic_load_n(&e->rule, __ATOMIC_RELAXED);
  uint64_t check = __atomic_load_n(&e->check, __ATOMIC_RELAXED);
  if (LT_LIKELY((check ^ rule) == pc && rule != 0)) return rule;
  rule = compute_rule(pc);
  __atomic_store_n(&e->rule, rule, __ATOMIC_RELAXED);
  __atomic_store_n(&e->check, pc ^ rule, __ATOMIC_RELAXED);
  return rule;
}

/* ---- the thread's stack ------------------------------------------------------------------- */

static void learn_stack(void) {
  lt_self.stack_known = 1;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void *addr;
  size_t size;
  if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
    lt_self.stack_lo = (uintptr_t)addr;
    lt_self.stack_hi = (uintptr_t)addr + size;
  }
  pthread_attr_destroy(&attr);
}

/* ---- the unwinder ---------------------------------------------------------------------------- */

__attribute__((noinline)) int lt_unwind(uintptr_t *ips, int max, int *truncated) {
  if (LT_UNLIKELY(!lt_self.stack_known)) learn_stack();
  uintptr_t lo = (uintptr_t)__builtin_frame_address(0), hi = lt_self.stack_hi;
  if (!cache || hi == 0) return 0;
  hi -= 16;

  /* Our own frames all keep frame pointers (we are built with them): walk them until the
   * first return address outside the library, the call site in the target. */
  uintptr_t rbp = lo, ip = 0, rsp = 0;
  for (int guard = 0; guard < 32; guard++) {
    if (rbp < lo || rbp > hi || (rbp & 7)) return 0;
    ip = ((const uintptr_t *)rbp)[1];
    uintptr_t next = ((const uintptr_t *)rbp)[0];
    rsp = rbp + 16;
    rbp = next;
    if (ip < own_lo || ip >= own_hi) break;
  }

  int n = 0;
  while (ip > 4096) {
    if (n == max) {
      *truncated = 1;
      break;
    }
    ips[n++] = ip;
    uint64_t rule = rule_for(ip - 1);
    int kind = rule_kind(rule);
    uintptr_t cfa;
    if (kind == RULE_END) break;
    if (kind == RULE_CFI) {
      cfa = (rule_cfa_rbp(rule) ? rbp : rsp) + (intptr_t)rule_cfa_off(rule);
      if (cfa <= rsp || cfa > hi + 8 || (cfa & 7)) break;
      uintptr_t next_ip = ((const uintptr_t *)cfa)[-1];
      if (rule_rbp_saved(rule)) {
        uintptr_t at = cfa + (intptr_t)rule_rbp_off(rule);
        if (at < rsp || at > hi || (at & 7)) break;
        rbp = *(const uintptr_t *)at;
      }
      rsp = cfa;
      ip = next_ip;
    } else {
      /* No CFI: follow the frame pointer (V8 code always keeps one). */
      if (rbp < rsp || rbp > hi || (rbp & 7)) break;
      ip = ((const uintptr_t *)rbp)[1];
      rsp = rbp + 16;
      rbp = ((const uintptr_t *)rbp)[0];
    }
  }
  return n;
}

#else /* not x86-64: libgcc's unwinder, slower but correct where CFI exists */

#include <unwind.h>

struct bt {
  uintptr_t *ips;
  int max, n, skip, truncated;
};

static _Unwind_Reason_Code bt_cb(struct _Unwind_Context *ctx, void *data) {
  struct bt *b = data;
  uintptr_t ip = _Unwind_GetIP(ctx);
  if (b->skip > 0) { b->skip--; return _URC_NO_REASON; }
  if (b->n == b->max) { b->truncated = 1; return _URC_END_OF_STACK; }
  b->ips[b->n++] = ip;
  return _URC_NO_REASON;
}

void lt_unwind_init(void) {}
void lt_unwind_forget(void) {}

int lt_unwind(uintptr_t *ips, int max, int *truncated) {
  /* skip: this function, lt_track_*, the hook */
  struct bt b = {ips, max, 0, 3, 0};
  _Unwind_Backtrace(bt_cb, &b);
  *truncated = b.truncated;
  return b.n;
}
#endif
