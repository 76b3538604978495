//===- WhittleOps.h - whittle dialect ops -----------------------*- C++ -*-===//

#ifndef WHITTLE_DIALECT_WHITTLE_WHITTLEOPS_H
#define WHITTLE_DIALECT_WHITTLE_WHITTLEOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "whittle/Dialect/ONNX/ONNXTypes.h"
#include "whittle/Dialect/Whittle/WhittleDialect.h"
#include "whittle/Dialect/Whittle/WhittleEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "whittle/Dialect/Whittle/WhittleAttrs.h.inc"

#define GET_OP_CLASSES
#include "whittle/Dialect/Whittle/WhittleOps.h.inc"

namespace whittle::wt {

/// Whether `fn` is a comparison, whose result is i1.
bool isComparison(BinaryFn fn);

/// The numpy broadcast of two shapes (dynamic dims as ShapedType::kDynamic);
/// failure when they cannot broadcast.
mlir::FailureOr<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b);

/// The (first index, count) ONNX Slice takes from a static dimension of
/// size `dim` for bounds `start`, `end` and a non-zero `step`.
std::pair<int64_t, int64_t> sliceRange(int64_t dim, int64_t start, int64_t end,
                                       int64_t step);

} // namespace whittle::wt

#endif // WHITTLE_DIALECT_WHITTLE_WHITTLEOPS_H
