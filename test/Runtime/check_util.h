/*===- check_util.h - what the runtime test programs share ---------------===*
 *
 * One line per check, which the lit tests match: what was tried, "ok" or
 * "WRONG", the status, and the runtime's message.
 *===----------------------------------------------------------------------===*/

#ifndef WHITTLE_TEST_RUNTIME_CHECK_UTIL_H
#define WHITTLE_TEST_RUNTIME_CHECK_UTIL_H

#include "whittle/runtime.h"

#include <stdio.h>
#include <string.h>

static inline void report(const char *what, whittle_status got, whittle_status want) {
  printf("%s: %s (status %d) %s\n", what, got == want ? "ok" : "WRONG", (int)got,
         got == WHITTLE_OK ? "" : whittle_last_error());
}

/* A tensor of up to three dims (the rest 0) over `data`. */
static inline whittle_tensor tensor(void *data, int64_t d0, int64_t d1, int64_t d2) {
  whittle_tensor t;
  memset(&t, 0, sizeof t);
  t.data = data;
  t.dims[0] = d0, t.dims[1] = d1, t.dims[2] = d2;
  return t;
}

#endif /* WHITTLE_TEST_RUNTIME_CHECK_UTIL_H */
