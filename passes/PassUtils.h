//===- PassUtils.h - matching helpers shared by the graph passes -*- C++ -*-===//
//
// Small queries the fusion and recognition passes all ask: is this value a
// given scalar constant, the result of a given unary or binary function,
// a constant holding one value per channel.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_PASSES_PASSUTILS_H
#define WHITTLE_PASSES_PASSUTILS_H

#include "whittle/Dialect/Whittle/WhittleConstants.h"
#include "whittle/Dialect/Whittle/WhittleOps.h"
#include "whittle/Passes/RewriteLog.h"

#include "mlir/IR/PatternMatch.h"

namespace whittle::passes {

/// The `whittle.unary` of function `fn` defining `v`, or null.
inline wt::UnaryOp unaryOf(mlir::Value v, wt::UnaryFn fn) {
  auto op = v ? v.getDefiningOp<wt::UnaryOp>() : wt::UnaryOp();
  return op && op.getFn() == fn ? op : wt::UnaryOp();
}

/// The `whittle.binary` of function `fn` defining `v`, or null.
inline wt::BinaryOp binaryOf(mlir::Value v, wt::BinaryFn fn) {
  auto op = v ? v.getDefiningOp<wt::BinaryOp>() : wt::BinaryOp();
  return op && op.getFn() == fn ? op : wt::BinaryOp();
}

/// Whether `v` is a constant whose every element is `value` (relative
/// tolerance `tol`, for constants an exporter printed in decimal).
inline bool isScalar(mlir::Value v, double value, double tol = 1e-6) {
  std::optional<double> c = wt::constantScalar(v);
  return c && std::abs(*c - value) <= tol * std::max(1.0, std::abs(value));
}

/// The operand of a two-operand op other than `x` (null if neither is x).
inline mlir::Value otherOperand(wt::BinaryOp op, mlir::Value x) {
  if (op.getLhs() == x)
    return op.getRhs();
  if (op.getRhs() == x)
    return op.getLhs();
  return {};
}

/// Whether `v` has exactly one use (intermediate values of a pattern).
inline bool singleUse(mlir::Value v) { return v && v.hasOneUse(); }

/// A constant vector of `n` values (or one value, repeated), expanded.
inline std::optional<std::vector<double>> vectorConstant(mlir::Value c, int64_t n) {
  auto values = wt::constantValues(c, n);
  if (!values)
    return std::nullopt;
  if (values->size() == 1)
    values->assign(n, (*values)[0]);
  if ((int64_t)values->size() != n)
    return std::nullopt;
  return values;
}

/// The values of a constant that broadcasts against `outTy` as one value
/// per index of dim `axis` (or one value for all), expanded to one value
/// per index; nullopt for anything else, or when the axis size is dynamic.
inline std::optional<std::vector<double>>
perAxisConstant(mlir::Value c, mlir::RankedTensorType outTy, int64_t axis) {
  auto cTy = llvm::dyn_cast<mlir::RankedTensorType>(c.getType());
  int64_t n = outTy.getDimSize(axis);
  if (!cTy || !cTy.hasStaticShape() || mlir::ShapedType::isDynamic(n) ||
      cTy.getRank() > outTy.getRank())
    return std::nullopt;
  int64_t offset = outTy.getRank() - cTy.getRank();
  for (int64_t i = 0; i < cTy.getRank(); ++i)
    if (cTy.getDimSize(i) != 1 && (i + offset != axis || cTy.getDimSize(i) != n))
      return std::nullopt;
  return vectorConstant(c, n);
}

/// The per-channel values of a (transposed) conv's bias (a vector) or a matmul's (a
/// tensor broadcast to the result, varying along its last dim).
inline std::optional<std::vector<double>> biasValues(mlir::Operation *producer, mlir::Value bias,
                                                     mlir::RankedTensorType outTy) {
  if (llvm::isa<wt::ConvOp, wt::ConvTransposeOp>(producer))
    return vectorConstant(bias, outTy.getDimSize(1));
  return perAxisConstant(bias, outTy, outTy.getRank() - 1);
}

/// A `whittle.constant` of `type` holding `values`.
inline mlir::Value makeConstant(mlir::PatternRewriter &rewriter, mlir::Location loc,
                                mlir::RankedTensorType type, llvm::ArrayRef<double> values,
                                llvm::StringRef name = "folded") {
  return wt::ConstantOp::create(rewriter, loc, wt::makeElements(type, values, name));
}

/// transpose(transpose(x, p), q) -> transpose(x, p o q), or x itself where
/// that is the identity; recorded under `pass`. Fails on a lone transpose.
inline mlir::LogicalResult composeTransposePair(wt::TransposeOp op,
                                                mlir::PatternRewriter &rewriter,
                                                llvm::StringRef pass) {
  auto inner = op.getInput().getDefiningOp<wt::TransposeOp>();
  if (!inner)
    return rewriter.notifyMatchFailure(op, "not a transpose pair");
  // The pair reads x[p[q[i]]].
  llvm::SmallVector<int64_t> composed;
  for (int64_t i : op.getPerm())
    composed.push_back(inner.getPerm()[i]);
  if (llvm::equal(composed, llvm::seq<int64_t>(0, composed.size())) &&
      inner.getInput().getType() == op.getOutput().getType()) {
    rewriter.replaceOp(op, inner.getInput());
    recordRewrite(pass, "transpose pair cancelled");
    return mlir::success();
  }
  rewriter.replaceOpWithNewOp<wt::TransposeOp>(op, op.getOutput().getType(), inner.getInput(),
                                               rewriter.getDenseI64ArrayAttr(composed));
  recordRewrite(pass, "transpose pair composed");
  return mlir::success();
}

} // namespace whittle::passes

#endif // WHITTLE_PASSES_PASSUTILS_H
