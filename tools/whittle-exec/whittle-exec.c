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

#include <errno.h>
#include <stdint.h>
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

/* Elements of a tensor of these dims: -1 when a dim is negative or the
 * size overflows (the runtime refuses such dims with its own message). */
static int64_t count_of(int rank, const int64_t *dims) {
  int64_t n = 1;
  for (int d = 0; d < rank; ++d) {
    if (dims[d] < 0 || (dims[d] && n > INT64_MAX / 16 / dims[d]))
      return -1;
    n *= dims[d];
  }
  return n;
}

/* A whole decimal number in [lo, hi], or fails. */
static int parse_int(const char *s, long long lo, long long hi, long long *v) {
  char *end = NULL;
  errno = 0;
  long long x = strtoll(s, &end, 10);
  if (errno || end == s || *end || x < lo || x > hi)
    return 1;
  *v = x;
  return 0;
}

/* What one run owns: the tensors, input bytes, string texts and outputs
 * the runtime allocated. Freed on every path. */
typedef struct run_state {
  whittle_model *m;
  int nin, nout;
  whittle_tensor *in, *out;
  char **texts;
} run_state;

/* String outputs of a run are the caller's to free. */
static void free_strings(run_state *r) {
  for (int i = 0; i < r->nout; ++i) {
    const whittle_tensor_info *t = whittle_model_output(r->m, i);
    if (t->dtype != WHITTLE_STRING || !r->out[i].data)
      continue;
    char **ptrs = r->out[i].data;
    int64_t count = count_of(t->rank, r->out[i].dims);
    for (int64_t k = 0; k < count; ++k) {
      free(ptrs[k]);
      ptrs[k] = NULL;
    }
  }
}

static int finish(run_state *r, int rc) {
  if (r->out) {
    free_strings(r);
    for (int i = 0; i < r->nout; ++i)
      free(r->out[i].data);
  }
  for (int i = 0; r->in && i < r->nin; ++i)
    free(r->in[i].data);
  for (int i = 0; r->texts && i < r->nin; ++i)
    free(r->texts[i]);
  free(r->in);
  free(r->out);
  free(r->texts);
  return rc;
}

/* Reads input i's dims (from DIR/in_i.dims when it exists) and bytes. */
static int read_input(run_state *r, const char *dir, int i) {
  const whittle_tensor_info *t = whittle_model_input(r->m, i);
  whittle_tensor *x = &r->in[i];
  memcpy(x->dims, t->dims, sizeof x->dims);
  char *dpath = path_of(dir, "in", i, "dims");
  FILE *df = dpath ? fopen(dpath, "r") : NULL;
  int rc = 0;
  if (df) {
    for (int d = 0; d < t->rank && !rc; ++d) {
      char word[64];
      long long v = 0;
      if (fscanf(df, "%63s", word) != 1 || parse_int(word, 0, INT64_MAX, &v))
        rc = fail("bad dims file (dims are whole numbers >= 0)", dpath);
      x->dims[d] = v;
    }
    fclose(df);
  } else {
    for (int d = 0; d < t->rank && !rc; ++d)
      if (t->dims[d] < 0)
        rc = fail("an input has a dynamic dim and no dims file", t->name);
  }
  free(dpath);
  if (rc)
    return rc;
  /* The runtime checks the dims against the model; here they size a buffer. */
  if (whittle_model_check_input(r->m, i, t->dtype, t->rank, x->dims) != WHITTLE_OK)
    return fail("bad input dims", whittle_last_error());
  int64_t count = count_of(t->rank, x->dims);
  if (count < 0)
    return fail("an input is too large", t->name);
  size_t bytes = (size_t)count * whittle_dtype_size(t->dtype);
  char *path = path_of(dir, "in", i, "bin");
  FILE *f = path ? fopen(path, "rb") : NULL;
  if (!f) {
    rc = fail("cannot read", path);
    free(path);
    return rc;
  }
  x->data = calloc(1, bytes ? bytes : 1);
  x->bytes = bytes;
  if (!x->data) {
    rc = fail("out of memory", NULL);
  } else if (t->dtype == WHITTLE_STRING) {
    /* The whole file, then one pointer per NUL-terminated element. */
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    char *text = size >= 0 && fseek(f, 0, SEEK_SET) == 0 ? malloc((size_t)size + 1) : NULL;
    r->texts[i] = text;
    char **ptrs = x->data;
    if (!text || fread(text, 1, (size_t)size, f) != (size_t)size) {
      rc = fail("cannot read", path);
    } else {
      text[size] = 0;
      long at = 0;
      for (int64_t k = 0; k < count && !rc; ++k) {
        if (at >= size) {
          rc = fail("input file has too few strings", path);
          break;
        }
        ptrs[k] = text + at;
        at += (long)strlen(text + at) + 1;
      }
    }
  } else if (fread(x->data, 1, bytes, f) != bytes) {
    rc = fail("input file too short", path);
  }
  fclose(f);
  free(path);
  return rc;
}

