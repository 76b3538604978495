//===- Compiler.cpp - ONNX model to shared library ------------------------===//
//
//   onnx --legalize--> whittle --lower--> linalg --bufferize/loops--> LLVM
//   dialect --translate--> LLVM IR --optimize/codegen--> object --link-->
//   model.so (+ a generated C entry point with the model's description)
//
// Results become caller-provided out-parameters at bufferization, so a run
// writes straight into the caller's buffers.
//
//===----------------------------------------------------------------------===//

#include "whittle/Compiler/Compiler.h"

#include "whittle/Conversion/Passes.h"
#include "whittle/Dialect/ONNX/ONNXOps.h"
#include "whittle/Dialect/Whittle/WhittleOps.h"
#include "whittle/Passes/Passes.h"
#include "whittle/Passes/RewriteLog.h"

#include "Report.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/Timing.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"

#include <cctype>
#include <map>
#include <set>

using namespace mlir;

namespace whittle {
namespace {

constexpr llvm::StringLiteral kGraphName = "whittle_graph";

/// One graph input or output as the runtime describes it.
struct TensorDesc {
  std::string name;
  int dtype = 0;
  SmallVector<int64_t> dims; // -1: dynamic
  bool isDynamic() const { return llvm::is_contained(dims, -1); }
  /// The element count, -1 when a dim is dynamic.
  int64_t count() const {
    int64_t n = 1;
    for (int64_t v : dims)
      n = v < 0 || n < 0 ? -1 : n * v;
    return n;
  }
};

/// What the entry point needs beyond the tables: whether the model takes
/// run-time dims, and the ops whose sizes the run checks (for messages).
struct EntryInfo {
  bool dynamic = false;         // an input or output has a dynamic dim
  bool elastic = false;         // every parallel region is one barrier-free dynamic loop
  bool returnsResults = false;  // results come back as memrefs (dynamic outputs)
  std::vector<std::string> checkSites;
};

int onnxDtype(Type t) {
  if (isa<onnx::StringType>(t)) return 8;
  if (t.isF32()) return 1;
  if (t.isF64()) return 11;
  if (t.isF16()) return 10;
  if (t.isBF16()) return 16;
  if (auto it = dyn_cast<IntegerType>(t)) {
    bool u = it.isUnsigned();
    switch (it.getWidth()) {
    case 1: return 9;
    case 8: return u ? 2 : 3;
    case 16: return u ? 4 : 5;
    case 32: return u ? 12 : 6;
    case 64: return u ? 13 : 7;
    }
  }
  return 0;
}

LogicalResult describe(func::FuncOp func, std::vector<TensorDesc> &inputs,
                       std::vector<TensorDesc> &outputs) {
  auto one = [&](Type type, StringAttr name, int index, bool isInput,
                 TensorDesc &d) -> LogicalResult {
    auto t = dyn_cast<RankedTensorType>(type);
    d.name = name ? name.str()
                  : (isInput ? "input_" : "output_") + std::to_string(index);
    if (!t || (d.dtype = onnxDtype(t.getElementType())) == 0)
      return func.emitError() << (isInput ? "input" : "output") << " '" << d.name
                              << "' has type " << type
                              << ", which compiled models cannot take yet";
    if (t.getRank() > 8)
      return func.emitError() << "'" << d.name << "' has rank above 8";
    // Dynamic dims are -1 in the tables (the run gets the sizes).
    for (int64_t v : t.getShape())
      d.dims.push_back(ShapedType::isDynamic(v) ? -1 : v);
    return success();
  };
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    TensorDesc d;
    if (failed(one(func.getArgument(i).getType(),
                   func.getArgAttrOfType<StringAttr>(i, "onnx.name"), i, true, d)))
      return failure();
    inputs.push_back(d);
  }
  for (unsigned i = 0; i < func.getNumResults(); ++i) {
    TensorDesc d;
    if (failed(one(func.getResultTypes()[i],
                   func.getResultAttrOfType<StringAttr>(i, "onnx.name"), i, false, d)))
      return failure();
    outputs.push_back(d);
  }
  return success();
}

std::string cString(StringRef s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out + "\"";
}


/// C helpers every model carries (hidden): the per-run arena for strings
/// made while running, the run's error message, and the string ops'
/// helpers the lowerings call (`whittle_rt_*`, through MLIR's C interface:
/// memref descriptors by pointer).
constexpr const char *kRuntimeHelpers = R"C(
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

typedef struct { void *allocated, *aligned; int64_t offset, size, stride; } rt_vec;

typedef struct rt_block { struct rt_block *next; } rt_block;
static __thread rt_block *rt_arena;
static __thread const char *rt_error;
static __thread char rt_error_text[256];
/* Where a failed run-time check or allocation on the run's own thread
 * ends the run (set by the entry points; null on pool threads). */
static __thread jmp_buf *rt_jump;

static const char *rt_last_error(void) { return rt_error; }

/* The generated code's buffers (memref.alloc, through finalize-memref-to-llvm's
   generic allocation functions). Blocks of at least RT_CACHE_MIN bytes are kept
   when freed and handed to the next allocation they fit (the smallest that
   does): a model run again reuses its buffers instead of faulting in fresh
   pages every run. */
#define RT_CACHE_MIN (64 * 1024)
#define RT_CACHE_SLOTS 1024
typedef struct { size_t size, pad[7]; } rt_header; /* keeps 64-byte alignment */
static rt_header *rt_cache[RT_CACHE_SLOTS];
static int rt_cache_busy;

static void rt_cache_lock(void) {
  while (__atomic_exchange_n(&rt_cache_busy, 1, __ATOMIC_ACQUIRE))
    ;
}
static void rt_cache_unlock(void) { __atomic_store_n(&rt_cache_busy, 0, __ATOMIC_RELEASE); }

__attribute__((visibility("hidden"))) void *_mlir_memref_to_llvm_alloc(size_t n) {
  if (n >= RT_CACHE_MIN) {
    rt_cache_lock();
    int best = -1;
    for (int i = 0; i < RT_CACHE_SLOTS; ++i)
      if (rt_cache[i] && rt_cache[i]->size >= n &&
          (best < 0 || rt_cache[i]->size < rt_cache[best]->size))
        best = i;
    rt_header *h = best >= 0 ? rt_cache[best] : NULL;
    if (h)
      rt_cache[best] = NULL;
    rt_cache_unlock();
    if (h)
      return h + 1;
  }
  rt_header *h = n <= (size_t)PTRDIFF_MAX - sizeof(rt_header)
                     ? (rt_header *)malloc(sizeof(rt_header) + n)
                     : NULL;
  if (!h) {
    /* Out of memory ends the run with a message, never a null buffer
     * written to (the buffers of the run so far are not freed). */
    if (!rt_error) {
      snprintf(rt_error_text, sizeof rt_error_text,
               "out of memory: a buffer of %zu bytes could not be allocated", n);
      rt_error = rt_error_text;
    }
    if (rt_jump)
      longjmp(*rt_jump, 1);
    abort();
  }
  h->size = n;
  return h + 1;
}

__attribute__((visibility("hidden"))) void _mlir_memref_to_llvm_free(void *p) {
  if (!p)
    return;
  rt_header *h = (rt_header *)p - 1;
  if (h->size >= RT_CACHE_MIN) {
    rt_cache_lock();
    for (int i = 0; i < RT_CACHE_SLOTS; ++i)
      if (!rt_cache[i]) {
        rt_cache[i] = h;
        rt_cache_unlock();
        return;
      }
    rt_cache_unlock();
  }
  free(h);
}

__attribute__((destructor)) static void rt_cache_release(void) {
  for (int i = 0; i < RT_CACHE_SLOTS; ++i) {
    free(rt_cache[i]);
    rt_cache[i] = NULL;
  }
}

static void rt_fail(const char *text) {
  if (rt_error)
    return;
  snprintf(rt_error_text, sizeof rt_error_text, "%s", text);
  rt_error = rt_error_text;
}

static char *rt_alloc(size_t n) {
  rt_block *b = (rt_block *)malloc(sizeof(rt_block) + n);
  if (!b) {
    rt_fail("out of memory");
    return NULL;
  }
  b->next = rt_arena;
  rt_arena = b;
  return (char *)(b + 1);
}

static void rt_arena_release(void) {
  while (rt_arena) {
    rt_block *next = rt_arena->next;
    free(rt_arena);
    rt_arena = next;
  }
}

static void rt_export_strings(char **s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    if (rt_error) {
      s[i] = NULL;
      continue;
    }
    const char *v = s[i] ? s[i] : "";
    size_t len = strlen(v);
    char *copy = (char *)malloc(len + 1);
    if (copy)
      memcpy(copy, v, len + 1);
    s[i] = copy;
  }
}

static int rt_ascii_case_equal(const char *a, const char *b) {
  for (;; ++a, ++b) {
    char x = *a, y = *b;
    if (x >= 'A' && x <= 'Z') x += 32;
    if (y >= 'A' && y <= 'Z') y += 32;
    if (x != y)
      return 0;
    if (!x)
      return 1;
  }
}

