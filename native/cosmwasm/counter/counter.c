// counter: a freestanding C CosmWasm contract (interface_version_8, no libc, no capabilities).
// Storage: key "count" = the count as decimal ASCII; key "migrated" = "counter" after a migrate.
//   instantiate {"count": N?}              store N (default 0)
//   execute     {"increment": {}}          count += 1
//               {"reset": {"count": N}}    count = N
//   query       {"get_count": {}}          -> {"count": N}
//   migrate     {} | {"count": N}          keep (or set) the count, record "migrated"
// Responses carry attributes action=<entry or variant> and count=<N>.
// Build: clang-14 --target=wasm32 -Os -ffreestanding -nostdlib -c; wasm-ld-14 --no-entry.

typedef unsigned int u32;
typedef unsigned long long u64;
typedef unsigned char u8;
typedef unsigned long usize;

typedef struct {
  u32 offset, capacity, length;
} Region;

#define IMPORT(n) __attribute__((import_module("env"), import_name(n)))
#define EXPORT(n) __attribute__((export_name(n)))

IMPORT("db_read") u32 db_read(u32 key);
IMPORT("db_write") void db_write(u32 key, u32 value);

// The compiler may emit calls to these for copies and zeroing.
void *memcpy(void *dst, const void *src, usize n) {
  u8 *d = dst;
  const u8 *s = src;
  while (n--) *d++ = *s++;
  return dst;
}
void *memset(void *dst, int c, usize n) {
  u8 *d = dst;
  while (n--) *d++ = (u8)c;
  return dst;
}

// ---- bump allocator over linear memory (never frees; an instance lives for one call) ----

extern u8 __heap_base;
static u32 heap_top = 0;

static void *bump(u32 n) {
  if (!heap_top) heap_top = (u32)&__heap_base;
  u32 p = (heap_top + 7) & ~7u;
  if (n > 0x7fffffffu - p) __builtin_trap();
  u32 end = p + n;
  u32 have = (u32)__builtin_wasm_memory_size(0) << 16;
  if (end > have) {
    if (__builtin_wasm_memory_grow(0, ((end - have) >> 16) + 1) == (usize)-1) __builtin_trap();
  }
  heap_top = end;
  return (void *)p;
}

static u32 region(const void *data, u32 n) {
  Region *r = bump(sizeof(Region));
  r->offset = (u32)data;
  r->capacity = n;
  r->length = n;
  return (u32)r;
}

EXPORT("interface_version_8") void interface_version_8(void) {}

EXPORT("allocate") u32 allocate(u32 size) {
  Region *r = bump(sizeof(Region));
  r->offset = (u32)bump(size ? size : 1);
  r->capacity = size;
  r->length = 0;
  return (u32)r;
}

EXPORT("deallocate") void deallocate(u32 ptr) { (void)ptr; }

// ---- output buffer ----

typedef struct {
  char *p;
  u32 n, cap;
} Buf;

static Buf buf_new(u32 cap) {
  Buf b = {bump(cap), 0, cap};
  return b;
}
static void put(Buf *b, const char *s) {
  while (*s) {
    if (b->n == b->cap) __builtin_trap();
    b->p[b->n++] = *s++;
  }
}
static void put_u64(Buf *b, u64 v) {
  char t[24];
  u32 n = 0;
  do {
    t[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) {
    if (b->n == b->cap) __builtin_trap();
    b->p[b->n++] = t[--n];
  }
}

// ---- a tiny JSON reader: validates structure, finds top-level object fields ----

typedef struct {
  const u8 *s;
  u32 n, i;
} P;

static void ws(P *p) {
  while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
                         p->s[p->i] == '\r'))
    p->i++;
}

static int skip_string(P *p) {
  if (p->i >= p->n || p->s[p->i] != '"') return 0;
  p->i++;
  while (p->i < p->n) {
    u8 c = p->s[p->i++];
    if (c == '"') return 1;
    if (c < 0x20) return 0;
    if (c == '\\') {
      if (p->i >= p->n) return 0;
      p->i++;
    }
  }
  return 0;
}

