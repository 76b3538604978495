//===- Passes.h - Whittle graph passes --------------------------*- C++ -*-===//

#ifndef WHITTLE_PASSES_PASSES_H
#define WHITTLE_PASSES_PASSES_H

#include "whittle/Dialect/Whittle/WhittleDialect.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace whittle {

#define GEN_PASS_DECL
#include "whittle/Passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "whittle/Passes/Passes.h.inc"

} // namespace whittle

#endif // WHITTLE_PASSES_PASSES_H
