//===- fuzz-pipeline.cpp - fuzz target: legalize, optimize, lower ---------===//
//
// The input is a model file's bytes. What imports is legalized, optimized
// at -O2 and lowered to linalg (`whittle compile --emit linalg`), on the
// host target: each step must succeed or fail with diagnostics.
//
//===----------------------------------------------------------------------===//

#include "FuzzContext.h"

#include "whittle/Compiler/Compiler.h"
#include "whittle/Import/ONNXImporter.h"
#include "whittle/Target/Target.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  whittle::fuzz::FuzzContext fc(/*everything=*/true);
  whittle::ImportOptions importOptions;
  auto module = whittle::importONNXBuffer(
      llvm::StringRef(reinterpret_cast<const char *>(data), size),
      whittle::fuzz::kModelName, fc.context.get(), importOptions);
  if (!module)
    return 0;
  whittle::CompileOptions options;
  options.target = whittle::lookupTarget("host");
  options.emit = whittle::EmitKind::Linalg;
  (void)whittle::compileModule(*module, options, "/dev/null");
  return 0;
}
