//===- ONNXTypes.h - onnx dialect types -------------------------*- C++ -*-===//
//
// !onnx.string, !onnx.seq, !onnx.opt: usable without the op classes (the
// whittle dialect takes !onnx.string as its string element type).
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_DIALECT_ONNX_ONNXTYPES_H
#define WHITTLE_DIALECT_ONNX_ONNXTYPES_H

#include "mlir/IR/BuiltinTypes.h"

#include "whittle/Dialect/ONNX/ONNXDialect.h"

#define GET_TYPEDEF_CLASSES
#include "whittle/Dialect/ONNX/ONNXTypes.h.inc"

#endif // WHITTLE_DIALECT_ONNX_ONNXTYPES_H
