//===- ONNXDialect.cpp - onnx dialect registration ------------------------===//

#include "whittle/Dialect/ONNX/ONNXDialect.h"
#include "whittle/Dialect/ONNX/ONNXOps.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace whittle::onnx;

#include "whittle/Dialect/ONNX/ONNXDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "whittle/Dialect/ONNX/ONNXTypes.cpp.inc"

void ONNXDialect::initialize() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "whittle/Dialect/ONNX/ONNXTypes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "whittle/Dialect/ONNX/ONNXOps.cpp.inc"
      >();
}
