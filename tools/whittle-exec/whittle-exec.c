/*===- whittle-exec.c - run a compiled model on raw files -----------------===*
 *
 * The part of `whittle run` / `whittle bench` that must execute on the
 * model's own CPU. Built for every CPU the build can cross-compile to, it
 * runs under an emulator (qemu-aarch64) when the model is foreign to the
 * host; the host-side tool reads and compares ONNX tensors and talks to it
 * through raw files:
 *
 *   whittle-exec describe MODEL.so
 *       one line per tensor: "input|output DTYPE RANK D0 .. NUMEL NAME",
 *       after a first line "target NAME"
 *   whittle-exec run MODEL.so DIR [WARMUP ITERS [THREADS]]
 *       reads DIR/in_N.bin (and the run's dims from DIR/in_N.dims, text,
 *       when the model has dynamic ones), runs, writes DIR/out_N.bin and
 *       DIR/out_N.dims; with ITERS > 0,
 *       times ITERS runs after WARMUP untimed ones and prints one
 *       "ms VALUE" line per timed run; THREADS (0: every core) sets the
 *       model's thread count. A string tensor's file holds each
 *       element's bytes followed by a NUL.
 *
 * Errors are one line on stderr and exit status 1. It uses only the C
 * runtime, no MLIR or LLVM.
 *
 *===----------------------------------------------------------------------===*/

#define _POSIX_C_SOURCE 200809L
#include "whittle/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int fail(const char *what, const char *detail) {
  fprintf(stderr, "whittle-exec: %s%s%s\n", what, detail ? ": " : "",
          detail ? detail : "");
  return 1;
}

static void print_info(const char *kind, const whittle_tensor_info *t) {
  printf("%s %d %d", kind, t->dtype, t->rank);
  for (int d = 0; d < t->rank; ++d)
    printf(" %lld", (long long)t->dims[d]);
  printf(" %lld %s\n", (long long)t->num_elements, t->name);
}

