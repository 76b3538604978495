/*===- Runtime.c - load and run compiled Whittle models -------------------===*
 *
 * Plain C, no MLIR: dlopen the model, validate what the caller passes, call
 * the model's entry point.
 *===----------------------------------------------------------------------===*/

#define _GNU_SOURCE /* sched_getcpu, CPU affinity */
#include "whittle/runtime.h"
#include "Validate.h"

#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct whittle_model {
  void *handle;
  const whittle_model_info *info;
  int threads; /* 0: every core */
};

/*===----------------------------------------------------------------------===*
 * The thread pool: one per process, for every model. Workers start at the
 * first parallel loop that wants them and stay parked on a condition
 * variable; one team works at a time.
 *===----------------------------------------------------------------------===*/

enum { POOL_MAX_THREADS = 256 };
typedef void (*pool_task)(void *ctx, int tid, int team);
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t pool_done = PTHREAD_COND_INITIALIZER;
static pthread_t pool_ids[POOL_MAX_THREADS];
static int pool_workers, pool_stop, pool_busy, pool_team, pool_pending;
static unsigned long pool_gen;
/* A run_any region (pool_any): its tids are claimed, not assigned.
 * pool_claim holds the region's generation above 16 bits and the next
 * unclaimed tid below; pool_finished counts the tids other than 0 done. */
static int pool_any, pool_finished;
static unsigned long long pool_claim;
static pool_task pool_fn;
static void *pool_ctx;
static pthread_mutex_t bar_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bar_cv = PTHREAD_COND_INITIALIZER;
static int bar_count;
static unsigned long bar_gen;
static _Thread_local int run_threads; /* the current run's handle setting */
static _Thread_local int in_team;

static int team_size(void) {
  int n = run_threads;
  if (n <= 0) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    n = cores > 0 ? (int)cores : 1;
  }
  return n > POOL_MAX_THREADS ? POOL_MAX_THREADS : n;
}

/* Before sleeping on a condition variable, a worker waiting for work and
 * the caller waiting for its team poll for this many pauses (tens of
 * microseconds): a model's parallel loops follow each other closely, and a
 * futex wake-up costs more than many of them take. */
enum { POOL_SPIN = 4000 };

/* One step of a polling loop: a pause, and every 64th step a yield of the
 * core. A new worker thread may start on the core its caller polls on
 * (2-core machines, a busy system); pausing alone would then spin away the
 * time slice the other thread needs to make progress (a sub-millisecond
 * model ran 5x slower on 2 threads than on 1 when that happened). */