/* A size that depends on the data must be the one the model declares. */
__attribute__((visibility("hidden")))
void _mlir_ciface_whittle_rt_check_count(int64_t found, int64_t declared) {
  if (found == declared)
    return;
  char text[160];
  snprintf(text, sizeof text,
           "the data selects %lld elements (NonZero/Compress); the model declares %lld",
           (long long)found, (long long)declared);
  rt_fail(text);
}

/* A run-time size a lowering relies on (the two operands of an Add agree,
 * a Reshape keeps the element count): a mismatch ends the run (longjmp to
 * the entry point; checks sit outside parallel loops, on the run's thread). */
__attribute__((visibility("hidden")))
void _mlir_ciface_whittle_rt_check_dim(int64_t found, int64_t expected, int64_t site) {
  if (found == expected)
    return;
  char text[240];
  snprintf(text, sizeof text, "shape mismatch at run time in %s: a size is %lld where %lld is needed",
           rt_sites[site], (long long)found, (long long)expected);
  rt_fail(text);
  if (rt_jump)
    longjmp(*rt_jump, 1);
}

/* Data-dependent indices (Gather, Scatter): every one in [-size, size).
 * The generated code clamps each index into the tensor, so a bad one
 * never reads or writes outside it; this check ends the run first, with
 * the op's name. */
__attribute__((visibility("hidden")))
void _mlir_ciface_whittle_rt_check_index(int64_t lo, int64_t hi, int64_t size, int64_t site) {
  if (lo >= -size && hi < size)
    return;
  char text[240];
  snprintf(text, sizeof text, "index out of range in %s: an index is %lld, the axis has %lld",
           rt_sites[site], (long long)(lo < -size ? lo : hi), (long long)size);
  rt_fail(text);
  if (rt_jump)
    longjmp(*rt_jump, 1);
}

/* A scale read at run time (Resize): finite, positive, and the scaled
 * extent a size that exists. */
__attribute__((visibility("hidden")))
void _mlir_ciface_whittle_rt_check_scale(double scale, double extent, int64_t site) {
  if (scale > 0 && scale * extent < 281474976710656.0) /* 2^48; false for NaN */
    return;
  char text[240];
  snprintf(text, sizeof text, "bad scale at run time in %s: %g (scales are finite and > 0)",
           rt_sites[site], scale);
  rt_fail(text);
  if (rt_jump)
    longjmp(*rt_jump, 1);
}

/* Numbers to text: the shortest digits that read back as the same value,
 * positional for magnitudes in [1e-4, 1e16), else d.ddde+XX (numpy's
 * repr). */
static char *rt_format_real(double v, int max_digits, int is_float) {
  char buf[64], digits[40];
  if (v != v)
    return strcpy(rt_alloc(4), "nan");
  if (v == 1.0 / 0.0 || v == -1.0 / 0.0)
    return strcpy(rt_alloc(5), v > 0 ? "inf" : "-inf");
  int p = 1;
  for (; p < max_digits; ++p) {
    snprintf(buf, sizeof buf, "%.*e", p - 1, v);
    double back = strtod(buf, NULL);
    if (is_float ? (float)back == (float)v : back == v)
      break;
  }
  snprintf(buf, sizeof buf, "%.*e", p - 1, v);
  /* buf: [-]d[.ddd]e[+-]XX */
  const char *s = buf;
  int neg = *s == '-', n = 0;
  if (neg)
    ++s;
  for (; *s && *s != 'e'; ++s)
    if (*s != '.')
      digits[n++] = *s;
  int exp = atoi(s + 1);
  while (n > 1 && digits[n - 1] == '0')
    --n;
  char out[80];
  int o = 0;
  if (neg)
    out[o++] = '-';
  double mag = v < 0 ? -v : v;
  if (mag == 0 || (mag >= 1e-4 && mag < 1e16)) {
    if (exp < 0) {
      out[o++] = '0';
      out[o++] = '.';
      for (int z = -1; z > exp; --z)
        out[o++] = '0';
      for (int k = 0; k < n; ++k)
        out[o++] = digits[k];
    } else {
      for (int k = 0; k <= exp; ++k)
        out[o++] = k < n ? digits[k] : '0';
      out[o++] = '.';
      if (n > exp + 1)
        for (int k = exp + 1; k < n; ++k)
          out[o++] = digits[k];
      else
        out[o++] = '0';
    }
    out[o] = 0;
  } else {
    out[o++] = digits[0];
    if (n > 1) {
      out[o++] = '.';
      for (int k = 1; k < n; ++k)
        out[o++] = digits[k];
    }
    snprintf(out + o, sizeof out - o, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
  }
  char *r = rt_alloc(strlen(out) + 1);
  return r ? strcpy(r, out) : NULL;
}

/* f32 reads back with at most 9 digits, f64 with 17. */
#define RT_FORMAT_REAL(NAME, T, DIGITS, IS_FLOAT)                               \
  __attribute__((visibility("hidden"))) void NAME(rt_vec *in, rt_vec *out) {    \
    const T *x = (const T *)in->aligned + in->offset;                          \
    char **y = (char **)out->aligned + out->offset;                            \
    for (int64_t i = 0; i < in->size; ++i)                                     \
      y[i * out->stride] = rt_format_real(x[i * in->stride], DIGITS, IS_FLOAT); \
  }
RT_FORMAT_REAL(_mlir_ciface_whittle_rt_format_f32, float, 9, 1)
RT_FORMAT_REAL(_mlir_ciface_whittle_rt_format_f64, double, 17, 0)

__attribute__((visibility("hidden")))
void _mlir_ciface_whittle_rt_format_i64(rt_vec *in, rt_vec *out) {
  const int64_t *x = (const int64_t *)in->aligned + in->offset;
  char **y = (char **)out->aligned + out->offset;
  for (int64_t i = 0; i < in->size; ++i) {
    char *s = rt_alloc(24);
    if (!s)
      return;
    snprintf(s, 24, "%lld", (long long)x[i * in->stride]);
    y[i * out->stride] = s;
  }
}

__attribute__((visibility("hidden")))
void _mlir_ciface_whittle_rt_parse_f64(rt_vec *in, rt_vec *out) {
  const char **x = (const char **)in->aligned + in->offset;
  double *y = (double *)out->aligned + out->offset;
  for (int64_t i = 0; i < in->size; ++i) {
    const char *s = x[i * in->stride];
    y[i * out->stride] = s ? strtod(s, NULL) : 0.0;
  }
}

__attribute__((visibility("hidden")))
void _mlir_ciface_whittle_rt_parse_i64(rt_vec *in, rt_vec *out) {
  const char **x = (const char **)in->aligned + in->offset;
  int64_t *y = (int64_t *)out->aligned + out->offset;
  for (int64_t i = 0; i < in->size; ++i) {
    const char *s = x[i * in->stride];
    y[i * out->stride] = s ? (int64_t)strtoll(s, NULL, 10) : 0;
  }
}

/* StringNormalizer: flags & 3 is the case change (1 lower, 2 upper),
 * flags & 4 case-sensitive stopwords; `words` holds NUL-terminated
 * stopwords ending in an empty one. */
__attribute__((visibility("hidden")))
void _mlir_ciface_whittle_rt_string_normalize(rt_vec *in, rt_vec *out, rt_vec *words,
                                              int64_t flags) {
  const char **src = (const char **)in->aligned + in->offset;
  char **dst = (char **)out->aligned + out->offset;
  const char *list = (const char *)words->aligned + words->offset;
  int64_t kept = 0;
  for (int64_t i = 0; i < in->size; ++i) {
    const char *s = src[i * in->stride];
    if (!s)
      s = "";
    int stop = 0;
    for (const char *w = list; *w && !stop; w += strlen(w) + 1)
      stop = (flags & 4) ? strcmp(s, w) == 0 : rt_ascii_case_equal(s, w);
    if (stop)
      continue;
    if (kept < out->size) {
      size_t len = strlen(s);
      char *c = rt_alloc(len + 1);
      if (!c)
        return;
      for (size_t k = 0; k <= len; ++k) {
        char ch = s[k];
        if ((flags & 3) == 1 && ch >= 'A' && ch <= 'Z') ch += 32;
        if ((flags & 3) == 2 && ch >= 'a' && ch <= 'z') ch -= 32;
        c[k] = ch;
      }
      dst[kept * out->stride] = c;
    }
    ++kept;
  }
  if (kept == 0 && out->size == 1) {
    dst[0] = (char *)"";
    return;
  }
  if (kept != out->size) {
    char text[200];
    snprintf(text, sizeof text,
             "StringNormalizer kept %lld strings; the model declares %lld",
             (long long)kept, (long long)out->size);
    rt_fail(text);
  }
}
)C";


