/*===- whittle/runtime.h - C API of compiled Whittle models -------*- C -*-===*
 *
 * A model compiled by `whittle compile` is a shared library. This API
 * loads one, describes its inputs and outputs, and runs it on buffers the
 * caller owns. It has no dependency on MLIR or LLVM.
 *
 *   whittle_model *m;
 *   if (whittle_model_load("model.so", &m) != WHITTLE_OK)
 *     fprintf(stderr, "%s\n", whittle_last_error());
 *   const whittle_tensor_info *in = whittle_model_input(m, 0);
 *   ... allocate in->num_elements * whittle_dtype_size(in->dtype) bytes ...
 *   whittle_model_run(m, inputs, outputs);
 *   whittle_model_free(m);
 *
 * Concurrent runs of one model on different buffers are safe: the compiled
 * code keeps no state between runs.
 *===----------------------------------------------------------------------===*/

#ifndef WHITTLE_RUNTIME_H
#define WHITTLE_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum whittle_status {
  WHITTLE_OK = 0,
  WHITTLE_ERROR_LOAD = 1,         /* the library cannot be loaded */
  WHITTLE_ERROR_NOT_A_MODEL = 2,  /* it is not a Whittle model */
  WHITTLE_ERROR_NULL = 3,         /* a required pointer is null */
  WHITTLE_ERROR_COUNT = 4,        /* wrong number of buffers */
  WHITTLE_ERROR_SHAPE = 5,        /* a shape does not match the model */
  WHITTLE_ERROR_DTYPE = 6,        /* an element type does not match */
  WHITTLE_ERROR_INDEX = 7,        /* input/output index out of range */
  WHITTLE_ERROR_VERSION = 8,      /* built for another runtime ABI */
  WHITTLE_ERROR_RUN = 9           /* the model failed while running (its
                                     message says why, e.g. a data-dependent
                                     size differs from the declared one) */
} whittle_status;

/* Element types, numbered as ONNX's TensorProto.DataType. */
/* A WHITTLE_STRING element is a `char *` to a NUL-terminated UTF-8 string:
 * input strings stay the caller's; each output string is malloc'ed by the
 * run and the caller frees it with free(). */
typedef enum whittle_dtype {
  WHITTLE_FLOAT32 = 1, WHITTLE_UINT8 = 2, WHITTLE_INT8 = 3,
  WHITTLE_UINT16 = 4, WHITTLE_INT16 = 5, WHITTLE_INT32 = 6,
  WHITTLE_INT64 = 7, WHITTLE_STRING = 8, WHITTLE_BOOL = 9, WHITTLE_FLOAT16 = 10,
  WHITTLE_FLOAT64 = 11, WHITTLE_UINT32 = 12, WHITTLE_UINT64 = 13,
  WHITTLE_BFLOAT16 = 16
} whittle_dtype;

#define WHITTLE_MAX_RANK 8
#define WHITTLE_ABI_VERSION 4

typedef struct whittle_tensor_info {
  const char *name;
  int32_t dtype;                    /* a whittle_dtype */
  int32_t rank;
  int64_t dims[WHITTLE_MAX_RANK];   /* -1 for a dynamic dimension */
  int64_t num_elements;             /* -1 when a dim is dynamic */
} whittle_tensor_info;

/* The runtime's thread pool as a model sees it: the model's parallel loops
 * (OpenMP regions in its code) run through it. */
typedef struct whittle_parallel {
  /* Runs task(ctx, tid, team) on a team of threads (tid 0 on the caller)
   * and returns when every one is done. */
  void (*run)(void (*task)(void *ctx, int tid, int team), void *ctx);
  /* Waits for every thread of the calling thread's team. */
  void (*barrier)(void);
  /* Runs task(ctx, tid, team) once for every tid of a team: tid 0 on the
   * caller, each other tid on whichever thread claims it first (the
   * caller, once done with its own, claims those no worker has started),
   * and returns when every one is done. For tasks that never wait for
   * each other (no barrier): a worker the system has not scheduled then
   * costs the caller nothing. */
  void (*run_any)(void (*task)(void *ctx, int tid, int team), void *ctx);
} whittle_parallel;