static int skip_value(P *p, u32 depth) {
  if (depth > 32) return 0;
  ws(p);
  if (p->i >= p->n) return 0;
  u8 c = p->s[p->i];
  if (c == '"') return skip_string(p);
  if (c == '{' || c == '[') {
    u8 close = c == '{' ? '}' : ']';
    p->i++;
    ws(p);
    if (p->i < p->n && p->s[p->i] == close) {
      p->i++;
      return 1;
    }
    for (;;) {
      if (c == '{') {
        ws(p);
        if (!skip_string(p)) return 0;
        ws(p);
        if (p->i >= p->n || p->s[p->i] != ':') return 0;
        p->i++;
      }
      if (!skip_value(p, depth + 1)) return 0;
      ws(p);
      if (p->i >= p->n) return 0;
      if (p->s[p->i] == ',') {
        p->i++;
        continue;
      }
      if (p->s[p->i] == close) {
        p->i++;
        return 1;
      }
      return 0;
    }
  }
  // number or literal: a run of [A-Za-z0-9+-.]
  u32 start = p->i;
  while (p->i < p->n) {
    c = p->s[p->i];
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
        c == '+' || c == '.')
      p->i++;
    else
      break;
  }
  return p->i > start;
}

// Is [s, s+n) a whole, well-formed JSON object?
static int is_object(const u8 *s, u32 n) {
  P p = {s, n, 0};
  ws(&p);
  if (p.i >= n || s[p.i] != '{') return 0;
  if (!skip_value(&p, 0)) return 0;
  ws(&p);
  return p.i == n;
}

// Visit field number `index` (0-based) of the object at [s, s+n): key span and value span.
// Returns 1 if it exists. The object must have passed is_object.
static int object_field(const u8 *s, u32 n, u32 index, u32 *ks, u32 *ke, u32 *vs, u32 *ve) {
  P p = {s, n, 0};
  ws(&p);
  p.i++;  // '{'
  for (u32 k = 0;; k++) {
    ws(&p);
    if (p.i >= n || s[p.i] == '}') return 0;
    *ks = p.i + 1;
    skip_string(&p);
    *ke = p.i - 1;
    ws(&p);
    p.i++;  // ':'
    ws(&p);
    *vs = p.i;
    skip_value(&p, 0);
    *ve = p.i;
    if (k == index) return 1;
    ws(&p);
    if (p.i < n && s[p.i] == ',') p.i++;
  }
}

static int key_is(const u8 *s, u32 ks, u32 ke, const char *key) {
  u32 i = 0;
  for (; key[i]; i++)
    if (ks + i >= ke || s[ks + i] != (u8)key[i]) return 0;
  return ks + i == ke;
}

// Find `key` among the fields of the object at [s, s+n); value span in [*vs, *ve).
static int object_get(const u8 *s, u32 n, const char *key, u32 *vs, u32 *ve) {
  u32 ks, ke;
  for (u32 k = 0; object_field(s, n, k, &ks, &ke, vs, ve); k++)
    if (key_is(s, ks, ke, key)) return 1;
  return 0;
}

// A u64 written as a JSON number (or a decimal string). Returns 0 if it is not one.
static int parse_u64(const u8 *s, u32 n, u64 *out) {
  u32 i = 0;
  int quoted = n >= 2 && s[0] == '"' && s[n - 1] == '"';
  if (quoted) {
    s++;
    n -= 2;
  }
  if (n == 0 || n > 20) return 0;
  u64 v = 0;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    u64 d = (u64)(s[i] - '0');
    if (v > (0xffffffffffffffffull - d) / 10) return 0;
    v = v * 10 + d;
  }
  *out = v;
  return 1;
}

static int is_null(const u8 *s, u32 vs, u32 ve) {
  return ve - vs == 4 && s[vs] == 'n' && s[vs + 1] == 'u' && s[vs + 2] == 'l' && s[vs + 3] == 'l';
}

// ---- storage ----

static u64 load(void) {
  u32 ptr = db_read(region("count", 5));
  if (!ptr) return 0;
  Region *r = (Region *)ptr;
  u64 v = 0;
  parse_u64((const u8 *)r->offset, r->length, &v);
  return v;
}

static void save(u64 v) {
  Buf b = buf_new(24);
  put_u64(&b, v);
  db_write(region("count", 5), region(b.p, b.n));
}

// ---- results ----

static u32 ok_response(const char *action, u64 count) {
  Buf b = buf_new(192);
  put(&b, "{\"ok\":{\"messages\":[],\"attributes\":[{\"key\":\"action\",\"value\":\"");
  put(&b, action);
  put(&b, "\"},{\"key\":\"count\",\"value\":\"");
  put_u64(&b, count);
  put(&b, "\"}],\"events\":[],\"data\":null}}");
  return region(b.p, b.n);
}