/// The OpenMP runtime calls MLIR's OpenMP lowering emits (fork, dynamic
/// loop dispatch, static loop split, barrier), answered by the C runtime's
/// thread pool, which whittle_model_load hands the model (`set_parallel`):
/// with RT_ELASTIC (every region one barrier-free dynamic loop) through its
/// run_any, else its run. The symbols are hidden, so a process may also
/// load libomp. A model used without the runtime (no pool handed over)
/// runs its parallel loops on the caller.
constexpr const char *kParallelShims = R"C(
#include <stdarg.h>

typedef struct whittle_parallel {
  void (*run)(void (*task)(void *ctx, int tid, int team), void *ctx);
  void (*barrier)(void);
  void (*run_any)(void (*task)(void *ctx, int tid, int team), void *ctx);
} whittle_parallel;

typedef void (*rt_task)(int32_t *, int32_t *, ...);
enum { RT_MAX_ARGS = 8 };
static const whittle_parallel *rt_pool;
static __thread int32_t rt_tid;
static __thread int32_t rt_team = 1;

static void rt_set_parallel(const whittle_parallel *pool) { rt_pool = pool; }

/* Teams up to this size split a dynamic loop into per-thread shares;
 * larger ones take chunks from one counter. */
enum { RT_MAX_SHARES = 64 };
typedef struct {
  rt_task fn;
  int argc;
  void *args[RT_MAX_ARGS];
  /* The region's dynamic loop (one per region: the compiler gives only
   * single-loop regions a dynamic schedule): per thread's share of the
   * chunks, how many were taken from its front (low 32 bits) and from its
   * back (high); or, for larger teams, the next chunk. */
  uint64_t shares[RT_MAX_SHARES];
  uint64_t next_chunk;
} rt_region;
/* The region this thread is running a task of, and the bounds of its
 * dynamic loop (rt_dispatch_init). */
static __thread rt_region *rt_current;
static __thread int64_t rt_dyn_lo, rt_dyn_incr;
static __thread uint64_t rt_dyn_trip, rt_dyn_chunk, rt_dyn_local;

static void rt_region_body(void *ctx, int tid, int team) {
  rt_region *r = (rt_region *)ctx;
  int32_t saved_tid = rt_tid, saved_team = rt_team, id = tid, zero = 0;
  /* A region nested in a loop's body keeps the outer loop's state. */
  rt_region *saved_region = rt_current;
  int64_t saved_lo = rt_dyn_lo, saved_incr = rt_dyn_incr;
  uint64_t saved_trip = rt_dyn_trip, saved_chunk = rt_dyn_chunk;
  rt_tid = tid;
  rt_team = team;
  rt_current = r;
  void **a = r->args;
  switch (r->argc) {
  case 0: r->fn(&id, &zero); break;
  case 1: r->fn(&id, &zero, a[0]); break;
  case 2: r->fn(&id, &zero, a[0], a[1]); break;
  case 3: r->fn(&id, &zero, a[0], a[1], a[2]); break;
  case 4: r->fn(&id, &zero, a[0], a[1], a[2], a[3]); break;
  case 5: r->fn(&id, &zero, a[0], a[1], a[2], a[3], a[4]); break;
  case 6: r->fn(&id, &zero, a[0], a[1], a[2], a[3], a[4], a[5]); break;
  case 7: r->fn(&id, &zero, a[0], a[1], a[2], a[3], a[4], a[5], a[6]); break;
  default: r->fn(&id, &zero, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]); break;
  }
  rt_tid = saved_tid;
  rt_team = saved_team;
  rt_current = saved_region;
  rt_dyn_lo = saved_lo;
  rt_dyn_incr = saved_incr;
  rt_dyn_trip = saved_trip;
  rt_dyn_chunk = saved_chunk;
}

__attribute__((visibility("hidden"))) int32_t __kmpc_global_thread_num(void *loc) {
  (void)loc;
  return rt_tid;
}

__attribute__((visibility("hidden")))
void __kmpc_fork_call(void *loc, int32_t argc, rt_task fn, ...) {
  (void)loc;
  rt_region r;
  r.fn = fn;
  r.argc = argc < RT_MAX_ARGS ? argc : RT_MAX_ARGS;
  r.next_chunk = 0;
  memset(r.shares, 0, sizeof r.shares);
  va_list ap;
  va_start(ap, fn);
  for (int i = 0; i < r.argc; ++i)
    r.args[i] = va_arg(ap, void *);
  va_end(ap);
  if (rt_pool && rt_team == 1)
    (RT_ELASTIC ? rt_pool->run_any : rt_pool->run)(rt_region_body, &r);
  else
    rt_region_body(&r, 0, 1);
}

__attribute__((visibility("hidden"))) void __kmpc_barrier(void *loc, int32_t gtid) {
  (void)loc;
  (void)gtid;
  if (rt_team > 1 && rt_pool)
    rt_pool->barrier();
}

/* This thread's share of [*lower, *upper] (inclusive, step incr): an even
 * split, the first `trip % team` threads one iteration longer. */
#define RT_STATIC_INIT(NAME, T)                                                 \
  __attribute__((visibility("hidden"))) void NAME(                               \
      void *loc, int32_t gtid, int32_t sched, int32_t *last, T *lower, T *upper, \
      T *stride, T incr, T chunk) {                                              \
    (void)loc; (void)gtid; (void)sched; (void)chunk;                             \
    T lo = *lower, hi = *upper;                                                  \
    if (incr == 0)                                                               \
      incr = 1;                                                                  \
    uint64_t trip = 0;                                                           \
    if (incr > 0 ? hi >= lo : hi <= lo)                                          \
      trip = (uint64_t)((hi - lo) / incr) + 1;                                   \
    uint64_t team = (uint64_t)rt_team, t = (uint64_t)rt_tid;                     \
    uint64_t small = trip / team, extra = trip % team;                           \
    uint64_t start = t * small + (t < extra ? t : extra);                        \
    uint64_t count = small + (t < extra ? 1 : 0);                                \
    *stride = (T)(trip * (uint64_t)incr);                                        \
    *last = count > 0 && start + count == trip;                                  \
    if (count == 0) {                                                            \
      *lower = (T)1;                                                             \
      *upper = (T)0;                                                             \
      return;                                                                    \
    }                                                                            \
    *lower = (T)(lo + (T)start * incr);                                          \
    *upper = (T)(lo + (T)(start + count - 1) * incr);                            \
  }
RT_STATIC_INIT(__kmpc_for_static_init_8u, uint64_t)
RT_STATIC_INIT(__kmpc_for_static_init_8, int64_t)
RT_STATIC_INIT(__kmpc_for_static_init_4u, uint32_t)
RT_STATIC_INIT(__kmpc_for_static_init_4, int32_t)

__attribute__((visibility("hidden"))) void __kmpc_for_static_fini(void *loc, int32_t gtid) {
  (void)loc;
  (void)gtid;
}

/* Dynamic loops over [lower, upper] (inclusive, step incr), in chunks.
 * Every thread of a region calls init with the same bounds (kept per
 * thread). The chunks are split into per-thread shares as the static
 * schedule splits them; a thread takes its own share's chunks from the
 * front, in order (so consecutive loops touch the same data on the same
 * core), then takes the others' from their backs (so a thread that runs
 * slower, or starts late, holds up no one). The counts live in the region
 * (rt_region, on the forking thread's stack): concurrent runs sharing the
 * model never share them. */
