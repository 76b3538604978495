/*===- fma_peak.c - this core's FP32 FMA peak, measured ---------------===*
 *
 * 24 independent chains of 16-lane FMAs (AVX-512) or 8-lane (AVX2): enough
 * in flight to keep both FMA pipes busy whatever their latency. Prints
 * "peak_gflops X" for one thread. Built by bench/kernels.py with
 * -O2 -march=native.
 *
 *===------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#if defined(__AVX512F__)
typedef __m512 vec;
#define LANES 16
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define ADD _mm512_add_ps
#define STORE _mm512_storeu_ps
#else
typedef __m256 vec;
#define LANES 8
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
#define ADD _mm256_add_ps
#define STORE _mm256_storeu_ps
#endif

#define CHAINS 24

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(void) {
  vec acc[CHAINS];
  for (int i = 0; i < CHAINS; ++i)
    acc[i] = SET1(0.001f * i);
  vec a = SET1(0.999999f), b = SET1(1e-7f);
  const long iters = 20000000;
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    double t0 = now();
    for (long it = 0; it < iters; ++it)
      for (int i = 0; i < CHAINS; ++i)
        acc[i] = FMA(acc[i], a, b);
    double t = now() - t0;
    double gflops = 2.0 * LANES * CHAINS * iters / t / 1e9;
    if (gflops > best)
      best = gflops;
  }
  vec sum = acc[0];
  for (int i = 1; i < CHAINS; ++i)
    sum = ADD(sum, acc[i]);
  float out[LANES];
  STORE(out, sum);
  printf("peak_gflops %.1f\n", best);
  fprintf(stderr, "(checksum %g)\n", out[0]);
  return 0;
}