static u32 error(const char *msg) {
  Buf b = buf_new(256);
  put(&b, "{\"error\":\"");
  put(&b, msg);  // fixed texts only: no escaping needed
  put(&b, "\"}");
  return region(b.p, b.n);
}

static const u8 *msg_bytes(u32 ptr, u32 *n) {
  Region *r = (Region *)ptr;
  *n = r->length;
  return (const u8 *)r->offset;
}

// Optional "count" field of an object message: 1 = found (in *out), 0 = absent/null, -1 = bad.
static int optional_count(const u8 *s, u32 n, u64 *out) {
  u32 vs, ve;
  if (!object_get(s, n, "count", &vs, &ve) || is_null(s, vs, ve)) return 0;
  return parse_u64(s + vs, ve - vs, out) ? 1 : -1;
}

EXPORT("instantiate") u32 instantiate(u32 env, u32 info, u32 msg) {
  (void)env;
  (void)info;
  u32 n;
  const u8 *s = msg_bytes(msg, &n);
  if (!is_object(s, n)) return error("Error parsing into type counter::InstantiateMsg: expected an object");
  u64 count = 0;
  if (optional_count(s, n, &count) < 0)
    return error("Error parsing into type counter::InstantiateMsg: invalid type for `count`: expected u64");
  save(count);
  return ok_response("instantiate", count);
}

EXPORT("execute") u32 execute(u32 env, u32 info, u32 msg) {
  (void)env;
  (void)info;
  u32 n, ks, ke, vs, ve, k2, e2, v2, w2;
  const u8 *s = msg_bytes(msg, &n);
  if (!is_object(s, n) || !object_field(s, n, 0, &ks, &ke, &vs, &ve) ||
      object_field(s, n, 1, &k2, &e2, &v2, &w2))
    return error("Error parsing into type counter::ExecuteMsg: expected one of `increment`, `reset`");
  if (key_is(s, ks, ke, "increment")) {
    u64 count = load() + 1;
    save(count);
    return ok_response("increment", count);
  }
  if (key_is(s, ks, ke, "reset")) {
    u64 count;
    if (!is_object(s + vs, ve - vs) || optional_count(s + vs, ve - vs, &count) != 1)
      return error("Error parsing into type counter::ExecuteMsg: reset needs `count` (u64)");
    save(count);
    return ok_response("reset", count);
  }
  return error("Error parsing into type counter::ExecuteMsg: unknown variant, expected one of `increment`, `reset`");
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

EXPORT("query") u32 query(u32 env, u32 msg) {
  (void)env;
  u32 n, ks, ke, vs, ve, k2, e2, v2, w2;
  const u8 *s = msg_bytes(msg, &n);
  if (!is_object(s, n) || !object_field(s, n, 0, &ks, &ke, &vs, &ve) ||
      object_field(s, n, 1, &k2, &e2, &v2, &w2) || !key_is(s, ks, ke, "get_count"))
    return error("Error parsing into type counter::QueryMsg: expected `get_count`");
  Buf raw = buf_new(48);
  put(&raw, "{\"count\":");
  put_u64(&raw, load());
  put(&raw, "}");
  Buf b = buf_new(96);
  put(&b, "{\"ok\":\"");
  for (u32 i = 0; i < raw.n; i += 3) {
    u32 a = (u8)raw.p[i];
    u32 c1 = i + 1 < raw.n ? (u8)raw.p[i + 1] : 0;
    u32 c2 = i + 2 < raw.n ? (u8)raw.p[i + 2] : 0;
    u32 x = a << 16 | c1 << 8 | c2;
    char q[5] = {B64[x >> 18 & 63], B64[x >> 12 & 63], i + 1 < raw.n ? B64[x >> 6 & 63] : '=',
                 i + 2 < raw.n ? B64[x & 63] : '=', 0};
    put(&b, q);
  }
  put(&b, "\"}");
  return region(b.p, b.n);
}

EXPORT("migrate") u32 migrate(u32 env, u32 msg) {
  (void)env;
  u32 n;
  const u8 *s = msg_bytes(msg, &n);
  if (!is_object(s, n)) return error("Error parsing into type counter::MigrateMsg: expected an object");
  u64 count;
  int found = optional_count(s, n, &count);
  if (found < 0)
    return error("Error parsing into type counter::MigrateMsg: invalid type for `count`: expected u64");
  if (!found) count = load();
  save(count);
  db_write(region("migrated", 8), region("counter", 7));
  return ok_response("migrate", count);
}