static int64_t rt_take(uint64_t *word, uint64_t start, uint64_t count, int front) {
  uint64_t w = __atomic_load_n(word, __ATOMIC_ACQUIRE);
  for (;;) {
    uint64_t f = w & 0xffffffffu, b = w >> 32;
    if (f + b >= count)
      return -1;
    uint64_t next = front ? w + 1 : w + ((uint64_t)1 << 32);
    if (__atomic_compare_exchange_n(word, &w, next, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
      return (int64_t)(front ? start + f : start + count - 1 - b);
  }
}
static int64_t rt_next_chunk_index(rt_region *r, uint64_t chunks) {
  uint64_t team = (uint64_t)rt_team, own = (uint64_t)rt_tid;
  if (team > RT_MAX_SHARES || own >= team || chunks > 0xffffffffu)
    return (int64_t)__atomic_fetch_add(&r->next_chunk, 1, __ATOMIC_ACQ_REL);
  uint64_t small = chunks / team, extra = chunks % team;
  for (uint64_t d = 0; d < team; ++d) {
    uint64_t t = (own + d) % team;
    uint64_t start = t * small + (t < extra ? t : extra), count = small + (t < extra ? 1 : 0);
    int64_t k = rt_take(&r->shares[t], start, count, d == 0);
    if (k >= 0)
      return k;
  }
  return (int64_t)chunks;
}
static void rt_dispatch_init(int64_t lo, int64_t hi, int64_t incr, int64_t chunk) {
  if (incr == 0)
    incr = 1;
  rt_dyn_lo = lo;
  rt_dyn_incr = incr;
  rt_dyn_trip = (incr > 0 ? hi >= lo : hi <= lo) ? (uint64_t)((hi - lo) / incr) + 1 : 0;
  rt_dyn_chunk = chunk > 0 ? (uint64_t)chunk : 1;
  rt_dyn_local = 0;
}
static int32_t rt_dispatch_next(int32_t *last, int64_t *lower, int64_t *upper, int64_t *stride) {
  uint64_t chunks = (rt_dyn_trip + rt_dyn_chunk - 1) / rt_dyn_chunk;
  /* (Outside any region, which the compiler does not emit: the thread's own count.) */
  uint64_t k = rt_current ? (uint64_t)rt_next_chunk_index(rt_current, chunks) : rt_dyn_local++;
  uint64_t start = k * rt_dyn_chunk;
  if (start >= rt_dyn_trip)
    return 0;
  uint64_t end = start + rt_dyn_chunk < rt_dyn_trip ? start + rt_dyn_chunk : rt_dyn_trip;
  *lower = rt_dyn_lo + (int64_t)start * rt_dyn_incr;
  *upper = rt_dyn_lo + (int64_t)(end - 1) * rt_dyn_incr;
  *stride = rt_dyn_incr;
  *last = end == rt_dyn_trip;
  return 1;
}
#define RT_DISPATCH(SUFFIX, T, ST)                                                   \
  __attribute__((visibility("hidden"))) void __kmpc_dispatch_init_##SUFFIX(           \
      void *loc, int32_t gtid, int32_t sched, T lower, T upper, ST incr, ST chunk) {  \
    (void)loc; (void)gtid; (void)sched;                                               \
    rt_dispatch_init((int64_t)lower, (int64_t)upper, (int64_t)incr, (int64_t)chunk);  \
  }                                                                                   \
  __attribute__((visibility("hidden"))) int32_t __kmpc_dispatch_next_##SUFFIX(        \
      void *loc, int32_t gtid, int32_t *last, T *lower, T *upper, ST *stride) {       \
    (void)loc; (void)gtid;                                                            \
    int64_t lo, hi, st;                                                               \
    if (!rt_dispatch_next(last, &lo, &hi, &st))                                       \
      return 0;                                                                       \
    *lower = (T)lo;                                                                   \
    *upper = (T)hi;                                                                   \
    *stride = (ST)st;                                                                 \
    return 1;                                                                         \
  }
RT_DISPATCH(8u, uint64_t, int64_t)
RT_DISPATCH(8, int64_t, int64_t)
RT_DISPATCH(4u, uint32_t, int32_t)
RT_DISPATCH(4, int32_t, int32_t)

__attribute__((visibility("hidden"))) void __kmpc_dispatch_deinit(void *loc, int32_t gtid) {
  (void)loc;
  (void)gtid;
}
)C";

/// Bytes per element of an ONNX data type (strings: a pointer).
int64_t elemBytes(int dtype) {
  switch (dtype) {
  case 11: case 7: case 13: case 8: return 8;
  case 1: case 6: case 12: return 4;
  case 10: case 16: case 5: case 4: return 2;
  default: return 1;
  }
}

/// The C entry point linked beside the generated code: the model's
/// description and a run function building MLIR memref descriptors over the
/// caller's buffers. The struct layouts match include/whittle/runtime.h.
std::string entryPointSource(const std::vector<TensorDesc> &inputs,
                             const std::vector<TensorDesc> &outputs,
                             StringRef targetName, const EntryInfo &entry) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "/* Generated by whittle compile. */\n#include <stdint.h>\n#include <stddef.h>\n\n"
     << "struct whittle_parallel;\n"
     << "typedef struct { const char *name; int32_t dtype; int32_t rank;\n"
     << "  int64_t dims[8]; int64_t num_elements; } whittle_tensor_info;\n"
     << "typedef struct { int32_t abi_version; const char *target;\n"
     << "  int32_t num_inputs, num_outputs;\n"
     << "  const whittle_tensor_info *inputs, *outputs;\n"
     << "  int (*run)(void *const *, void *const *);\n"
     << "  const char *(*error)(void);\n"
     << "  void (*set_parallel)(const struct whittle_parallel *);\n"
     << "  int (*run_shaped)(void *const *, const int64_t *, void **, int64_t *,\n"
     << "                    const size_t *); } whittle_model_info;\n\n";
  std::set<size_t> ranks;
  for (const auto *list : {&inputs, &outputs})
    for (const TensorDesc &d : *list)
      ranks.insert(d.dims.size());
  for (size_t r : ranks) {
    os << "typedef struct { void *allocated, *aligned; int64_t offset;";
    if (r)
      os << " int64_t sizes[" << r << "], strides[" << r << "];";
    os << " } memref_" << r << ";\n";
  }
  // Results returned as memrefs (models with dynamic outputs) come back in
  // one struct of descriptors, MLIR's C interface for multiple results.
  if (entry.returnsResults) {
    os << "typedef struct {";
    for (size_t i = 0; i < outputs.size(); ++i)
      os << " memref_" << outputs[i].dims.size() << " r" << i << ";";
    os << " } graph_results;\n";
  }
  os << "\nextern void _mlir_ciface_" << kGraphName << "(";
  size_t n = 0;
  if (entry.returnsResults)
    os << (n++ ? ", " : "") << "graph_results *";
  for (const TensorDesc &d : inputs)
    os << (n++ ? ", " : "") << "memref_" << d.dims.size() << " *";
  if (!entry.returnsResults)
    for (const TensorDesc &d : outputs)
      os << (n++ ? ", " : "") << "memref_" << d.dims.size() << " *";
  os << ");\n\n";
  auto table = [&](const char *name, const std::vector<TensorDesc> &list) {
    os << "static const whittle_tensor_info " << name << "[] = {\n";
    for (const TensorDesc &d : list) {
      os << "  {" << cString(d.name) << ", " << d.dtype << ", " << d.dims.size()
         << ", {";
      for (size_t i = 0; i < d.dims.size(); ++i)
        os << (i ? ", " : "") << d.dims[i];
      os << "}, " << d.count() << "},\n";
    }
    if (list.empty())
      os << "  {0}\n";
    os << "};\n";
  };
  table("inputs", inputs);
  table("outputs", outputs);
  // The ops whose run-time sizes the code checks, for the message.
  os << "static const char *const rt_sites[] = {\n";
  for (const std::string &site : entry.checkSites)
    os << "  " << cString(site) << ",\n";
  os << "  \"\"};\n";
  auto fill = [&](const TensorDesc &d, const std::string &var,
                  const std::string &ptr) {
    os << "  memref_" << d.dims.size() << " " << var << " = {" << ptr << ", "
       << ptr << ", 0";
    if (!d.dims.empty()) {
      os << ", {";
      for (size_t i = 0; i < d.dims.size(); ++i)
        os << (i ? ", " : "") << d.dims[i];
      os << "}, {";
      int64_t stride = 1;
      SmallVector<int64_t> strides(d.dims.size());
      for (int64_t i = d.dims.size() - 1; i >= 0; --i) {
        strides[i] = stride;
        stride *= d.dims[i];
      }
      for (size_t i = 0; i < strides.size(); ++i)
        os << (i ? ", " : "") << strides[i];
      os << "}";
    }
    os << "};\n";
  };
  // memref.copy of non-contiguous views lowers to a call of memrefCopy (an
  // MLIR runner utility); this is our own, so models need no MLIR library.
  os << R"(
