/* A library that claims to be a Whittle model with a forged description:
 * built with -DFORGE=N, each N one lie the runtime must catch at load.
 *   1 rank 99   2 negative dim   3 element count that disagrees
 *   4 -1 inputs 5 no run entry  6 unknown dtype  7 dims that overflow
 *   8 dynamic dim without a shaped entry point */
#include "whittle/runtime.h"

#include <stddef.h>

static int run(void *const *in, void *const *out) { (void)in; (void)out; return 0; }

static whittle_tensor_info tensors[1] = {{"x", WHITTLE_FLOAT32, 1, {4}, 4}};
static whittle_model_info info = {WHITTLE_ABI_VERSION, "forged", 1, 1, tensors, tensors,
                                  run, NULL, NULL, NULL};

const whittle_model_info *whittle_model_describe(void) {
  switch (FORGE) {
  case 1: tensors[0].rank = 99; break;
  case 2: tensors[0].dims[0] = -7; break;
  case 3: tensors[0].num_elements = 5; break;
  case 4: info.num_inputs = -1; break;
  case 5: info.run = NULL; break;
  case 6: tensors[0].dtype = 77; break;
  case 7:
    tensors[0].rank = 3;
    tensors[0].dims[0] = tensors[0].dims[1] = tensors[0].dims[2] = (int64_t)1 << 30;
    break;
  case 8: tensors[0].dims[0] = -1, tensors[0].num_elements = -1; break;
  }
  return &info;
}