static int write_output(run_state *r, const char *dir, int i) {
  const whittle_tensor_info *t = whittle_model_output(r->m, i);
  int64_t count = count_of(t->rank, r->out[i].dims);
  if (count < 0)
    return fail("the model gave bad output dims", t->name);
  char *path = path_of(dir, "out", i, "bin");
  FILE *f = path ? fopen(path, "wb") : NULL;
  int rc = 0;
  if (!f) {
    rc = fail("cannot write", path);
    free(path);
    return rc;
  }
  if (t->dtype == WHITTLE_STRING) {
    char **ptrs = r->out[i].data;
    for (int64_t k = 0; k < count && !rc; ++k) {
      const char *v = ptrs[k] ? ptrs[k] : "";
      if (fwrite(v, 1, strlen(v) + 1, f) != strlen(v) + 1)
        rc = fail("cannot write", path);
    }
  } else {
    size_t want = (size_t)count * whittle_dtype_size(t->dtype);
    if (fwrite(r->out[i].data, 1, want, f) != want)
      rc = fail("cannot write", path);
  }
  if (fclose(f) != 0 && !rc)
    rc = fail("cannot write", path);
  free(path);
  if (rc)
    return rc;
  char *dpath = path_of(dir, "out", i, "dims");
  FILE *df = dpath ? fopen(dpath, "w") : NULL;
  if (!df) {
    rc = fail("cannot write", dpath);
    free(dpath);
    return rc;
  }
  for (int d = 0; d < t->rank; ++d)
    fprintf(df, "%lld ", (long long)r->out[i].dims[d]);
  if (fclose(df) != 0)
    rc = fail("cannot write", dpath);
  free(dpath);
  return rc;
}

/* Runs through whittle_model_run_shaped, which takes static models too:
 * each input's dims come from DIR/in_N.dims when it exists (models with
 * dynamic dims), else from the model's table; each output's dims go to
 * DIR/out_N.dims. */
static int run(whittle_model *m, const char *dir, int warmup, int iters) {
  run_state r = {m, whittle_model_num_inputs(m), whittle_model_num_outputs(m), NULL, NULL,
                 NULL};
  r.in = calloc((size_t)r.nin + 1, sizeof *r.in);
  r.out = calloc((size_t)r.nout + 1, sizeof *r.out);
  r.texts = calloc((size_t)r.nin + 1, sizeof *r.texts);
  if (!r.in || !r.out || !r.texts)
    return finish(&r, fail("out of memory", NULL));
  for (int i = 0; i < r.nin; ++i)
    if (read_input(&r, dir, i))
      return finish(&r, 1);
  /* The first run allocates the outputs; later runs reuse them. */
  int runs = warmup + (iters > 0 ? iters : 1);
  for (int k = 0; k < runs; ++k) {
    double t0 = now_ms();
    free_strings(&r);
    if (whittle_model_run_shaped(m, r.nin, r.in, r.nout, r.out) != WHITTLE_OK)
      return finish(&r, fail("run failed", whittle_last_error()));
    if (iters > 0 && k >= warmup)
      printf("ms %.6f\n", now_ms() - t0);
  }
  for (int i = 0; i < r.nout; ++i)
    if (write_output(&r, dir, i))
      return finish(&r, 1);
  return finish(&r, 0);
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
    long long warmup = 0, iters = 0, threads = 0;
    if (argc >= 6 && (parse_int(argv[4], 0, 1000000, &warmup) ||
                      parse_int(argv[5], 0, 1000000, &iters)))
      rc = fail("WARMUP and ITERS are whole numbers from 0 to 1000000", NULL);
    else if (argc == 7 && parse_int(argv[6], 0, 4096, &threads))
      rc = fail("THREADS is a whole number from 0 (every core) to 4096", argv[6]);
    else {
      whittle_model_set_threads(m, (int)threads);
      rc = run(m, argv[3], (int)warmup, (int)iters);
    }
  }
  whittle_model_free(m);
  return rc;
}
