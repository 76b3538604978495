//===- Lowering.h - whittle -> linalg shared builders -----------*- C++ -*-===//
//
// Builders shared by the whittle-to-linalg patterns: broadcasting
// elementwise linalg.generic, scalar constants, padding, reductions.
// This first version lowers static shapes; a pattern meeting a dynamic
// dimension declines.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_LIB_CONVERSION_WHITTLETOLINALG_LOWERING_H
#define WHITTLE_LIB_CONVERSION_WHITTLETOLINALG_LOWERING_H

#include "whittle/Dialect/Whittle/WhittleOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace whittle::lowering {

using BodyFn = llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                              mlir::ValueRange)>;

/// Static ranked type of `v`, or null.
mlir::RankedTensorType staticType(mlir::Value v);

/// A linalg.generic computing `body` elementwise over `resultType`, with
/// every input broadcast to it numpy-style.
mlir::Value buildElementwise(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::RankedTensorType resultType,
                             mlir::ValueRange inputs, BodyFn body);

/// The map of an input of shape `inShape` broadcast numpy-style into a
/// loop nest of rank `rank`.
mlir::AffineMap broadcastMap(mlir::MLIRContext *ctx, llvm::ArrayRef<int64_t> inShape,
                             llvm::ArrayRef<int64_t> outShape);

/// A scalar constant of `type` (float or integer).
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Type type, double value);

/// A tensor of `type` filled with `value`.
mlir::Value filled(mlir::OpBuilder &b, mlir::Location loc,
                   mlir::RankedTensorType type, mlir::Value value);

/// `v` reshaped to the static `type` (same element count).
mlir::Value reshapeTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                      mlir::RankedTensorType type);

/// Pads the spatial dims (2..) of an N x C x ... tensor.
mlir::Value padSpatial(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                       llvm::ArrayRef<int64_t> lo, llvm::ArrayRef<int64_t> hi,
                       mlir::Value padValue);

/// An integer index `i` (any width) as an `index`, counted from the end
/// when negative, for a dimension of static size `dimSize`.
mlir::Value wrapIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value i,
                      int64_t dimSize);

/// The value of `epilogue` applied to `x` (float).
mlir::Value applyActivation(mlir::OpBuilder &b, mlir::Location loc,
                            wt::UnaryFn fn, mlir::Value x,
                            std::optional<double> alpha,
                            std::optional<double> beta);

void populateElementwiseLowerings(mlir::RewritePatternSet &patterns);
void populateStructuredLowerings(mlir::RewritePatternSet &patterns);
void populateDataMovementLowerings(mlir::RewritePatternSet &patterns);
void populateResizeLowerings(mlir::RewritePatternSet &patterns);
void populateConvTransposeLowerings(mlir::RewritePatternSet &patterns);
void populateIndexingLowerings(mlir::RewritePatternSet &patterns);

} // namespace whittle::lowering

#endif // WHITTLE_LIB_CONVERSION_WHITTLETOLINALG_LOWERING_H
