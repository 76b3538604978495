//===- ONNXDialect.h - onnx dialect -----------------------------*- C++ -*-===//
//
// The onnx dialect: one op per ONNX default-domain operator, generated from
// the installed ONNX library's schema registry.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_DIALECT_ONNX_ONNXDIALECT_H
#define WHITTLE_DIALECT_ONNX_ONNXDIALECT_H

#include "mlir/IR/Dialect.h"

#include "whittle/Dialect/ONNX/ONNXDialect.h.inc"

#endif // WHITTLE_DIALECT_ONNX_ONNXDIALECT_H