typedef struct { int64_t rank; void *descriptor; } unranked_memref;
__attribute__((visibility("hidden")))
void memrefCopy(int64_t elem_size, unranked_memref *src, unranked_memref *dst) {
  int64_t rank = src->rank;
  char *sd = (char *)src->descriptor, *dd = (char *)dst->descriptor;
  char *sbase = *(char **)(sd + sizeof(void *)), *dbase = *(char **)(dd + sizeof(void *));
  int64_t soff = *(int64_t *)(sd + 2 * sizeof(void *));
  int64_t doff = *(int64_t *)(dd + 2 * sizeof(void *));
  int64_t *sizes = (int64_t *)(sd + 2 * sizeof(void *) + 8);
  int64_t *sstr = sizes + rank, *dstr = (int64_t *)(dd + 2 * sizeof(void *) + 8) + rank;
  int64_t idx[16] = {0}, total = 1;
  for (int64_t i = 0; i < rank; ++i)
    total *= sizes[i];
  for (int64_t n = 0; n < total; ++n) {
    int64_t so = soff, d_o = doff;
    for (int64_t i = 0; i < rank; ++i) {
      so += idx[i] * sstr[i];
      d_o += idx[i] * dstr[i];
    }
    for (int64_t b = 0; b < elem_size; ++b)
      dbase[d_o * elem_size + b] = sbase[so * elem_size + b];
    for (int64_t i = rank - 1; i >= 0; --i) {
      if (++idx[i] < sizes[i])
        break;
      idx[i] = 0;
    }
  }
}
)";
  os << kRuntimeHelpers << "#define RT_ELASTIC " << (entry.elastic ? 1 : 0) << "\n"
     << kParallelShims;
  auto call = [&](StringRef results) {
    os << "  _mlir_ciface_" << kGraphName << "(";
    size_t k = 0;
    if (!results.empty())
      os << (k++ ? ", " : "") << results;
    for (size_t i = 0; i < inputs.size(); ++i)
      os << (k++ ? ", " : "") << "&i" << i;
    if (results.empty())
      for (size_t i = 0; i < outputs.size(); ++i)
        os << (k++ ? ", " : "") << "&o" << i;
    os << ");\n";
  };
  // String outputs leave the run as malloc'ed copies the caller frees; the
  // run's own strings go with its arena.
  auto exportStrings = [&](size_t i, const std::string &count) {
    if (outputs[i].dtype == 8)
      os << "  rt_export_strings((char **)out[" << i << "], " << count << ");\n";
  };
  if (!entry.dynamic) {
    os << "\nstatic int run(void *const *in, void *const *out) {\n"
       << "  rt_error = 0;\n";
    for (size_t i = 0; i < inputs.size(); ++i)
      fill(inputs[i], "i" + std::to_string(i), "in[" + std::to_string(i) + "]");
    for (size_t i = 0; i < outputs.size(); ++i)
      fill(outputs[i], "o" + std::to_string(i), "out[" + std::to_string(i) + "]");
    // A failed check or allocation on the run's thread ends the run here.
    os << "  {\n    jmp_buf jump;\n    rt_jump = &jump;\n"
       << "    if (setjmp(jump)) { rt_jump = 0; rt_arena_release(); return 1; }\n  ";
    call("");
    os << "    rt_jump = 0;\n  }\n";
    for (size_t i = 0; i < outputs.size(); ++i)
      exportStrings(i, std::to_string(outputs[i].count()));
    os << "  rt_arena_release();\n"
       << "  return rt_error ? 1 : 0;\n}\n\n";
  } else {
    // Run-time dims: descriptors built from the caller's dims; outputs
    // either static out-params or returned memrefs copied out.
    os << R"C(
static int64_t rt_describe(int64_t rank, const int64_t *dims, int64_t *sizes, int64_t *strides) {
  int64_t n = 1;
  for (int64_t d = rank - 1; d >= 0; --d) {
    sizes[d] = dims[d];
    strides[d] = n;
    n *= dims[d];
  }
  return n;
}

/* Output i's buffer for `bytes`: the caller's (2 with a message when it is
 * too small) or one malloc'ed here (recorded in mine[i]; 1 when out of
 * memory). */
static int rt_output(void **out, void **mine, const size_t *out_bytes, int i, size_t bytes) {
  if (!out[i]) {
    out[i] = mine[i] = malloc(bytes ? bytes : 1);
    if (!out[i]) {
      rt_fail("out of memory");
      return 1;
    }
    return 0;
  }
  if (out_bytes[i] < bytes) {
    snprintf(rt_error_text, sizeof rt_error_text, "output %d needs %zu bytes, the buffer has %zu",
             i, bytes, out_bytes[i]);
    rt_error = rt_error_text;
    return 2;
  }
  return 0;
}

/* Copies a strided result into contiguous row-major `dst`. */
static void rt_copy_out(int64_t elem, int64_t rank, const char *base, int64_t offset,
                        const int64_t *sizes, const int64_t *strides, char *dst) {
  int64_t idx[8] = {0}, total = 1;
  for (int64_t d = 0; d < rank; ++d)
    total *= sizes[d];
  for (int64_t n = 0; n < total; ++n) {
    int64_t at = offset;
    for (int64_t d = 0; d < rank; ++d)
      at += idx[d] * strides[d];
    memcpy(dst + n * elem, base + at * elem, (size_t)elem);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++idx[d] < sizes[d])
        break;
      idx[d] = 0;
    }
  }
}
)C";
    os << "\nstatic int run_shaped(void *const *in, const int64_t *in_dims, void **out,\n"
       << "                      int64_t *out_dims, const size_t *out_bytes) {\n"
       << "  rt_error = 0;\n"
       << "  int status = 0;\n";
    for (size_t i = 0; i < inputs.size(); ++i) {
      size_t r = inputs[i].dims.size();
      os << "  memref_" << r << " i" << i << " = {in[" << i << "], in[" << i << "], 0};\n";
      if (r)
        os << "  rt_describe(" << r << ", in_dims + " << i * 8 << ", i" << i << ".sizes, i"
           << i << ".strides);\n";
    }
    if (!entry.returnsResults) {
      // Static outputs (dynamic inputs only): the caller's buffers, or
      // ones allocated here, are the out-params.
      os << "  void *mine[" << outputs.size() + 1 << "] = {0};\n";
      for (size_t i = 0; i < outputs.size(); ++i) {
        const TensorDesc &d = outputs[i];
        os << "  {\n    size_t bytes = (size_t)" << d.count() << " * " << elemBytes(d.dtype)
           << ";\n";
        for (size_t k = 0; k < d.dims.size(); ++k)
          os << "    out_dims[" << i * 8 + k << "] = " << d.dims[k] << ";\n";
        os << "    if ((status = rt_output(out, mine, out_bytes, " << i << ", bytes)))\n"
           << "      goto done;\n  }\n";
        fill(d, "o" + std::to_string(i), "out[" + std::to_string(i) + "]");
      }
      os << "  {\n    jmp_buf jump;\n    rt_jump = &jump;\n"
         << "    if (setjmp(jump)) { status = 1; goto done; }\n  ";
      call("");
      os << "  }\n";
      for (size_t i = 0; i < outputs.size(); ++i)
        exportStrings(i, std::to_string(outputs[i].count()));
      os << "done:\n  rt_jump = 0;\n"
         << "  if (status)\n"
         << "    for (int k = 0; k < " << outputs.size() << "; ++k)\n"
         << "      if (mine[k]) { free(mine[k]); out[k] = 0; }\n";
    } else {
      os << "  graph_results res;\n"
         << "  void *mine[" << outputs.size() + 1 << "] = {0};\n"
         << "  {\n    jmp_buf jump;\n    rt_jump = &jump;\n"
         << "    if (setjmp(jump)) { rt_jump = 0; rt_arena_release(); return 1; }\n  ";
      call("&res");
      os << "    rt_jump = 0;\n  }\n";
      for (size_t i = 0; i < outputs.size(); ++i) {
        const TensorDesc &d = outputs[i];
        size_t r = d.dims.size();
        std::string m = "res.r" + std::to_string(i);
        os << "  {\n    int64_t count = 1;\n";
        for (size_t k = 0; k < r; ++k)
          os << "    out_dims[" << i * 8 + k << "] = " << m << ".sizes[" << k << "];\n"
             << "    count *= " << m << ".sizes[" << k << "];\n";
        os << "    size_t bytes = (size_t)count * " << elemBytes(d.dtype) << ";\n"
           << "    int ok = !status && !(status = rt_output(out, mine, out_bytes, " << i
           << ", bytes));\n"
           << "    if (ok)\n"
           << "      rt_copy_out(" << elemBytes(d.dtype) << ", " << r << ", (const char *)" << m
           << ".aligned, " << m << ".offset, "
           << (r ? m + ".sizes, " + m + ".strides" : std::string("0, 0"))
           << ", (char *)out[" << i << "]);\n"
           << "    _mlir_memref_to_llvm_free(" << m << ".allocated);\n";
        if (d.dtype == 8)
          os << "    if (ok)\n  ";
        exportStrings(i, "count");
        os << "  }\n";
      }
      // An output left NULL by a failed run stays NULL for the caller.
      os << "  if (status)\n"
         << "    for (int k = 0; k < " << outputs.size() << "; ++k)\n"
         << "      if (mine[k]) { free(mine[k]); out[k] = 0; }\n";
    }
    os << "  rt_arena_release();\n"
       << "  return status ? status : (rt_error ? 1 : 0);\n}\n\n";
  }
  os << "static const whittle_model_info info = {4, " << cString(targetName)
     << ", " << inputs.size() << ", " << outputs.size() << ", inputs, outputs, "
     << (entry.dynamic ? "0" : "run") << ", rt_last_error, rt_set_parallel, "
     << (entry.dynamic ? "run_shaped" : "0") << "};\n\n"
     << "__attribute__((visibility(\"default\")))\n"
     << "const whittle_model_info *whittle_model_describe(void) { return &info; }\n";
  return s;
}

