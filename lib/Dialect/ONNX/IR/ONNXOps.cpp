//===- ONNXOps.cpp - onnx dialect ops -------------------------------------===//
//
// The generated operator definitions plus the verifiers of the hand-written
// ops. Generated ops are checked by their ODS constraints alone: operand
// counts and element types per the ONNX schema, attribute kinds.
//
//===----------------------------------------------------------------------===//

#include "whittle/Dialect/ONNX/ONNXOps.h"

using namespace mlir;
using namespace whittle::onnx;

//===----------------------------------------------------------------------===//
// CustomOp
//===----------------------------------------------------------------------===//

LogicalResult CustomOp::verify() {
  if (getOpType().empty())
    return emitOpError("needs a non-empty 'op_type'");
  if (getVersion() < 1)
    return emitOpError("needs an opset 'version' of at least 1, got ")
           << getVersion();
  return success();
}

//===----------------------------------------------------------------------===//
// YieldOp
//===----------------------------------------------------------------------===//

LogicalResult YieldOp::verify() {
  Operation *parent = (*this)->getParentOp();
  if (!parent || !isa<ONNXDialect>(parent->getDialect()))
    return emitOpError("must end the body of an onnx op with a subgraph "
                       "(If, Loop, Scan, ...), not ")
           << (parent ? parent->getName().getStringRef() : "a top-level block");
  return success();
}

#define GET_OP_CLASSES
#include "whittle/Dialect/ONNX/ONNXOps.cpp.inc"