static char *path_of(const char *dir, const char *stem, int i, const char *ext) {
  size_t n = strlen(dir) + strlen(stem) + 40;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s/%s_%d.%s", dir, stem, i, ext);
  return p;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int64_t count_of(int rank, const int64_t *dims) {
  int64_t n = 1;
  for (int d = 0; d < rank; ++d)
    n *= dims[d];
  return n;
}

/* String outputs of a run are the caller's to free. */
static void free_strings(whittle_model *m, whittle_tensor *out) {
  for (int i = 0; i < whittle_model_num_outputs(m); ++i) {
    const whittle_tensor_info *t = whittle_model_output(m, i);
    if (t->dtype != WHITTLE_STRING || !out[i].data)
      continue;
    char **ptrs = out[i].data;
    for (int64_t k = 0; k < count_of(t->rank, out[i].dims); ++k) {
      free(ptrs[k]);
      ptrs[k] = NULL;
    }
  }
}

/* Runs through whittle_model_run_shaped, which takes static models too:
 * each input's dims come from DIR/in_N.dims when it exists (models with
 * dynamic dims), else from the model's table; each output's dims go to
 * DIR/out_N.dims. */
static int run(whittle_model *m, const char *dir, int warmup, int iters) {
  int nin = whittle_model_num_inputs(m), nout = whittle_model_num_outputs(m);
  whittle_tensor *in = calloc(nin + 1, sizeof *in), *out = calloc(nout + 1, sizeof *out);
  if (!in || !out)
    return fail("out of memory", NULL);
  for (int i = 0; i < nin; ++i) {
    const whittle_tensor_info *t = whittle_model_input(m, i);
    memcpy(in[i].dims, t->dims, sizeof in[i].dims);
    char *dpath = path_of(dir, "in", i, "dims");
    FILE *df = dpath ? fopen(dpath, "r") : NULL;
    if (df) {
      for (int d = 0; d < t->rank; ++d) {
        long long v = 0;
        if (fscanf(df, "%lld", &v) != 1)
          return fail("bad dims file", dpath);
        in[i].dims[d] = v;
      }
      fclose(df);
    }
    free(dpath);
    int64_t count = count_of(t->rank, in[i].dims);
    if (count < 0)
      return fail("an input has a dynamic dim and no dims file", t->name);
    size_t bytes = (size_t)count * whittle_dtype_size(t->dtype);
    char *path = path_of(dir, "in", i, "bin");
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f)
      return fail("cannot read", path);
    in[i].data = calloc(1, bytes ? bytes : 1);
    if (!in[i].data)
      return fail("out of memory", NULL);
    if (t->dtype == WHITTLE_STRING) {
      /* The whole file, then one pointer per NUL-terminated element. */
      fseek(f, 0, SEEK_END);
      long size = ftell(f);
      fseek(f, 0, SEEK_SET);
      char *text = malloc(size + 1), **ptrs = in[i].data;
      if (!text || fread(text, 1, size, f) != (size_t)size)
        return fail("cannot read", path);
      text[size] = 0;
      long at = 0;
      for (int64_t k = 0; k < count; ++k) {
        if (at >= size)
          return fail("input file has too few strings", path);
        ptrs[k] = text + at;
        at += strlen(text + at) + 1;
      }
    } else if (fread(in[i].data, 1, bytes, f) != bytes) {
      return fail("input file too short", path);
    }
    fclose(f);
    free(path);
  }
  /* The first run allocates the outputs; later runs reuse them. */
  int runs = warmup + (iters > 0 ? iters : 1);
  for (int k = 0; k < runs; ++k) {
    double t0 = now_ms();
    free_strings(m, out);
    if (whittle_model_run_shaped(m, nin, in, nout, out) != WHITTLE_OK)
      return fail("run failed", whittle_last_error());
    if (iters > 0 && k >= warmup)
      printf("ms %.6f\n", now_ms() - t0);
  }
  for (int i = 0; i < nout; ++i) {
    const whittle_tensor_info *t = whittle_model_output(m, i);
    int64_t count = count_of(t->rank, out[i].dims);
    char *path = path_of(dir, "out", i, "bin");
    FILE *f = path ? fopen(path, "wb") : NULL;
    if (!f)
      return fail("cannot write", path);
    if (t->dtype == WHITTLE_STRING) {
      char **ptrs = out[i].data;
      for (int64_t k = 0; k < count; ++k) {
        const char *v = ptrs[k] ? ptrs[k] : "";
        if (fwrite(v, 1, strlen(v) + 1, f) != strlen(v) + 1)
          return fail("cannot write", path);
      }
    } else {
      size_t want = (size_t)count * whittle_dtype_size(t->dtype);
      if (fwrite(out[i].data, 1, want, f) != want)
        return fail("cannot write", path);
    }
    fclose(f);
    free(path);
    char *dpath = path_of(dir, "out", i, "dims");
    FILE *df = dpath ? fopen(dpath, "w") : NULL;
    if (!df)
      return fail("cannot write", dpath);
    for (int d = 0; d < t->rank; ++d)
      fprintf(df, "%lld ", (long long)out[i].dims[d]);
    fclose(df);
    free(dpath);
  }
  free_strings(m, out);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3 || (strcmp(argv[1], "describe") && strcmp(argv[1], "run")) ||
      (!strcmp(argv[1], "run") && argc != 4 && argc != 6 && argc != 7)) {
    fprintf(stderr, "usage: whittle-exec describe MODEL.so\n"
                    "       whittle-exec run MODEL.so DIR [WARMUP ITERS [THREADS]]\n");
    return 2;
  }
  whittle_model *m = NULL;
  if (whittle_model_load(argv[2], &m) != WHITTLE_OK)
    return fail("cannot load the model", whittle_last_error());
  int rc = 0;
  if (!strcmp(argv[1], "describe")) {
    printf("target %s\n", whittle_model_target(m));
    for (int i = 0; i < whittle_model_num_inputs(m); ++i)
      print_info("input", whittle_model_input(m, i));
    for (int i = 0; i < whittle_model_num_outputs(m); ++i)
      print_info("output", whittle_model_output(m, i));
  } else {
    if (argc == 7)
      whittle_model_set_threads(m, atoi(argv[6]));
    rc = run(m, argv[3], argc >= 6 ? atoi(argv[4]) : 0, argc >= 6 ? atoi(argv[5]) : 0);
  }
  whittle_model_free(m);
  return rc;
}
