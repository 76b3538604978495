//===- fuzz-runtime.cpp - fuzz target: tensor I/O and run-time checks -----===//
//
// The first byte picks what the rest is:
//   0  a serialized TensorProto (an input_N.pb), read as `whittle run` does;
//   1  dims and data for a compiled model with dynamic dims, run through
//      whittle_model_run_shaped with a fixed 64 KiB input buffer whose
//      size is given: the runtime must refuse whatever does not fit;
//   2  a library file, checked as whittle_model_load checks one.
// The model of 1 is $WHITTLE_FUZZ_MODEL (`make fuzz` compiles one); without
// it those inputs are skipped.
//
//===----------------------------------------------------------------------===//

#include "whittle/Import/TensorIO.h"
#include "whittle/runtime.h"

extern "C" {
#include "../../lib/Runtime/Validate.h"
}

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

namespace {

whittle_model *model;
std::string scratch; // a file of this process, for library checks

void readTensor(const uint8_t *data, size_t size) {
  whittle::TensorData t;
  std::string error;
  whittle::readTensorBytes(std::string(reinterpret_cast<const char *>(data), size),
                           "fuzz.pb", t, error);
}

void runModel(const uint8_t *data, size_t size) {
  if (!model || whittle_model_num_inputs(model) != 1 || whittle_model_num_outputs(model) < 1)
    return;
  static float buffer[16384];
  whittle_tensor in{};
  int64_t dims[WHITTLE_MAX_RANK] = {0};
  memcpy(dims, data, size < sizeof dims ? size : sizeof dims);
  memcpy(in.dims, dims, sizeof dims);
  in.data = buffer;
  in.bytes = sizeof buffer;
  int nout = whittle_model_num_outputs(model);
  whittle_tensor out[8]{};
  if (nout > 8)
    return;
  if (whittle_model_run_shaped(model, 1, &in, nout, out) == WHITTLE_OK)
    for (int i = 0; i < nout; ++i)
      free(out[i].data);
}

void checkLibrary(const uint8_t *data, size_t size) {
  FILE *f = fopen(scratch.c_str(), "wb");
  if (!f)
    return;
  fwrite(data, 1, size, f);
  fclose(f);
  char why[512];
  wr_check_library_file(scratch.c_str(), why, sizeof why);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  scratch = "/tmp/whittle-fuzz-runtime-" + std::to_string(getpid()) + ".so";
  if (const char *path = getenv("WHITTLE_FUZZ_MODEL"))
    if (whittle_model_load(path, &model) != WHITTLE_OK) {
      fprintf(stderr, "fuzz-runtime: %s\n", whittle_last_error());
      exit(1);
    }
  if (model)
    whittle_model_set_threads(model, 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  switch (data[0] % 3) {
  case 0: readTensor(data + 1, size - 1); break;
  case 1: runModel(data + 1, size - 1); break;
  case 2: checkLibrary(data + 1, size - 1); break;
  }
  return 0;
}
