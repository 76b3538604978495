//===- ONNXOps.h - onnx dialect ops and types -------------------*- C++ -*-===//

#ifndef WHITTLE_DIALECT_ONNX_ONNXOPS_H
#define WHITTLE_DIALECT_ONNX_ONNXOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "whittle/Dialect/ONNX/ONNXDialect.h"
#include "whittle/Dialect/ONNX/ONNXTypes.h"

#define GET_OP_CLASSES
#include "whittle/Dialect/ONNX/ONNXOps.h.inc"

#endif // WHITTLE_DIALECT_ONNX_ONNXOPS_H
