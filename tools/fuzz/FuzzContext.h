//===- FuzzContext.h - what Whittle's fuzz targets share --------*- C++ -*-===//
//
// A fresh MLIRContext per input (no state carried from one input to the
// next), with every dialect and pass registered and diagnostics dropped:
// a fuzz target looks for crashes, hangs and leaks, not for messages.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_TOOLS_FUZZ_FUZZCONTEXT_H
#define WHITTLE_TOOLS_FUZZ_FUZZCONTEXT_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <memory>

namespace whittle::fuzz {

/// A context for one input. Keep the handler alive as long as the context.
struct FuzzContext {
  /// `everything`: every dialect and pass registered and loaded (for the
  /// pipeline); otherwise a bare context the importer loads its own
  /// dialects into (much cheaper per input).
  explicit FuzzContext(bool everything);
  std::unique_ptr<mlir::MLIRContext> context;
  std::unique_ptr<mlir::ScopedDiagnosticHandler> quiet;
};

/// Where fuzzed models "live": a folder that does not exist, so external
/// data of a fuzzed model never reads a real file.
constexpr const char *kModelName = "/nonexistent-whittle-fuzz/model.onnx";

} // namespace whittle::fuzz

#endif // WHITTLE_TOOLS_FUZZ_FUZZCONTEXT_H