/// The per-model header: every input's and output's name, element type,
/// rank, dims and element count as C constants, so a caller can size its
/// buffers at compile time, next to the runtime calls that use them.
std::string headerSource(const std::vector<TensorDesc> &inputs,
                         const std::vector<TensorDesc> &outputs, StringRef targetName,
                         StringRef stem) {
  std::string prefix;
  for (char c : stem)
    prefix += std::isalnum((unsigned char)c) ? (char)std::toupper((unsigned char)c) : '_';
  if (prefix.empty() || std::isdigit((unsigned char)prefix[0]))
    prefix = "MODEL_" + prefix;
  std::string s;
  llvm::raw_string_ostream os(s);
  bool dynamic = llvm::any_of(inputs, [](const TensorDesc &d) { return d.isDynamic(); }) ||
                 llvm::any_of(outputs, [](const TensorDesc &d) { return d.isDynamic(); });
  os << "/* Generated by whittle compile for target " << targetName << ".\n"
     << " *\n"
     << " * Load the library with whittle_model_load() (whittle/runtime.h), then\n";
  if (dynamic)
    os << " * run it on tensors of the sizes you have (dims of -1 are dynamic):\n"
       << " *   whittle_model_run_shaped(model, " << prefix << "_NUM_INPUTS, inputs,\n"
       << " *                            " << prefix << "_NUM_OUTPUTS, outputs);\n";
  else
    os << " * run it on buffers of these sizes:\n"
       << " *   whittle_model_run(model, " << prefix << "_NUM_INPUTS, inputs,\n"
       << " *                     " << prefix << "_NUM_OUTPUTS, outputs);\n";
  os << " */\n"
     << "#ifndef " << prefix << "_WHITTLE_H\n#define " << prefix << "_WHITTLE_H\n\n"
     << "#define " << prefix << "_TARGET " << cString(targetName) << "\n"
     << "#define " << prefix << "_NUM_INPUTS " << inputs.size() << "\n"
     << "#define " << prefix << "_NUM_OUTPUTS " << outputs.size() << "\n";
  auto one = [&](const char *kind, size_t i, const TensorDesc &d) {
    std::string p = prefix + "_" + kind + "_" + std::to_string(i);
    os << "\n/* " << kind << " " << i << ": " << d.name
       << (d.isDynamic() ? " (dims of -1 are set at run time: whittle_model_run_shaped)" : "")
       << " */\n"
       << "#define " << p << "_NAME " << cString(d.name) << "\n"
       << "#define " << p << "_DTYPE " << d.dtype << " /* ONNX TensorProto data type */\n"
       << "#define " << p << "_RANK " << d.dims.size() << "\n"
       << "#define " << p << "_NUM_ELEMENTS " << d.count() << "\n";
    for (size_t k = 0; k < d.dims.size(); ++k)
      os << "#define " << p << "_DIM_" << k << " " << d.dims[k] << "\n";
  };
  for (size_t i = 0; i < inputs.size(); ++i)
    one("INPUT", i, inputs[i]);
  for (size_t i = 0; i < outputs.size(); ++i)
    one("OUTPUT", i, outputs[i]);
  os << "\n#endif\n";
  return s;
}

/// Results the model declares with dynamic dims but computes with static
/// ones (a tensor.cast to the declared type feeds the return) take the
/// static type: the compiled model then describes them exactly.
void refineResultTypes(func::FuncOp func) {
  if (func.isExternal())
    return;
  auto ret = cast<func::ReturnOp>(func.front().getTerminator());
  bool changed = false;
  for (OpOperand &operand : ret->getOpOperands())
    if (auto c = operand.get().getDefiningOp<tensor::CastOp>()) {
      auto src = dyn_cast<RankedTensorType>(c.getSource().getType());
      if (src && src.hasStaticShape()) {
        operand.set(c.getSource());
        changed = true;
      }
    }
  if (changed)
    func.setType(FunctionType::get(func.getContext(), func.getArgumentTypes(),
                                   ret->getOperandTypes()));
}

/// Drops the run-time size checks whose two sizes are one value (after CSE,
/// sizes that come from the same input dim).
void dropTrivialChecks(ModuleOp module) {
  SmallVector<func::CallOp> trivial;
  module.walk([&](func::CallOp call) {
    if (call.getCallee() == "whittle_rt_check_dim" && call.getNumOperands() == 3 &&
        call.getOperand(0) == call.getOperand(1))
      trivial.push_back(call);
  });
  for (func::CallOp call : trivial)
    call.erase();
}

/// Numbers the run-time size checks the lowerings left (the site operand
/// of each whittle_rt_check_dim call) and records where each op came from,
/// so a failing run names it.
void numberCheckSites(ModuleOp module, std::vector<std::string> &sites) {
  module.walk([&](func::CallOp call) {
    // The site is the last operand of either check.
    if (!(call.getCallee() == "whittle_rt_check_dim" && call.getNumOperands() == 3) &&
        !(call.getCallee() == "whittle_rt_check_index" && call.getNumOperands() == 4) &&
        !(call.getCallee() == "whittle_rt_check_scale" && call.getNumOperands() == 3))
      return;
    std::string where;
    llvm::raw_string_ostream os(where);
    Location loc = call.getLoc();
    if (auto name = dyn_cast<NameLoc>(loc))
      os << "'" << name.getName().getValue() << "'";
    else if (auto fused = dyn_cast<FusedLoc>(loc))
      os << fused;
    else
      os << loc;
    OpBuilder b(call);
    call->setOperand(call.getNumOperands() - 1,
                     arith::ConstantIntOp::create(b, call.getLoc(), b.getI64Type(),
                                                  (int64_t)sites.size()));
    sites.push_back(where);
  });
}

/// The whittle ops no lowering handled, by name, as one error.
LogicalResult checkLowered(ModuleOp module) {
  std::map<std::string, int> left;
  Operation *first = nullptr;
  bool dynamic = false;
  auto isDynamic = [](Type t) {
    auto r = dyn_cast<RankedTensorType>(t);
    return r && !r.hasStaticShape();
  };
  module.walk([&](Operation *op) {
    if (isa<wt::WhittleDialect>(op->getDialect())) {
      ++left[op->getName().getStringRef().str()];
      if (!first)
        first = op;
      dynamic |= llvm::any_of(op->getOperandTypes(), isDynamic) ||
                 llvm::any_of(op->getResultTypes(), isDynamic);
    }
  });
  if (left.empty())
    return success();
  std::string list;
  for (auto &[name, n] : left)
    list += (list.empty() ? "" : ", ") + name + " (" + std::to_string(n) + ")";
  InFlightDiagnostic diag = first->emitError() << "no code generation yet for: " << list;
  if (dynamic)
    diag << " over dynamic dims; pin the input shapes with --input-shape NAME=DIMS to "
            "compile static code";
  return diag;
}

LogicalResult runPipeline(ModuleOp module, StringRef pipeline,
                          StringRef origin = "internal pass pipeline") {
  // `pipeline` lists the passes on the module (no builtin.module anchor).
  PassManager pm(module.getContext());
  (void)applyPassManagerCLOptions(pm);
  // --mlir-timing: one report per pipeline.
  DefaultTimingManager timing;
  applyDefaultTimingManagerCLOptions(timing);
  TimingScope root = timing.getRootScope();
  pm.enableTiming(root);
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    return module.emitError("bad ") << origin << ": " << pipeline;
  return pm.run(module);
}

/// A constant global whose bytes go into the shared library beside the
/// code instead of through LLVM: `size` bytes at `offset` of the blob.
struct ExternalWeight {
  std::string name;
  uint64_t offset, size, align;
};

/// Constant globals of at least this many bytes (the weights) are
/// externalized.
constexpr uint64_t kExternalWeightBytes = 4096;

/// Moves the initializers of the module's large constant globals (LLVM
/// dialect) into `blob`: each global becomes an external declaration,
/// defined at link time by an assembler stub that includes its bytes
/// (`weightsAssembly`). LLVM then never copies, optimizes or emits the
/// weights: BERT-base's 440 MB took most of the translation, optimization
/// and code generation time.
std::vector<ExternalWeight> externalizeWeights(ModuleOp module, std::string &blob) {
  std::vector<ExternalWeight> out;
  module.walk([&](LLVM::GlobalOp g) {
    auto value = dyn_cast_or_null<ElementsAttr>(g.getValueOrNull());
    if (!g.getConstant() || !value || !g.getInitializerRegion().empty())
      return;
    auto ty = dyn_cast<ShapedType>(value.getType());
    Type elt = ty ? ty.getElementType() : Type();
    if (!elt || !elt.isIntOrFloat() || elt.getIntOrFloatBitWidth() % 8 != 0)
      return;
    uint64_t eltBytes = elt.getIntOrFloatBitWidth() / 8;
    uint64_t size = value.getNumElements() * eltBytes;
    if (size < kExternalWeightBytes)
      return;
    ArrayRef<char> raw;
    bool splat = false;
    if (auto res = dyn_cast<DenseResourceElementsAttr>(value)) {
      AsmResourceBlob *b = res.getRawHandle().getBlob();
      if (!b)
        return;
      raw = b->getData();
    } else if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
      raw = dense.getRawData();
      splat = dense.isSplat();
    } else {
      return;
    }
    if (!splat && raw.size() != size)
      return;
    uint64_t align = std::max<uint64_t>(g.getAlignment().value_or(16), 16);
    blob.resize(llvm::alignTo(blob.size(), align), '\0');
    uint64_t offset = blob.size();
    if (splat) {
      for (uint64_t i = 0; i < size / eltBytes; ++i)
        blob.append(raw.data(), eltBytes);
    } else {
      blob.append(raw.data(), raw.size());
    }
    out.push_back({g.getSymName().str(), offset, size, align});
    g.removeValueAttr();
    g.setLinkage(LLVM::Linkage::External);
    g.setVisibility_(LLVM::Visibility::Hidden);
  });
  return out;
}

