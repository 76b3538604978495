/*===- hostile_test.c - the runtime on hostile files and tensors ----------===*
 *
 *   hostile_test LOAD FILE...          loads each FILE, prints the status
 *   hostile_test DYNAMIC.so            DOUBLE of dynamic_test.c: bad dims
 *
 * Each line says what was tried and the status and message that came
 * back; a crash or a wrong status fails the lit test.
 *===----------------------------------------------------------------------===*/

#include "whittle/runtime.h"
#include "check_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The model doubles x of dims [batch, 3, len]. */
static void bad_dims(whittle_model *m) {
  float x[12] = {0};
  whittle_tensor out = tensor(NULL, 0, 0, 0);
  /* 2^62 + 1 rows of 3 x 28: the byte count wraps around 64 bits. */
  whittle_tensor in = tensor(x, ((int64_t)1 << 62) + 1, 3, 28);
  report("overflowing dims", whittle_model_run_shaped(m, 1, &in, 1, &out),
         WHITTLE_ERROR_SHAPE);
  in = tensor(x, 1, 3, INT64_MAX);
  report("int64-max dim", whittle_model_run_shaped(m, 1, &in, 1, &out), WHITTLE_ERROR_SHAPE);
  in = tensor(x, 0, 3, INT64_MAX / 2);
  report("zero batch, huge len", whittle_model_run_shaped(m, 1, &in, 1, &out),
         WHITTLE_ERROR_SHAPE);
  /* Empty, but its other dims span terabytes: the code would loop over
   * them for years (found by fuzz-runtime). An empty batch is fine. */
  in = tensor(x, ((int64_t)1 << 54) + 1, 3, 0);
  report("empty but wide", whittle_model_run_shaped(m, 1, &in, 1, &out), WHITTLE_ERROR_SHAPE);
  in = tensor(x, 0, 3, 5);
  report("empty batch", whittle_model_run_shaped(m, 1, &in, 1, &out), WHITTLE_OK);
  free(out.data);
  out = tensor(NULL, 0, 0, 0);
  in = tensor(x, -2, 3, 2);
  report("negative dim", whittle_model_run_shaped(m, 1, &in, 1, &out), WHITTLE_ERROR_SHAPE);
  /* The caller says how big its buffer is: 12 floats, not 4 x 3 x 2. */
  in = tensor(x, 4, 3, 2);
  in.bytes = sizeof x;
  report("input buffer too small", whittle_model_run_shaped(m, 1, &in, 1, &out),
         WHITTLE_ERROR_SHAPE);
  in = tensor(x, 2, 3, 2);
  in.bytes = sizeof x;
  report("input buffer exact", whittle_model_run_shaped(m, 1, &in, 1, &out), WHITTLE_OK);
  free(out.data);
  int64_t dims[3] = {-1, 3, 4};
  report("check negative", whittle_model_check_input(m, 0, WHITTLE_FLOAT32, 3, dims),
         WHITTLE_ERROR_SHAPE);
  dims[0] = INT64_MAX, dims[2] = INT64_MAX;
  report("check overflow", whittle_model_check_input(m, 0, WHITTLE_FLOAT32, 3, dims),
         WHITTLE_ERROR_SHAPE);
}

int main(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[1], "LOAD")) {
    for (int i = 2; i < argc; ++i) {
      whittle_model *m = NULL;
      whittle_status s = whittle_model_load(argv[i], &m);
      /* Paths vary between machines: the message names the file FILE. */
      const char *msg = s == WHITTLE_OK ? "" : whittle_last_error();
      const char *at = strstr(msg, argv[i]);
      if (at)
        printf("load %d: status %d %.*sFILE%s\n", i - 1, (int)s, (int)(at - msg), msg,
               at + strlen(argv[i]));
      else
        printf("load %d: status %d %s\n", i - 1, (int)s, msg);
      whittle_model_free(m);
    }
    return 0;
  }
  if (argc != 2)
    return 2;
  whittle_model *m = NULL;
  report("load", whittle_model_load(argv[1], &m), WHITTLE_OK);
  if (!m)
    return 1;
  bad_dims(m);
  whittle_model_free(m);
  return 0;
}
