//===- fuzz-pipeline.cpp - fuzz target: legalize, optimize, lower ---------===//
//
// The input is a model file's bytes. What imports is legalized, optimized
// at -O2 and lowered to linalg (`whittle compile --emit linalg`), on the
// host target: each step must succeed or fail with diagnostics.
//
// Loading every dialect costs far more than a small model's compile, so
// one context serves 256 inputs before it is replaced: what an input
// leaves in it (interned types and attributes) changes no later result,
// and the replacement bounds the memory it holds.
//
//===----------------------------------------------------------------------===//

#include "FuzzContext.h"

#include "whittle/Compiler/Compiler.h"
#include "whittle/Import/ONNXImporter.h"
#include "whittle/Target/Target.h"

#include <cstddef>
#include <cstdint>
#include <memory>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static std::unique_ptr<whittle::fuzz::FuzzContext> fc;
  static unsigned inputs = 0;
  if (inputs++ % 256 == 0) {
    fc.reset();
    fc = std::make_unique<whittle::fuzz::FuzzContext>(/*everything=*/true);
  }
  whittle::ImportOptions importOptions;
  auto module = whittle::importONNXBuffer(
      llvm::StringRef(reinterpret_cast<const char *>(data), size),
      whittle::fuzz::kModelName, fc->context.get(), importOptions);
  if (!module)
    return 0;
  whittle::CompileOptions options;
  options.target = whittle::lookupTarget("host");
  options.emit = whittle::EmitKind::Linalg;
  (void)whittle::compileModule(*module, options, "/dev/null");
  return 0;
}