/// The assembler stub defining `weights` from the blob file `path`: the
/// file included once, each weight a symbol at its offset. It names its
/// own source file: the assembler would otherwise record the random name
/// of its temporary object in the symbol table, and two compiles of one
/// model would differ.
std::string weightsAssembly(const std::vector<ExternalWeight> &weights, StringRef path) {
  std::string s = "  .file \"weights.s\"\n";
  if (weights.empty())
    return s;
  uint64_t align = 16;
  for (const ExternalWeight &w : weights)
    align = std::max(align, w.align);
  s += "  .section .rodata.whittle_weights,\"a\"\n";
  s += "  .p2align " + std::to_string(llvm::Log2_64(align)) + "\n";
  s += "whittle_weights_blob:\n  .incbin " + cString(path) + "\n";
  for (const ExternalWeight &w : weights) {
    s += "  .globl " + w.name + "\n  .hidden " + w.name + "\n";
    s += "  .type " + w.name + ", %object\n";
    s += "  .set " + w.name + ", whittle_weights_blob + " + std::to_string(w.offset) + "\n";
    s += "  .size " + w.name + ", " + std::to_string(w.size) + "\n";
  }
  return s;
}

std::unique_ptr<llvm::TargetMachine> makeTargetMachine(const Target &target,
                                                       unsigned optLevel,
                                                       std::string &error) {
  static bool initialized = [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    return true;
  }();
  (void)initialized;
  llvm::Triple triple(target.triple());
  const llvm::Target *t = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!t)
    return nullptr;
  llvm::TargetOptions options;
  auto level = optLevel == 0   ? llvm::CodeGenOptLevel::None
               : optLevel == 1 ? llvm::CodeGenOptLevel::Less
               : optLevel == 2 ? llvm::CodeGenOptLevel::Default
                               : llvm::CodeGenOptLevel::Aggressive;
  return std::unique_ptr<llvm::TargetMachine>(t->createTargetMachine(
      triple, target.cpu(), target.features(), options, llvm::Reloc::PIC_,
      std::nullopt, level));
}

LogicalResult writeFile(Location loc, StringRef path, StringRef data) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return emitError(loc) << "cannot write '" << path << "': " << ec.message();
  os << data;
  return success();
}

} // namespace

std::string graphPassPipeline(unsigned optLevel) {
  if (optLevel == 0)
    return "";
  // -O1: cleanup only.
  std::string p = "func.func(whittle-fold-constants,whittle-remove-no-ops,"
                  "whittle-eliminate-concat-split),canonicalize,cse";
  if (optLevel >= 2)
    // Recognition first (fusion looks for the recognized ops), then BN and
    // scales into weights before the bias Add, residual and activation
    // join the conv/matmul.
    p += ",func.func(whittle-recognize-activations,whittle-recognize-softmax,"
         "whittle-recognize-layer-norm,whittle-recognize-attention,"
         "whittle-fold-transpose-into-matmul,whittle-fold-batch-norm,whittle-fuse-epilogue,"
         // Quantized ops become exact float/integer arithmetic after the
         // folds that would rescale weights (an exact integer sum must
         // stay one), before layout sees the f32 convs they leave.
         "whittle-lower-quantized,"
         // Layout last: it moves the transposes that the fused ops leave.
         "whittle-propagate-layout,"
         "whittle-fold-constants,whittle-remove-no-ops),canonicalize,cse";
  return p;
}