/* What a compiled model exports: whittle_model_describe() returns it. */
typedef struct whittle_model_info {
  int32_t abi_version;              /* WHITTLE_ABI_VERSION */
  const char *target;               /* e.g. "x86-avx512" */
  int32_t num_inputs, num_outputs;
  const whittle_tensor_info *inputs, *outputs;
  /* Runs on contiguous row-major buffers; returns 0 on success. */
  int (*run)(void *const *inputs, void *const *outputs);
  /* After a failed run on this thread: why. */
  const char *(*error)(void);
  /* Hands the model the pool its parallel loops use (without one, they
   * run on the caller's thread). */
  void (*set_parallel)(const whittle_parallel *pool);
  /* Models with dynamic dims (NULL for static ones): runs on inputs of the
   * dims in in_dims (WHITTLE_MAX_RANK entries per input); writes each
   * output's dims to out_dims (the same layout). out[i] of out_bytes[i]
   * bytes receives output i, or, when NULL, is set to a buffer the run
   * malloc'ed. Returns 0 on success. */
  int (*run_shaped)(void *const *in, const int64_t *in_dims, void **out,
                    int64_t *out_dims, const size_t *out_bytes);
} whittle_model_info;

typedef struct whittle_model whittle_model;

/* Loads a compiled model. The file is checked before it is mapped (a
 * complete ELF shared library for this machine: WHITTLE_ERROR_LOAD
 * otherwise), and its self-description before it is used (counts, ranks,
 * dtypes and dims consistent: WHITTLE_ERROR_NOT_A_MODEL otherwise). Loading
 * runs the library's initializers: load only files you would execute. */
whittle_status whittle_model_load(const char *path, whittle_model **model);
void whittle_model_free(whittle_model *model);

int whittle_model_num_inputs(const whittle_model *model);
int whittle_model_num_outputs(const whittle_model *model);
/* NULL (and WHITTLE_ERROR_INDEX in whittle_last_error) when out of range. */
const whittle_tensor_info *whittle_model_input(const whittle_model *model, int i);
const whittle_tensor_info *whittle_model_output(const whittle_model *model, int i);
const char *whittle_model_target(const whittle_model *model);

/* Runs a static model. `inputs` and `outputs` hold num_inputs /
 * num_outputs pointers to contiguous buffers of the described shapes and
 * types. (A model with dynamic dims answers WHITTLE_ERROR_SHAPE: run it
 * with whittle_model_run_shaped.) */
whittle_status whittle_model_run(whittle_model *model, int num_inputs,
                                 const void *const *inputs, int num_outputs,
                                 void *const *outputs);

/* A buffer with its dims, for whittle_model_run_shaped. */
typedef struct whittle_tensor {
  void *data;
  int64_t dims[WHITTLE_MAX_RANK]; /* inputs: given; outputs: set by the run */
  size_t bytes;                   /* outputs: the capacity of data; inputs:
                                     the size of data, checked against what
                                     the dims need (0: unchecked) */
} whittle_tensor;

/* Runs a model on inputs of any dims its dynamic dimensions allow (a model
 * compiled without --input-shape keeps ONNX's dynamic dims), and static
 * models too. Each input's data and dims are the caller's. For each output,
 * data either points to `bytes` bytes, which must hold the result
 * (WHITTLE_ERROR_SHAPE otherwise, with dims set to what it needs), or is
 * NULL: the run sets it to a buffer it malloc'ed, which the caller frees
 * with free(). dims is set to the output's dims either way. Input dims are
 * checked first: none negative, the tensor's size representable, and
 * within the input's `bytes` when given (WHITTLE_ERROR_SHAPE). Sizes the
 * model's code relies on being equal (the two operands of an Add, say) are
 * checked as the run reaches them: a mismatch fails the run with
 * WHITTLE_ERROR_RUN and a message naming the op. */
whittle_status whittle_model_run_shaped(whittle_model *model, int num_inputs,
                                        const whittle_tensor *inputs, int num_outputs,
                                        whittle_tensor *outputs);

/* Whether any input or output of the model has a dynamic dim: such a model
 * runs through whittle_model_run_shaped only. */
int whittle_model_is_dynamic(const whittle_model *model);

/* Threads this handle's runs use from now on; 0 or less means every core,
 * the default. The runtime keeps one pool per process for every model; one
 * parallel loop at a time uses it: a run reaching a parallel loop while
 * another run's loop holds the pool runs it on its own thread. */
whittle_status whittle_model_set_threads(whittle_model *model, int threads);

/* Checks a caller's view of input i (dtype and dims) against the model. */
whittle_status whittle_model_check_input(const whittle_model *model, int i,
                                         int32_t dtype, int32_t rank,
                                         const int64_t *dims);

size_t whittle_dtype_size(int32_t dtype);

/* The message of the last error on this thread. */
const char *whittle_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* WHITTLE_RUNTIME_H */
