//===- Passes.h - Whittle conversion passes ---------------------*- C++ -*-===//

#ifndef WHITTLE_CONVERSION_PASSES_H
#define WHITTLE_CONVERSION_PASSES_H

#include "whittle/Dialect/Whittle/WhittleDialect.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace whittle {

#define GEN_PASS_DECL
#include "whittle/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "whittle/Conversion/Passes.h.inc"

} // namespace whittle

#endif // WHITTLE_CONVERSION_PASSES_H