LogicalResult compileModule(ModuleOp module, const CompileOptions &options,
                            StringRef outputPath) {
  MLIRContext *ctx = module.getContext();
  Location loc = module.getLoc();
  const Target &target = *options.target;

  // 1. onnx -> whittle, and the graph passes of this -O level.
  OptimizationReport report;
  if (options.report) {
    report.model = options.modelName;
    report.optLevel = options.optLevel;
    report.imported = takeCensus(module);
  }
  // Legalization leaves shape arithmetic on constants that only the ops'
  // folders (canonicalize) resolve; every level runs them.
  if (failed(runPipeline(module, "convert-onnx-to-whittle,whittle-check-legalized,canonicalize")))
    return failure();
  if (options.report) {
    report.legalized = takeCensus(module);
    clearRecordedRewrites();
  }
  std::string graphPasses = options.graphPasses ? *options.graphPasses
                                                : graphPassPipeline(options.optLevel);
  if (!graphPasses.empty() &&
      failed(runPipeline(module, graphPasses,
                         options.graphPasses ? "--graph-passes pipeline" : "internal pass pipeline")))
    return failure();
  if (options.report) {
    report.optimized = takeCensus(module);
    report.rewrites = recordedRewrites();
  }
  auto printReportNow = [&] {
    if (options.report)
      printReport(*options.report, report);
  };
  auto emitText = [&](Operation *op) -> LogicalResult {
    std::string s;
    llvm::raw_string_ostream os(s);
    op->print(os, OpPrintingFlags().elideLargeResourceString(64));
    return writeFile(loc, outputPath, s);
  };
  if (options.emit == EmitKind::Mlir) {
    printReportNow();
    return emitText(module);
  }

  auto funcs = module.getOps<func::FuncOp>();
  if (funcs.empty())
    return module.emitError("no graph function to compile");
  func::FuncOp graph = *funcs.begin();
  refineResultTypes(graph);
  std::vector<TensorDesc> inputs, outputs;
  if (failed(describe(graph, inputs, outputs)))
    return failure();
  if (!options.headerPath.empty() &&
      failed(writeFile(loc, options.headerPath,
                       headerSource(inputs, outputs, target.name(),
                                    llvm::sys::path::stem(options.headerPath)))))
    return failure();

  // 2. whittle -> linalg, checked complete. Run-time sizes are traced back
  // to the inputs' dims, so CSE sees the equal ones.
  // Fixed-width register tiles over packed weights, except on scalable
  // vector targets (LLVM's scalable vectorizer handles the plain loops).
  bool packWeights = !target.tuning().scalableVectors;
  // Quantized ops are lowered by the -O2 graph passes; at -O0/-O1 (and
  // after a custom --graph-passes pipeline) here.
  if (failed(runPipeline(module, std::string("func.func(whittle-lower-quantized),"
                                             "convert-whittle-to-linalg{") +
                                     (options.wideAccumulation ? "wide-accumulation " : "") +
                                     (packWeights ? "" : "pack-weights=false ") +
                                     "winograd-tile=" +
                                     std::to_string(options.optLevel >= 2 ? options.winogradTile
                                                                          : 0) +
                                     "}," +
                                     // Twice: canonicalization makes new tensor.dims;
                                     // sizes in affine.apply join arith's folds.
                                     "resolve-ranked-shaped-type-result-dims,canonicalize,cse,"
                                     "resolve-ranked-shaped-type-result-dims,lower-affine,"
                                     "canonicalize,cse,canonicalize")) ||
      failed(checkLowered(module)))
    return failure();
  // The lowering's own choices (Winograd convs) join the graph passes'.
  if (options.report)
    report.rewrites = recordedRewrites();
  dropTrivialChecks(module);
  EntryInfo entry;
  for (const auto *list : {&inputs, &outputs})
    for (const TensorDesc &d : *list)
      entry.dynamic |= d.isDynamic();
  for (const TensorDesc &d : outputs)
    entry.returnsResults |= d.isDynamic();
  numberCheckSites(module, entry.checkSites);
  // Elementwise chains into one loop nest each (-O1 and up).
  if (options.optLevel >= 1) {
    auto generics = [&] {
      int64_t n = 0;
      module.walk([&](linalg::GenericOp) { ++n; });
      return n;
    };
    report.genericsBefore = generics();
    if (failed(runPipeline(module, "func.func(whittle-fuse-elementwise),canonicalize")))
      return failure();
    report.genericsAfter = generics();
  }
  printReportNow();
  if (options.emit == EmitKind::Linalg)
    return emitText(module);

  // 3. The common CPU path down to the LLVM dialect.
  graph.setSymName(kGraphName);
  graph->setAttr("llvm.emit_c_interface", UnitAttr::get(ctx));
  // Names and dims travel in the entry point's tables, not in LLVM IR.
  // Inputs are the caller's buffers: never written (a scatter copies).
  for (unsigned i = 0; i < graph.getNumArguments(); ++i)
    graph.setArgAttrs(i, ArrayRef<NamedAttribute>{NamedAttribute(
                             StringAttr::get(ctx, "bufferization.writable"),
                             BoolAttr::get(ctx, false))});
  for (unsigned i = 0; i < graph.getNumResults(); ++i)
    graph.setResultAttrs(i, ArrayRef<NamedAttribute>{});
  // How finely parallel work is split is the target's call.
  std::string tileForThreads =
      "func.func(whittle-collapse-short-rows),canonicalize,"
      "func.func(whittle-tile-for-threads{min-work=" +
      std::to_string(target.tuning().parallelMinWork) +
      " max-chunks=" + std::to_string(target.tuning().parallelMaxChunks) +
      " l2-bytes=" + std::to_string(target.tuning().l2Bytes) + "}),";
  // Packed matmuls and convs: register-blocked vector code (fixed-width
  // vectors; on SVE LLVM vectorizes the packed loops itself).
  std::string microkernels =
      !packWeights
          ? std::string()
          : "whittle-lower-microkernels{vector-bits=" +
                std::to_string(target.tuning().vectorBits) + " vector-registers=" +
                std::to_string(target.tuning().vectorRegisters) + " l2-bytes=" +
                std::to_string(target.tuning().l2Bytes) + "},";
  if (failed(runPipeline(
          module,
          tileForThreads +
          "canonicalize,func.func(whittle-decompose-pads),"
          // A long graph in parts of bounded length: the analyses below
          // grow faster than linearly in a function's length.
          "whittle-outline-graph-parts{max-ops=" + std::to_string(options.maxPartOps) + "}," +
          // CSE merged equal destinations: one buffer each again.
          "func.func(whittle-unshare-empty-tensors),"
          // Producers write straight into the concats and pads that read
          // them.
          "eliminate-empty-tensors,"
          "one-shot-bufferize{bufferize-function-boundaries allow-return-allocs-from-loops "
          "function-boundary-type-conversion=identity-layout-map}," +
          // Static results are written into the caller's buffers; dynamic
          // ones come back as memrefs the entry point copies out.
          std::string(entry.returnsResults ? ""
                                           : "buffer-results-to-out-params{modify-public-"
                                             "functions hoist-static-allocs},") +
          // Returned memrefs the code does not own (an input, a constant)
          // are cloned: the entry point frees every returned buffer.
          "buffer-deallocation-pipeline,convert-bufferization-to-memref,"
          // Each buffer freed after its last use, not at the function's end.
          "func.func(whittle-early-deallocs),"
          "func.func(whittle-lower-strided-copies)," + microkernels +
          "func.func(scf-forall-to-parallel),"
          // OpenMP's memref.alloca_scope must reach LLVM while still one
          // block: memref to LLVM before scf to cf.
          "convert-linalg-to-loops,func.func(whittle-approximate-math),"
          "convert-scf-to-openmp")))
    return failure();
  // A parallel region that is one worksharing loop (what scf.parallel
  // becomes) hands out its iterations through the dispatch shims (dynamic
  // schedule: each thread's static share first, then the others' leftovers)
  // and needs no barrier at its end: threads then share the loop by how
  // fast they are, and the pool's run_any need not wait for a worker the system
  // has not scheduled (docs/runtime.md). Other regions keep the static
  // split and barriers, and the model the full-team run.
  entry.elastic = true;
  module.walk([&](omp::ParallelOp region) {
    Block &body = region.getRegion().front();
    auto loop = dyn_cast<omp::WsloopOp>(body.front());
    if (!loop || body.getOperations().size() != 2 ||
        !isa<omp::TerminatorOp>(body.back()) || loop.getScheduleKind()) {
      entry.elastic = false;
      return;
    }
    loop.setNowait(true);
    loop.setScheduleKind(omp::ClauseScheduleKind::Dynamic);
  });
  if (failed(runPipeline(
          module,
          "lower-affine,expand-strided-metadata,lower-affine,"
          "convert-vector-to-llvm,finalize-memref-to-llvm{use-generic-functions},"
          // A long graph body in bounded blocks: each loop lowered to
          // branches then moves a bounded number of ops.
          "func.func(whittle-split-long-blocks),convert-scf-to-cf,"
          "convert-math-to-llvm,convert-math-to-libm,arith-expand{include-bf16},"
          "convert-arith-to-llvm,"
          "convert-cf-to-llvm,convert-func-to-llvm,convert-ub-to-llvm,"
          "convert-openmp-to-llvm,reconcile-unrealized-casts")))
    return failure();

  // 4. LLVM IR, optimized for the target.
  std::string error;
  // -O chooses the graph optimizer; machine code is always optimized
  // (LLVM's -O2, its -O3 at -O3), so levels compare the graph passes.
  unsigned llvmLevel = std::max(2u, options.optLevel);
  auto tm = makeTargetMachine(target, llvmLevel, error);
  if (!tm)
    return emitError(loc) << "target '" << target.name() << "': " << error;
  // A shared library takes its weights from a blob beside the code.
  std::string weightBlob;
  std::vector<ExternalWeight> weights;
  if (options.emit == EmitKind::So)
    weights = externalizeWeights(module, weightBlob);
  llvm::LLVMContext llvmCtx;
  std::unique_ptr<llvm::Module> llvmModule = translateModuleToLLVMIR(module, llvmCtx);
  if (!llvmModule)
    return emitError(loc) << "translation to LLVM IR failed";
  llvmModule->setTargetTriple(llvm::Triple(target.triple()));
  llvmModule->setDataLayout(tm->createDataLayout());
  // The loop vectorizer uses the target's full SIMD width (LLVM's x86 CPU
  // tunings otherwise stop at 256 bits on AVX-512 parts).
  std::string width = std::to_string(target.tuning().vectorBits);
  for (llvm::Function &f : *llvmModule)
    if (!f.isDeclaration()) {
      f.addFnAttr("prefer-vector-width", width);
      // Reached only through the entry point linked beside it: the
      // library exports whittle_model_describe alone.
      f.setVisibility(llvm::GlobalValue::HiddenVisibility);
    }
  auto optimize = makeOptimizingTransformer(llvmLevel, 0, tm.get());
  if (llvm::Error e = optimize(llvmModule.get()))
    return emitError(loc) << "LLVM optimization failed: " << llvm::toString(std::move(e));
  if (options.emit == EmitKind::Llvm) {
    std::string s;
    llvm::raw_string_ostream os(s);
    llvmModule->print(os, nullptr);
    return writeFile(loc, outputPath, s);
  }

  // 5. Machine code.
  llvm::SmallString<0> code;
  {
    llvm::raw_svector_ostream os(code);
    llvm::legacy::PassManager pm;
    auto kind = options.emit == EmitKind::Asm ? llvm::CodeGenFileType::AssemblyFile
                                              : llvm::CodeGenFileType::ObjectFile;
    if (tm->addPassesToEmitFile(pm, os, nullptr, kind))
      return emitError(loc) << "target '" << target.name()
                            << "' cannot emit this file type";
    pm.run(*llvmModule);
  }
  if (options.emit == EmitKind::Asm || options.emit == EmitKind::Obj)
    return writeFile(loc, outputPath, code);

  // 6. Link the object and the entry point into the shared library.
  llvm::SmallString<128> dir;
  if (auto ec = llvm::sys::fs::createUniqueDirectory("whittle", dir))
    return emitError(loc) << "cannot make a temporary directory: " << ec.message();
  // The scratch directory goes away however linking ends.
  llvm::scope_exit cleanup([&] { llvm::sys::fs::remove_directories(dir); });
  llvm::SmallString<128> obj(dir), entryC(dir), log(dir), blobPath(dir), weightsS(dir);
  llvm::sys::path::append(obj, "model.o");
  llvm::sys::path::append(entryC, "entry.c");
  llvm::sys::path::append(log, "link.log");
  llvm::sys::path::append(blobPath, "weights.bin");
  llvm::sys::path::append(weightsS, "weights.s");
  if (failed(writeFile(loc, obj, code)) ||
      failed(writeFile(loc, entryC,
                       entryPointSource(inputs, outputs, target.name(), entry))) ||
      failed(writeFile(loc, blobPath, weightBlob)) ||
      failed(writeFile(loc, weightsS, weightsAssembly(weights, blobPath))))
    return failure();
  std::vector<std::string> cmd = target.linkerCommand();
  for (const char *a : {"-O2", "-fvisibility=hidden", "-o"})
    cmd.push_back(a);
  cmd.push_back(outputPath.str());
  cmd.push_back(std::string(obj));
  cmd.push_back(std::string(entryC));
  cmd.push_back(std::string(weightsS));
  cmd.push_back("-lm");
  cmd.push_back("-pthread");
  auto program = llvm::sys::findProgramByName(cmd[0]);
  if (!program)
    return emitError(loc) << "linker driver '" << cmd[0] << "' not found on PATH";
  SmallVector<StringRef> args(cmd.begin(), cmd.end());
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(log), StringRef(log)};
  int rc = llvm::sys::ExecuteAndWait(*program, args, std::nullopt, redirects);
  if (rc != 0) {
    auto text = llvm::MemoryBuffer::getFile(log);
    return emitError(loc) << "linking failed (" << cmd[0] << " exited " << rc
                          << "): " << (text ? (*text)->getBuffer().trim() : "");
  }
  return success();
}

} // namespace whittle
