//===- Compiler.h - ONNX model to shared library ----------------*- C++ -*-===//
//
// The library behind `whittle compile`: legalize, lower through the common
// CPU path, generate machine code for a Target, and link a shared library
// that exports the runtime ABI of include/whittle/runtime.h.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_COMPILER_COMPILER_H
#define WHITTLE_COMPILER_COMPILER_H

#include "whittle/Target/Target.h"

#include "mlir/IR/BuiltinOps.h"

#include <optional>
#include <string>

namespace whittle {

enum class EmitKind { Mlir, Linalg, Llvm, Asm, Obj, So };

struct CompileOptions {
  const Target *target = nullptr;
  unsigned optLevel = 2; ///< 0..3, as -O0..-O3
  EmitKind emit = EmitKind::So;
  /// Where to write the per-model C header (empty: none).
  std::string headerPath;
  /// f32 convolutions and matmuls accumulate in f64 (--accumulate=f64).
  bool wideAccumulation = false;
  /// Largest output tile m of Winograd F(m x m, 3 x 3) for the qualifying
  /// 3x3 convs at -O2 and up (--winograd; 2 or 4), or 0: direct convolution.
  unsigned winogradTile = 4;
  /// Longest graph function compiled whole: a longer one is cut into
  /// called parts of at most this many ops (--max-part-ops).
  int64_t maxPartOps = 2048;
  /// Where `--report` writes what the graph optimizer did (null: nowhere),
  /// and the model name it gives.
  llvm::raw_ostream *report = nullptr;
  std::string modelName;
  /// Graph passes to run instead of the -O level's (--graph-passes).
  std::optional<std::string> graphPasses;
};

/// The graph passes of an optimization level, as a pass pipeline on the
/// module (empty for -O0). docs/passes.md describes each level.
std::string graphPassPipeline(unsigned optLevel);

/// Compiles an imported onnx-dialect module into `outputPath`. Diagnostics
/// go to the module's context; the result says whether it worked.
mlir::LogicalResult compileModule(mlir::ModuleOp module,
                                  const CompileOptions &options,
                                  llvm::StringRef outputPath);

} // namespace whittle

#endif // WHITTLE_COMPILER_COMPILER_H
