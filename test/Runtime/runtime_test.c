/*===- runtime_test.c - the C runtime's error handling and threading -----===*
 *
 *   runtime_test MODEL.so   (a model with one f32 input and one output)
 *
 * Prints one line per check; the lit test matches them.
 *===----------------------------------------------------------------------===*/

#include "whittle/runtime.h"
#include "check_util.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  whittle_model *m;
  float *in, *out;
  int status;
} job;

static void *run_job(void *p) {
  job *j = (job *)p;
  const void *ins[1] = {j->in};
  void *outs[1] = {j->out};
  for (int k = 0; k < 20 && j->status == WHITTLE_OK; ++k)
    j->status = whittle_model_run(j->m, 1, ins, 1, outs);
  return NULL;
}

/* Spins until *stop: other work on a core. */
static void *busy(void *p) {
  volatile unsigned long n = 0;
  while (!__atomic_load_n((int *)p, __ATOMIC_ACQUIRE))
    ++n;
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 2)
    return 2;
  whittle_model *m = NULL;
  report("missing file", whittle_model_load("/nonexistent/model.so", &m), WHITTLE_ERROR_LOAD);
  report("not a model", whittle_model_load("libm.so.6", &m), WHITTLE_ERROR_NOT_A_MODEL);
  report("null path", whittle_model_load(NULL, &m), WHITTLE_ERROR_NULL);
  report("load", whittle_model_load(argv[1], &m), WHITTLE_OK);
  if (!m)
    return 1;

  const whittle_tensor_info *in = whittle_model_input(m, 0);
  const whittle_tensor_info *out = whittle_model_output(m, 0);
  printf("input 0: %s dtype %d rank %d elements %lld\n", in->name, in->dtype, in->rank,
         (long long)in->num_elements);
  printf("index 5: %s\n", whittle_model_input(m, 5) ? "WRONG" : whittle_last_error());

  float *x = calloc(in->num_elements, sizeof(float));
  float *y1 = calloc(out->num_elements, sizeof(float));
  float *y2 = calloc(out->num_elements, sizeof(float));
  for (int64_t i = 0; i < in->num_elements; ++i)
    x[i] = (float)((i * 37) % 101) / 101.0f;
  const void *ins[1] = {x};
  void *outs[1] = {y1};
  void *nullOut[1] = {NULL};

  report("wrong count", whittle_model_run(m, 2, ins, 1, outs), WHITTLE_ERROR_COUNT);
  report("null output", whittle_model_run(m, 1, ins, 1, nullOut), WHITTLE_ERROR_NULL);
  report("null array", whittle_model_run(m, 1, NULL, 1, outs), WHITTLE_ERROR_NULL);
  int64_t dims[8];
  memcpy(dims, in->dims, sizeof dims);
  report("wrong dtype", whittle_model_check_input(m, 0, WHITTLE_INT64, in->rank, dims),
         WHITTLE_ERROR_DTYPE);
  report("wrong rank", whittle_model_check_input(m, 0, in->dtype, in->rank - 1, dims),
         WHITTLE_ERROR_SHAPE);
  dims[in->rank - 1] += 1;
  report("wrong dim", whittle_model_check_input(m, 0, in->dtype, in->rank, dims),
         WHITTLE_ERROR_SHAPE);
  report("run", whittle_model_run(m, 1, ins, 1, outs), WHITTLE_OK);

  /* Two threads, one model, separate buffers: both must match the serial run. */
  job a = {m, x, calloc(out->num_elements, sizeof(float)), WHITTLE_OK};
  job b = {m, x, y2, WHITTLE_OK};
  pthread_t ta, tb;
  pthread_create(&ta, NULL, run_job, &a);
  pthread_create(&tb, NULL, run_job, &b);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  int same = a.status == WHITTLE_OK && b.status == WHITTLE_OK &&
             memcmp(a.out, y1, out->num_elements * sizeof(float)) == 0 &&
             memcmp(b.out, y1, out->num_elements * sizeof(float)) == 0;
  printf("concurrent runs: %s\n", same ? "ok" : "WRONG");

  /* The thread count changes the split, never the numbers: every element is
   * computed by one thread in the same order. More threads than cores, and
   * concurrent runs sharing the pool, too. */
  report("null threads", whittle_model_set_threads(NULL, 2), WHITTLE_ERROR_NULL);
  report("threads 1", whittle_model_set_threads(m, 1), WHITTLE_OK);
  whittle_model_run(m, 1, ins, 1, outs);
  float *serial = malloc(out->num_elements * sizeof(float));
  memcpy(serial, y1, out->num_elements * sizeof(float));
  report("threads 3", whittle_model_set_threads(m, 3), WHITTLE_OK);
  memset(y1, 0, out->num_elements * sizeof(float));
  report("threaded run", whittle_model_run(m, 1, ins, 1, outs), WHITTLE_OK);
  int equal = memcmp(y1, serial, out->num_elements * sizeof(float)) == 0;
  job c = {m, x, calloc(out->num_elements, sizeof(float)), WHITTLE_OK};
  job d = {m, x, calloc(out->num_elements, sizeof(float)), WHITTLE_OK};
  pthread_create(&ta, NULL, run_job, &c);
  pthread_create(&tb, NULL, run_job, &d);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  equal &= c.status == WHITTLE_OK && d.status == WHITTLE_OK &&
           memcmp(c.out, serial, out->num_elements * sizeof(float)) == 0 &&
           memcmp(d.out, serial, out->num_elements * sizeof(float)) == 0;
  printf("threads agree: %s\n", equal ? "ok" : "WRONG");

  /* Every core busy with other work: the pool's workers then often start
   * late, and the caller runs their shares of a loop itself (run_any);
   * the numbers stay the same. */
  int stop = 0;
  pthread_t spin[2];
  for (int i = 0; i < 2; ++i)
    pthread_create(&spin[i], NULL, busy, &stop);
  report("threads 2", whittle_model_set_threads(m, 2), WHITTLE_OK);
  int busyEqual = 1;
  for (int k = 0; k < 50; ++k) {
    memset(y1, 0, out->num_elements * sizeof(float));
    busyEqual &= whittle_model_run(m, 1, ins, 1, outs) == WHITTLE_OK &&
                 memcmp(y1, serial, out->num_elements * sizeof(float)) == 0;
  }
  __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
  for (int i = 0; i < 2; ++i)
    pthread_join(spin[i], NULL);
  printf("busy cores agree: %s\n", busyEqual ? "ok" : "WRONG");
  whittle_model_set_threads(m, 0);
  free(serial), free(c.out), free(d.out);
  whittle_model_free(m);
  free(x), free(y1), free(y2), free(a.out);
  return 0;
}
