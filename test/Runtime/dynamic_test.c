/*===- dynamic_test.c - runs of models with dynamic dims ------------------===*
 *
 *   dynamic_test DOUBLE.so ADD.so STATIC.so
 *     DOUBLE: y = x + x, x of dims [batch, 3, len]
 *     ADD:    y = a + b, a of [n], b of [m] (equal at run time, or an error)
 *     STATIC: any static model with one f32 input and one f32 output
 *
 * Prints one line per check; the lit test matches them.
 *===----------------------------------------------------------------------===*/

#include "whittle/runtime.h"
#include "check_util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Doubles a [b, 3, l] input of its own dims and checks every value. */
static int check_double(whittle_model *m, int64_t b, int64_t l) {
  int64_t n = b * 3 * l;
  float *x = malloc(sizeof(float) * (n ? n : 1));
  for (int64_t i = 0; i < n; ++i)
    x[i] = (float)(i % 17) - 4.0f;
  whittle_tensor in = tensor(x, b, 3, l), out = tensor(NULL, 0, 0, 0);
  int ok = whittle_model_run_shaped(m, 1, &in, 1, &out) == WHITTLE_OK && out.dims[0] == b &&
           out.dims[1] == 3 && out.dims[2] == l && out.data;
  for (int64_t i = 0; ok && i < n; ++i)
    ok = ((float *)out.data)[i] == 2 * x[i];
  free(out.data);
  free(x);
  return ok;
}

static void *run_sizes(void *p) {
  whittle_model *m = (whittle_model *)p;
  int ok = 1;
  for (int k = 0; k < 20 && ok; ++k)
    ok = check_double(m, 1 + k % 4, 1 + (k * 7) % 50);
  return ok ? p : NULL;
}

int main(int argc, char **argv) {
  if (argc != 4)
    return 2;
  whittle_model *m = NULL;
  report("load", whittle_model_load(argv[1], &m), WHITTLE_OK);
  if (!m)
    return 1;
  const whittle_tensor_info *in = whittle_model_input(m, 0);
  printf("dynamic: %d; input 0: %s dims %lld %lld %lld elements %lld\n",
         whittle_model_is_dynamic(m), in->name, (long long)in->dims[0],
         (long long)in->dims[1], (long long)in->dims[2], (long long)in->num_elements);

  float x[2 * 3 * 5], y[2 * 3 * 5];
  for (int i = 0; i < 30; ++i)
    x[i] = (float)i;
  const void *ins[1] = {x};
  void *outs[1] = {y};
  report("plain run", whittle_model_run(m, 1, ins, 1, outs), WHITTLE_ERROR_SHAPE);

  whittle_tensor t = tensor(x, 2, 3, 5), o = tensor(NULL, 0, 0, 0);
  report("shaped run", whittle_model_run_shaped(m, 1, &t, 1, &o), WHITTLE_OK);
  printf("output dims %lld %lld %lld, %zu bytes, y[29] = %g\n", (long long)o.dims[0],
         (long long)o.dims[1], (long long)o.dims[2], o.bytes, o.data ? ((float *)o.data)[29] : -1.0);
  free(o.data);

  /* The caller's buffer: big enough, then too small (dims still set). */
  o = tensor(y, 0, 0, 0);
  o.bytes = sizeof y;
  report("caller buffer", whittle_model_run_shaped(m, 1, &t, 1, &o), WHITTLE_OK);
  printf("caller buffer y[7] = %g\n", y[7]);
  whittle_tensor big = tensor(x, 1, 3, 12);
  o.bytes = sizeof y;
  report("small buffer", whittle_model_run_shaped(m, 1, &big, 1, &o), WHITTLE_ERROR_SHAPE);
  printf("small buffer dims %lld %lld %lld\n", (long long)o.dims[0], (long long)o.dims[1],
         (long long)o.dims[2]);

  whittle_tensor bad = tensor(x, 2, 4, 3);
  o = tensor(NULL, 0, 0, 0);
  report("static dim", whittle_model_run_shaped(m, 1, &bad, 1, &o), WHITTLE_ERROR_SHAPE);
  bad = tensor(x, -1, 3, 3);
  report("negative dim", whittle_model_run_shaped(m, 1, &bad, 1, &o), WHITTLE_ERROR_SHAPE);
  bad = tensor(NULL, 1, 3, 3);
  report("null input", whittle_model_run_shaped(m, 1, &bad, 1, &o), WHITTLE_ERROR_NULL);
  report("wrong count", whittle_model_run_shaped(m, 2, &t, 1, &o), WHITTLE_ERROR_COUNT);
  printf("empty batch: %s\n", check_double(m, 0, 4) ? "ok" : "WRONG");

  /* Runs of different sizes on two threads at once. */
  pthread_t ta, tb;
  void *ra, *rb;
  pthread_create(&ta, NULL, run_sizes, m);
  pthread_create(&tb, NULL, run_sizes, m);
  pthread_join(ta, &ra);
  pthread_join(tb, &rb);
  printf("concurrent sizes: %s\n", ra && rb ? "ok" : "WRONG");
  whittle_model_free(m);

  /* Sizes the code relies on being equal are checked as the run goes. */
  report("load add", whittle_model_load(argv[2], &m), WHITTLE_OK);
  if (!m)
    return 1;
  float a[4] = {1, 2, 3, 4}, b[4] = {10, 20, 30, 40};
  whittle_tensor ab[2] = {tensor(a, 3, 0, 0), tensor(b, 4, 0, 0)};
  o = tensor(NULL, 0, 0, 0);
  report("mismatch", whittle_model_run_shaped(m, 2, ab, 1, &o), WHITTLE_ERROR_RUN);
  printf("mismatch output: %s\n", o.data ? "WRONG" : "none");
  ab[1].dims[0] = 3;
  report("match", whittle_model_run_shaped(m, 2, ab, 1, &o), WHITTLE_OK);
  printf("sum %g %g %g\n", ((float *)o.data)[0], ((float *)o.data)[1], ((float *)o.data)[2]);
  free(o.data);
  whittle_model_free(m);

  /* A static model runs through the shaped call too. */
  report("load static", whittle_model_load(argv[3], &m), WHITTLE_OK);
  if (!m)
    return 1;
  const whittle_tensor_info *si = whittle_model_input(m, 0), *so = whittle_model_output(m, 0);
  float *sx = calloc(si->num_elements, sizeof(float)), *sy = calloc(so->num_elements, sizeof(float));
  for (int64_t i = 0; i < si->num_elements; ++i)
    sx[i] = (float)(i % 13) / 13.0f;
  const void *sins[1] = {sx};
  void *souts[1] = {sy};
  whittle_model_run(m, 1, sins, 1, souts);
  whittle_tensor st;
  memset(&st, 0, sizeof st);
  st.data = sx;
  memcpy(st.dims, si->dims, sizeof st.dims);
  o = tensor(NULL, 0, 0, 0);
  report("static shaped", whittle_model_run_shaped(m, 1, &st, 1, &o), WHITTLE_OK);
  printf("static agrees: %s, dynamic: %d\n",
         o.data && memcmp(o.data, sy, so->num_elements * sizeof(float)) == 0 ? "ok" : "WRONG",
         whittle_model_is_dynamic(m));
  free(o.data);
  free(sx), free(sy);
  whittle_model_free(m);
  return 0;
}
