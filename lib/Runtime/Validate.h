/*===- Validate.h - what the runtime checks before trusting -------*- C -*-===*
 *
 * Internal to the runtime library. A compiled model is a file from
 * somewhere, its description is data inside that file, and a caller's
 * tensor is whatever the caller passed: each is checked here before the
 * runtime relies on it. Every check fills a message and returns nonzero.
 *===----------------------------------------------------------------------===*/

#ifndef WHITTLE_RUNTIME_VALIDATE_H
#define WHITTLE_RUNTIME_VALIDATE_H

#include "whittle/runtime.h"

#include <stddef.h>
#include <stdint.h>

/* The largest tensor the runtime accepts, in bytes: what a pointer
 * difference can hold. */
#define WHITTLE_MAX_TENSOR_BYTES ((uint64_t)PTRDIFF_MAX)

/* Element count and byte size of a tensor of `rank` dims of `elem_bytes`
 * bytes each. 0 when both fit WHITTLE_MAX_TENSOR_BYTES (the product of the
 * nonzero dims too, so no stride of it overflows); 1 with *bad_dim set when
 * a dim is negative; 2 when the sizes overflow. */
int wr_tensor_size(int32_t rank, const int64_t *dims, size_t elem_bytes,
                   int64_t *elements, size_t *bytes, int *bad_dim);

/* Whether a tensor with a zero dim has nonzero dims whose extent (as a
 * tensor with the zeros made ones) exceeds this machine's memory: no real
 * input is such a tensor, and generated loops over its outer dims would
 * run for years ([2^55, 3, 0] once hung a run). */
int wr_empty_tensor_too_wide(int32_t rank, const int64_t *dims, size_t elem_bytes);

/* Checks that `path` is a regular file holding a complete ELF shared
 * object for this machine: every segment and section it declares lies
 * inside the file (a truncated library would fault inside dlopen). The
 * message says why not, without the path. */
int wr_check_library_file(const char *path, char *why, size_t why_size);

/* Checks a model's self-description: counts, names, dtypes, ranks, dims
 * and element counts consistent, entry points present. */
int wr_check_model_info(const whittle_model_info *info, char *why, size_t why_size);

#endif /* WHITTLE_RUNTIME_VALIDATE_H */