static inline void spin_step(int i) {
  if ((i & 63) == 63) {
    sched_yield();
    return;
  }
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* The CPUs the process may run on, when a worker was started away from
 * its caller's CPU (pool_start_worker). */
static cpu_set_t pool_cpus;
static int pool_cpus_known;

/* The next unclaimed tid of region `gen` (team `team`), claimed, or -1
 * when every tid is taken or the region is over. */
static int pool_claim_tid(unsigned long gen, int team) {
  unsigned long long w = __atomic_load_n(&pool_claim, __ATOMIC_ACQUIRE);
  for (;;) {
    if ((w >> 16) != (unsigned long long)gen || (int)(w & 0xffff) >= team)
      return -1;
    if (__atomic_compare_exchange_n(&pool_claim, &w, w + 1, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
      return (int)(w & 0xffff);
  }
}

/* Runs the claimable tids of run_any region `gen` until none is left. */
static void pool_run_claimed(unsigned long gen, pool_task fn, void *ctx, int team) {
  for (int t; (t = pool_claim_tid(gen, team)) >= 0;) {
    fn(ctx, t, team);
    if (__atomic_add_fetch(&pool_finished, 1, __ATOMIC_ACQ_REL) == team - 1) {
      pthread_mutex_lock(&pool_mu);
      pthread_cond_signal(&pool_done);
      pthread_mutex_unlock(&pool_mu);
    }
  }
}

static void *pool_worker(void *p) {
  int id = (int)(intptr_t)p;
  unsigned long seen = 0;
  /* Started on another CPU than the caller's; from there it may go
   * anywhere the process may. */
  if (pool_cpus_known)
    pthread_setaffinity_np(pthread_self(), sizeof pool_cpus, &pool_cpus);
  for (;;) {
    for (int i = 0; i < POOL_SPIN && __atomic_load_n(&pool_gen, __ATOMIC_ACQUIRE) == seen &&
                    !__atomic_load_n(&pool_stop, __ATOMIC_ACQUIRE);
         ++i)
      spin_step(i);
    pthread_mutex_lock(&pool_mu);
    while (pool_gen == seen && !pool_stop)
      pthread_cond_wait(&pool_wake, &pool_mu);
    if (pool_stop)
      break;
    seen = pool_gen;
    if (pool_any) {
      pool_task fn = pool_fn;
      void *ctx = pool_ctx;
      int team = pool_team;
      pthread_mutex_unlock(&pool_mu);
      in_team = 1;
      pool_run_claimed(seen, fn, ctx, team);
      in_team = 0;
      continue;
    }
    if (id >= pool_team) {
      pthread_mutex_unlock(&pool_mu);
      continue;
    }
    pool_task fn = pool_fn;
    void *ctx = pool_ctx;
    int team = pool_team;
    pthread_mutex_unlock(&pool_mu);
    in_team = 1;
    fn(ctx, id, team);
    in_team = 0;
    pthread_mutex_lock(&pool_mu);
    if (__atomic_sub_fetch(&pool_pending, 1, __ATOMIC_ACQ_REL) == 0)
      pthread_cond_signal(&pool_done);
    pthread_mutex_unlock(&pool_mu);
  }
  pthread_mutex_unlock(&pool_mu);
  return NULL;
}

/* A new thread often starts on its creator's CPU and stays there until
 * the load balancer moves it, which a model that runs for a millisecond
 * never sees: the team would share one core. A worker therefore starts
 * on one of the process's other CPUs (pool_worker then lifts the
 * restriction). */
static int pool_start_worker(pthread_t *id, int index) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  int here = sched_getcpu();
  /* Read once, before the first worker starts (workers only read it). */
  if (!pool_cpus_known && sched_getaffinity(0, sizeof pool_cpus, &pool_cpus) == 0)
    pool_cpus_known = 1;
  if (here >= 0 && pool_cpus_known && CPU_COUNT(&pool_cpus) > 1) {
    cpu_set_t others = pool_cpus;
    CPU_CLR(here, &others);
    if (CPU_COUNT(&others) > 0)
      pthread_attr_setaffinity_np(&attr, sizeof others, &others);
  }
  int rc = pthread_create(id, &attr, pool_worker, (void *)(intptr_t)index);
  pthread_attr_destroy(&attr);
  return rc;
}

/* Starts a region of `fn` on the pool (run, or run_any when `any`): its
 * team size, or 0 when the pool is busy (a nested or concurrent region),
 * which the caller then runs alone. */
static int pool_start(pool_task fn, void *ctx, int any) {
  int team = team_size(), busy = 1;
  if (team > 1 && !in_team) {
    pthread_mutex_lock(&pool_mu);
    busy = pool_busy;
    pool_busy = 1;
    pthread_mutex_unlock(&pool_mu);
  }
  if (busy)
    return 0;
  pthread_mutex_lock(&pool_mu);
  while (pool_workers < team - 1 &&
         pool_start_worker(&pool_ids[pool_workers], pool_workers + 1) == 0)
    ++pool_workers;
  if (team > pool_workers + 1)
    team = pool_workers + 1;
  pool_fn = fn;
  pool_ctx = ctx;
  pool_team = team;
  pool_any = any;
  __atomic_store_n(&pool_pending, any ? 0 : team - 1, __ATOMIC_RELEASE);
  __atomic_store_n(&pool_finished, 0, __ATOMIC_RELEASE);
  unsigned long gen = __atomic_add_fetch(&pool_gen, 1, __ATOMIC_ACQ_REL);
  /* tid 0 is the caller's. */
  __atomic_store_n(&pool_claim, ((unsigned long long)gen << 16) | 1, __ATOMIC_RELEASE);
  pthread_cond_broadcast(&pool_wake);
  pthread_mutex_unlock(&pool_mu);
  return team;
}

/* Waits until `*count` reaches `target` (pool_done is signalled then). */
static void pool_wait(int *count, int target) {
  for (int i = 0; i < POOL_SPIN && __atomic_load_n(count, __ATOMIC_ACQUIRE) != target; ++i)
    spin_step(i);
  pthread_mutex_lock(&pool_mu);
  while (__atomic_load_n(count, __ATOMIC_ACQUIRE) != target)
    pthread_cond_wait(&pool_done, &pool_mu);
  pool_busy = 0;
  pthread_mutex_unlock(&pool_mu);
}

static void pool_run(pool_task fn, void *ctx) {
  int team = pool_start(fn, ctx, 0);
  if (!team) {
    fn(ctx, 0, 1);
    return;
  }
  in_team = 1;
  fn(ctx, 0, team);
  in_team = 0;
  pool_wait(&pool_pending, 0);
}

/* run_any: the caller runs tid 0, then every tid no worker has claimed
 * yet, and waits only for the tids workers did claim. */
static void pool_run_any(pool_task fn, void *ctx) {
  int team = pool_start(fn, ctx, 1);
  if (!team) {
    fn(ctx, 0, 1);
    return;
  }
  unsigned long gen = __atomic_load_n(&pool_gen, __ATOMIC_ACQUIRE);
  in_team = 1;
  fn(ctx, 0, team);
  pool_run_claimed(gen, fn, ctx, team);
  in_team = 0;
  pool_wait(&pool_finished, team - 1);
}

/* A team's barrier: arrivals count up; the last one resets the count and
 * starts the next generation. Waiters poll first (the team's threads reach
 * a loop's end barrier within microseconds of each other), then sleep. */
static void pool_barrier(void) {
  unsigned long gen = __atomic_load_n(&bar_gen, __ATOMIC_ACQUIRE);
  if (__atomic_add_fetch(&bar_count, 1, __ATOMIC_ACQ_REL) == pool_team) {
    __atomic_store_n(&bar_count, 0, __ATOMIC_RELAXED);
    pthread_mutex_lock(&bar_mu);
    __atomic_add_fetch(&bar_gen, 1, __ATOMIC_ACQ_REL);
    pthread_cond_broadcast(&bar_cv);
    pthread_mutex_unlock(&bar_mu);
    return;
  }
  for (int i = 0; i < POOL_SPIN && __atomic_load_n(&bar_gen, __ATOMIC_ACQUIRE) == gen; ++i)
    spin_step(i);
  if (__atomic_load_n(&bar_gen, __ATOMIC_ACQUIRE) != gen)
    return;
  pthread_mutex_lock(&bar_mu);
  while (__atomic_load_n(&bar_gen, __ATOMIC_ACQUIRE) == gen)
    pthread_cond_wait(&bar_cv, &bar_mu);
  pthread_mutex_unlock(&bar_mu);
}

/* Parked workers end with the runtime (process exit or unload). */
__attribute__((destructor)) static void pool_shutdown(void) {
  pthread_mutex_lock(&pool_mu);
  __atomic_store_n(&pool_stop, 1, __ATOMIC_RELEASE);
  pthread_cond_broadcast(&pool_wake);
  pthread_mutex_unlock(&pool_mu);
  for (int i = 0; i < pool_workers; ++i)
    pthread_join(pool_ids[i], NULL);
}

static const whittle_parallel pool = {pool_run, pool_barrier, pool_run_any};

static _Thread_local char last_error[512];

static whittle_status fail(whittle_status status, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vsnprintf(last_error, sizeof last_error, fmt, args);
  va_end(args);
  return status;
}

const char *whittle_last_error(void) { return last_error; }

size_t whittle_dtype_size(int32_t dtype) {
  switch (dtype) {
  case WHITTLE_FLOAT32: case WHITTLE_INT32: case WHITTLE_UINT32: return 4;
  case WHITTLE_FLOAT64: case WHITTLE_INT64: case WHITTLE_UINT64: return 8;
  case WHITTLE_STRING: return sizeof(char *);
  case WHITTLE_FLOAT16: case WHITTLE_BFLOAT16:
  case WHITTLE_INT16: case WHITTLE_UINT16: return 2;
  case WHITTLE_INT8: case WHITTLE_UINT8: case WHITTLE_BOOL: return 1;
  default: return 0;
  }
}

whittle_status whittle_model_load(const char *path, whittle_model **model) {
  if (!path || !model)
    return fail(WHITTLE_ERROR_NULL, "whittle_model_load: null argument");
  *model = NULL;
  /* dlopen searches the library path for a bare file name: a model named
   * without a directory that exists here is the file in this directory. */
  char local[4096];
  const char *open_path = path;
  if (!strchr(path, '/') && strlen(path) + 3 < sizeof local && access(path, F_OK) == 0) {
    snprintf(local, sizeof local, "./%s", path);
    open_path = local;
  }
  /* dlopen maps the file as it declares itself: a truncated or forged
   * one faults inside it. Check the file first, unless the name is one
   * dlopen looks up in the system's library path (no such file here). */
  char why[sizeof last_error];
  int searched = open_path == path && !strchr(path, '/');
  if (!searched && wr_check_library_file(open_path, why, sizeof why))
    return fail(WHITTLE_ERROR_LOAD, "cannot load '%s': %s", path, why);
  void *handle = dlopen(open_path, RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return fail(WHITTLE_ERROR_LOAD, "cannot load '%s': %s", path, dlerror());
  typedef const whittle_model_info *(*info_fn)(void);
  info_fn info = (info_fn)dlsym(handle, "whittle_model_describe");
  if (!info) {
    dlclose(handle);
    return fail(WHITTLE_ERROR_NOT_A_MODEL,
                "'%s' is not a Whittle model (no whittle_model_describe)", path);
  }
  const whittle_model_info *i = info();
  if (!i || i->abi_version != WHITTLE_ABI_VERSION) {
    /* Read before dlclose: the description lives in the library. */
    int version = i ? i->abi_version : -1;
    dlclose(handle);
    return fail(WHITTLE_ERROR_VERSION,
                "'%s' was built for runtime ABI %d, this runtime is %d: compile it "
                "again", path, version, WHITTLE_ABI_VERSION);
  }
  if (wr_check_model_info(i, why, sizeof why)) {
    dlclose(handle);
    return fail(WHITTLE_ERROR_NOT_A_MODEL, "'%s' describes itself wrongly: %s", path, why);
  }
  whittle_model *m = (whittle_model *)calloc(1, sizeof *m);
  if (!m) {
    dlclose(handle);
    return fail(WHITTLE_ERROR_LOAD, "out of memory");
  }
  m->handle = handle;
  m->info = i;
  if (i->set_parallel)
    i->set_parallel(&pool);
  *model = m;
  return WHITTLE_OK;
}

void whittle_model_free(whittle_model *model) {
  if (!model)
    return;
  dlclose(model->handle);
  free(model);
}

int whittle_model_num_inputs(const whittle_model *m) {
  return m ? m->info->num_inputs : 0;
}
int whittle_model_num_outputs(const whittle_model *m) {
  return m ? m->info->num_outputs : 0;
}
const char *whittle_model_target(const whittle_model *m) {
  return m ? m->info->target : NULL;
}

const whittle_tensor_info *whittle_model_input(const whittle_model *m, int i) {
  if (!m || i < 0 || i >= m->info->num_inputs) {
    fail(WHITTLE_ERROR_INDEX, "input index %d out of range", i);
    return NULL;
  }
  return &m->info->inputs[i];
}

const whittle_tensor_info *whittle_model_output(const whittle_model *m, int i) {
  if (!m || i < 0 || i >= m->info->num_outputs) {
    fail(WHITTLE_ERROR_INDEX, "output index %d out of range", i);
    return NULL;
  }
  return &m->info->outputs[i];
}

/* Checks caller-given dims of tensor `t`: none negative, the size
 * representable; *bytes (when asked) is the buffer size they need. */
static whittle_status check_dims(const char *kind, int i, const whittle_tensor_info *t,
                                 const int64_t *dims, size_t *bytes) {
  int bad = 0;
  int rc = wr_tensor_size(t->rank, dims, whittle_dtype_size(t->dtype), NULL, bytes, &bad);
  if (rc == 0 && wr_empty_tensor_too_wide(t->rank, dims, whittle_dtype_size(t->dtype)))
    rc = 3;
  switch (rc) {
  case 1:
    return fail(WHITTLE_ERROR_SHAPE,
                "%s %d ('%s'): dimension %d is %lld, the model wants a size >= 0", kind, i,
                t->name, bad, (long long)dims[bad]);
  case 2:
    return fail(WHITTLE_ERROR_SHAPE,
                "%s %d ('%s'): its dims hold more than %llu bytes", kind, i, t->name,
                (unsigned long long)WHITTLE_MAX_TENSOR_BYTES);
  case 3:
    return fail(WHITTLE_ERROR_SHAPE,
                "%s %d ('%s'): an empty tensor whose other dims span more than this "
                "machine's memory (the code would loop over them)", kind, i, t->name);
  default:
    return WHITTLE_OK;
  }
}

whittle_status whittle_model_check_input(const whittle_model *m, int i,
                                         int32_t dtype, int32_t rank,
                                         const int64_t *dims) {
  const whittle_tensor_info *t = whittle_model_input(m, i);
  if (!t)
    return WHITTLE_ERROR_INDEX;
  if (dtype != t->dtype)
    return fail(WHITTLE_ERROR_DTYPE, "input %d ('%s'): element type %d, the model wants %d",
                i, t->name, dtype, t->dtype);
  if (rank != t->rank)
    return fail(WHITTLE_ERROR_SHAPE, "input %d ('%s'): rank %d, the model wants %d", i,
                t->name, rank, t->rank);
  if (rank && !dims)
    return fail(WHITTLE_ERROR_NULL, "input %d: null dims", i);
  for (int d = 0; d < rank; ++d)
    if (t->dims[d] >= 0 && dims[d] != t->dims[d])
      return fail(WHITTLE_ERROR_SHAPE,
                  "input %d ('%s'): dimension %d is %lld, the model wants %lld", i,
                  t->name, d, (long long)dims[d], (long long)t->dims[d]);
  return check_dims("input", i, t, dims, NULL);
}

whittle_status whittle_model_set_threads(whittle_model *m, int threads) {
  if (!m)
    return fail(WHITTLE_ERROR_NULL, "whittle_model_set_threads: null model");
  m->threads = threads > 0 ? threads : 0;
  return WHITTLE_OK;
}

whittle_status whittle_model_run(whittle_model *m, int num_inputs,
                                 const void *const *inputs, int num_outputs,
                                 void *const *outputs) {
  if (!m)
    return fail(WHITTLE_ERROR_NULL, "whittle_model_run: null model");
  if (num_inputs != m->info->num_inputs || num_outputs != m->info->num_outputs)
    return fail(WHITTLE_ERROR_COUNT,
                "whittle_model_run: %d inputs and %d outputs given, the model has "
                "%d and %d",
                num_inputs, num_outputs, m->info->num_inputs, m->info->num_outputs);
  if ((num_inputs && !inputs) || (num_outputs && !outputs))
    return fail(WHITTLE_ERROR_NULL, "whittle_model_run: null buffer array");
  for (int i = 0; i < num_inputs; ++i)
    if (!inputs[i])
      return fail(WHITTLE_ERROR_NULL, "input %d ('%s') is a null buffer", i,
                  m->info->inputs[i].name);
  for (int i = 0; i < num_outputs; ++i)
    if (!outputs[i])
      return fail(WHITTLE_ERROR_NULL, "output %d ('%s') is a null buffer", i,
                  m->info->outputs[i].name);
  if (m->info->run_shaped)
    return fail(WHITTLE_ERROR_SHAPE,
                "whittle_model_run: the model has dynamic dims; run it with "
                "whittle_model_run_shaped");
  /* The model never writes its inputs (they are read-only to its code). */
  int saved = run_threads;
  run_threads = m->threads;
  int rc = m->info->run((void *const *)(uintptr_t)inputs, outputs);
  run_threads = saved;
  if (rc != 0) {
    const char *why = m->info->error ? m->info->error() : NULL;
    return fail(WHITTLE_ERROR_RUN, "the model failed: %s", why ? why : "no reason given");
  }
  return WHITTLE_OK;
}

int whittle_model_is_dynamic(const whittle_model *m) {
  return m && m->info->run_shaped != NULL;
}

whittle_status whittle_model_run_shaped(whittle_model *m, int num_inputs,
                                        const whittle_tensor *inputs, int num_outputs,
                                        whittle_tensor *outputs) {
  if (!m)
    return fail(WHITTLE_ERROR_NULL, "whittle_model_run_shaped: null model");
  const whittle_model_info *info = m->info;
  if (num_inputs != info->num_inputs || num_outputs != info->num_outputs)
    return fail(WHITTLE_ERROR_COUNT,
                "whittle_model_run_shaped: %d inputs and %d outputs given, the model "
                "has %d and %d",
                num_inputs, num_outputs, info->num_inputs, info->num_outputs);
  if ((num_inputs && !inputs) || (num_outputs && !outputs))
    return fail(WHITTLE_ERROR_NULL, "whittle_model_run_shaped: null tensor array");
  for (int i = 0; i < num_inputs; ++i) {
    const whittle_tensor_info *t = &info->inputs[i];
    if (!inputs[i].data)
      return fail(WHITTLE_ERROR_NULL, "input %d ('%s') is a null buffer", i, t->name);
    for (int d = 0; d < t->rank; ++d)
      if (inputs[i].dims[d] < 0 || (t->dims[d] >= 0 && inputs[i].dims[d] != t->dims[d]))
        return fail(WHITTLE_ERROR_SHAPE,
                    "input %d ('%s'): dimension %d is %lld, the model wants %s%lld", i,
                    t->name, d, (long long)inputs[i].dims[d],
                    t->dims[d] >= 0 ? "" : "a size >= ",
                    (long long)(t->dims[d] >= 0 ? t->dims[d] : 0));
    size_t need = 0;
    whittle_status st = check_dims("input", i, t, inputs[i].dims, &need);
    if (st != WHITTLE_OK)
      return st;
    if (inputs[i].bytes && inputs[i].bytes < need)
      return fail(WHITTLE_ERROR_SHAPE, "input %d ('%s') needs %zu bytes, the buffer has %zu",
                  i, t->name, need, inputs[i].bytes);
  }
  int saved = run_threads;
  if (!info->run_shaped) {
    /* A static model: the dims are the declared ones; outputs the caller
     * left NULL are allocated here. */
    void *in[64], *out[64];
    if (num_inputs > 64 || num_outputs > 64)
      return fail(WHITTLE_ERROR_COUNT, "whittle_model_run_shaped: over 64 tensors");
    for (int i = 0; i < num_inputs; ++i)
      in[i] = inputs[i].data;
    for (int i = 0; i < num_outputs; ++i) {
      const whittle_tensor_info *t = &info->outputs[i];
      size_t bytes = (size_t)t->num_elements * whittle_dtype_size(t->dtype);
      memcpy(outputs[i].dims, t->dims, sizeof t->dims);
      if (outputs[i].data && outputs[i].bytes < bytes)
        return fail(WHITTLE_ERROR_SHAPE, "output %d ('%s') needs %zu bytes, the buffer has %zu",
                    i, t->name, bytes, outputs[i].bytes);
      out[i] = outputs[i].data;
    }
    for (int i = 0; i < num_outputs; ++i)
      if (!out[i]) {
        const whittle_tensor_info *t = &info->outputs[i];
        size_t bytes = (size_t)t->num_elements * whittle_dtype_size(t->dtype);
        out[i] = malloc(bytes ? bytes : 1);
        if (!out[i]) {
          for (int k = 0; k < i; ++k)
            if (!outputs[k].data)
              free(out[k]);
          return fail(WHITTLE_ERROR_RUN, "out of memory for output %d", i);
        }
      }
    run_threads = m->threads;
    int rc = info->run(in, out);
    run_threads = saved;
    for (int i = 0; i < num_outputs; ++i)
      if (!outputs[i].data) {
        if (rc == 0) {
          outputs[i].data = out[i];
          outputs[i].bytes = (size_t)info->outputs[i].num_elements *
                             whittle_dtype_size(info->outputs[i].dtype);
        } else {
          free(out[i]);
        }
      }
    if (rc != 0) {
      const char *why = info->error ? info->error() : NULL;
      return fail(WHITTLE_ERROR_RUN, "the model failed: %s", why ? why : "no reason given");
    }
    return WHITTLE_OK;
  }
  void **in = (void **)malloc(sizeof(void *) * (num_inputs + 1));
  int64_t *in_dims = (int64_t *)malloc(sizeof(int64_t) * WHITTLE_MAX_RANK * (num_inputs + 1));
  void **out = (void **)malloc(sizeof(void *) * (num_outputs + 1));
  int64_t *out_dims = (int64_t *)calloc((size_t)(num_outputs + 1) * WHITTLE_MAX_RANK,
                                        sizeof(int64_t));
  size_t *out_bytes = (size_t *)malloc(sizeof(size_t) * (num_outputs + 1));
  whittle_status status = WHITTLE_OK;
  if (!in || !in_dims || !out || !out_dims || !out_bytes) {
    status = fail(WHITTLE_ERROR_RUN, "out of memory");
    goto done;
  }
  for (int i = 0; i < num_inputs; ++i) {
    in[i] = inputs[i].data;
    memcpy(in_dims + (size_t)i * WHITTLE_MAX_RANK, inputs[i].dims, sizeof inputs[i].dims);
  }
  for (int i = 0; i < num_outputs; ++i) {
    out[i] = outputs[i].data;
    out_bytes[i] = outputs[i].data ? outputs[i].bytes : 0;
  }
  run_threads = m->threads;
  int rc = info->run_shaped(in, in_dims, out, out_dims, out_bytes);
  run_threads = saved;
  for (int i = 0; i < num_outputs; ++i) {
    const whittle_tensor_info *t = &info->outputs[i];
    memcpy(outputs[i].dims, out_dims + (size_t)i * WHITTLE_MAX_RANK, sizeof outputs[i].dims);
    if (rc == 0 && !outputs[i].data) {
      /* The run sized and allocated this buffer from these dims. */
      size_t bytes = 0;
      wr_tensor_size(t->rank, outputs[i].dims, whittle_dtype_size(t->dtype), NULL, &bytes,
                     NULL);
      outputs[i].data = out[i];
      outputs[i].bytes = bytes;
    }
  }
  if (rc != 0) {
    const char *why = info->error ? info->error() : NULL;
    status = fail(rc == 2 ? WHITTLE_ERROR_SHAPE : WHITTLE_ERROR_RUN, "%s%s",
                  rc == 2 ? "" : "the model failed: ", why ? why : "no reason given");
  }
done:
  free(in);
  free(in_dims);
  free(out);
  free(out_dims);
  free(out_bytes);
  return status;
}
