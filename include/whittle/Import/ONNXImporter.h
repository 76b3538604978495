//===- ONNXImporter.h - ONNX model to onnx dialect --------------*- C++ -*-===//
//
// The library entry point of `whittle import`: reads an ONNX model, runs
// ONNX's own shape inference, and builds a module of onnx dialect ops.
// Errors are MLIR diagnostics located at the model file and node; the
// importer never aborts the process on bad input.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_IMPORT_ONNXIMPORTER_H
#define WHITTLE_IMPORT_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"

#include <string>

namespace whittle {

struct ImportOptions {
  /// Pins graph-input shapes (`--input-shape name=1x3x224x224`); dimensions
  /// given as -1 stay dynamic.
  llvm::StringMap<llvm::SmallVector<int64_t>> inputShapes;
  /// Name of the generated function.
  std::string funcName = "main";
  /// Tensors with at least this many bytes become dense_resource blobs that
  /// take over the protobuf's buffer instead of being copied per element.
  size_t resourceThresholdBytes = 64;
};

/// Imports the model at `path`. On failure the diagnostics have been emitted
/// to `context`'s handler and the result is null.
mlir::OwningOpRef<mlir::ModuleOp> importONNXFile(llvm::StringRef path,
                                                 mlir::MLIRContext *context,
                                                 const ImportOptions &options);

/// Imports a model from memory. `name` names it in diagnostics and
/// anchors its external data (files beside `name`).
mlir::OwningOpRef<mlir::ModuleOp> importONNXBuffer(llvm::StringRef bytes, llvm::StringRef name,
                                                   mlir::MLIRContext *context,
                                                   const ImportOptions &options);

/// Parses "name=1x3x224x224" (a dim of '?' or -1 stays dynamic) into
/// `options`; returns an error message or the empty string.
std::string parseInputShapeFlag(llvm::StringRef flag, ImportOptions &options);

} // namespace whittle

#endif // WHITTLE_IMPORT_ONNXIMPORTER_H
