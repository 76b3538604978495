//===- fuzz-import.cpp - fuzz target: the ONNX importer -------------------===//
//
// The input is a model file's bytes. Import must end in a module or in
// diagnostics: never a crash, a hang or a leak.
//
//===----------------------------------------------------------------------===//

#include "FuzzContext.h"

#include "whittle/Import/ONNXImporter.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  whittle::fuzz::FuzzContext fc(/*everything=*/false);
  whittle::ImportOptions options;
  auto module = whittle::importONNXBuffer(
      llvm::StringRef(reinterpret_cast<const char *>(data), size),
      whittle::fuzz::kModelName, fc.context.get(), options);
  (void)module;
  return 0;
}
