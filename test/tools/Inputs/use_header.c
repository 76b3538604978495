/* Uses a generated model header: buffers sized by its constants, the
 * model run through the C runtime. Built against conv_relu (3 -> 4
 * channels, 3x3, weights 0.5, bias 0..3, padding 1) on an all-ones input. */
#include "whittle/runtime.h"
#include MODEL_HEADER

#include <stdio.h>

static float in[CONV_INPUT_0_NUM_ELEMENTS], out[CONV_OUTPUT_0_NUM_ELEMENTS];

int main(int argc, char **argv) {
  whittle_model *m = NULL;
  if (argc < 2 || whittle_model_load(argv[1], &m) != WHITTLE_OK) {
    printf("load failed: %s\n", whittle_last_error());
    return 1;
  }
  for (int i = 0; i < CONV_INPUT_0_NUM_ELEMENTS; ++i)
    in[i] = 1.0f;
  const void *ins[CONV_NUM_INPUTS] = {in};
  void *outs[CONV_NUM_OUTPUTS] = {out};
  if (whittle_model_run(m, CONV_NUM_INPUTS, ins, CONV_NUM_OUTPUTS, outs) != WHITTLE_OK) {
    printf("run failed: %s\n", whittle_last_error());
    return 1;
  }
  /* Corner of channel 0: 3 channels x 4 taps x 0.5; centre: 3 x 9 x 0.5 + bias 1. */
  int hw = CONV_OUTPUT_0_DIM_2 * CONV_OUTPUT_0_DIM_3;
  printf("%s -> %s: %d elements, corner %.2f, centre of channel 1 %.2f\n", CONV_INPUT_0_NAME,
         CONV_OUTPUT_0_NAME, CONV_OUTPUT_0_NUM_ELEMENTS, out[0],
         out[hw + 3 * CONV_OUTPUT_0_DIM_3 + 3]);
  whittle_model_free(m);
  return 0;
}
