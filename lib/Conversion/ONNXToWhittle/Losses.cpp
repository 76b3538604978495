//===- Losses.cpp - NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss ----===//
//
// Both decompose into whittle ops: the class score of each sample is picked
// with gather_elements along axis 1, weighted by gather(weight, target),
// masked where the target is ignore_index, then reduced. "mean" divides by
// the sum of the applied weights, as the ONNX reference does.
// SoftmaxCrossEntropyLoss is the same on the log-softmax of its scores.
//
//===----------------------------------------------------------------------===//

#include "LegalizationTable.h"

using namespace mlir;
using namespace whittle;
using namespace whittle::conversion;

namespace {

/// Whether buildNllLoss handles these types; it touches no IR, so a
/// pattern checks before it builds anything.
LogicalResult checkNllLoss(Operation *op, PatternRewriter &rewriter, Type logProbType,
                           Value target, StringRef reduction, Type resultType) {
  auto inTy = dyn_cast<RankedTensorType>(logProbType), tTy = rankedType(target);
  if (!inTy || !tTy || !inTy.hasStaticShape() || !tTy.hasStaticShape() ||
      inTy.getRank() < 2 || tTy.getRank() != inTy.getRank() - 1)
    return rewriter.notifyMatchFailure(op, "needs static N x C x d.. scores");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    return rewriter.notifyMatchFailure(op, "unknown reduction");
  Type elt = inTy.getElementType();
  auto lossTy = RankedTensorType::get(tTy.getShape(), elt);
  Type expected = reduction == "none" ? (Type)lossTy : RankedTensorType::get({}, elt);
  if (resultType != expected)
    return rewriter.notifyMatchFailure(op, "result type is not the loss's");
  return success();
}

/// The loss of `logProb` (N x C x d..) at `target` (N x d..).
FailureOr<Value> buildNllLoss(Operation *op, PatternRewriter &rewriter,
                              Value logProb, Value target, Value weight,
                              std::optional<int64_t> ignoreIndex,
                              StringRef reduction, Type resultType) {
  if (failed(checkNllLoss(op, rewriter, logProb.getType(), target, reduction, resultType)))
    return failure();
  auto inTy = rankedType(logProb), tTy = rankedType(target);
  Location loc = op->getLoc();
  Type elt = inTy.getElementType();
  auto lossTy = RankedTensorType::get(tTy.getShape(), elt);
  auto maskTy = RankedTensorType::get(tTy.getShape(), rewriter.getI1Type());

  Value mask;
  if (ignoreIndex) {
    Value ii = createScalarConstant(rewriter, loc, tTy.getElementType(),
                                    (double)*ignoreIndex);
    mask = wt::BinaryOp::create(rewriter, loc, maskTy, target, ii, wt::BinaryFn::eq);
    // Ignored positions may hold any value: point them at class 0.
    target = wt::SelectOp::create(
        rewriter, loc, tTy, mask,
        createScalarConstant(rewriter, loc, tTy.getElementType(), 0), target);
  }
  SmallVector<int64_t> pickShape(tTy.getShape());
  pickShape.insert(pickShape.begin() + 1, 1);
  auto idxTy = RankedTensorType::get(pickShape, tTy.getElementType());
  auto pickTy = RankedTensorType::get(pickShape, elt);
  Value idx = wt::ReshapeOp::create(rewriter, loc, idxTy, target, Value());
  Value picked = wt::GatherElementsOp::create(rewriter, loc, pickTy, logProb, idx, 1);
  picked = wt::ReshapeOp::create(rewriter, loc, lossTy, picked, Value());
  Value loss = wt::UnaryOp::create(rewriter, loc, lossTy, picked, wt::UnaryFn::neg,
                                   FloatAttr(), FloatAttr());

  Value w;
  if (weight)
    w = wt::GatherOp::create(rewriter, loc, lossTy, weight, target, 0);
  if (mask)
    w = wt::SelectOp::create(rewriter, loc, lossTy, mask,
                             createScalarConstant(rewriter, loc, elt, 0.0),
                             w ? w : createScalarConstant(rewriter, loc, elt, 1.0));
  if (w)
    loss = wt::BinaryOp::create(rewriter, loc, lossTy, loss, w, wt::BinaryFn::mul);
  if (reduction == "none")
    return loss;

  SmallVector<int64_t> all;
  for (int64_t i = 0; i < tTy.getRank(); ++i)
    all.push_back(i);
  auto scalarTy = RankedTensorType::get({}, elt);
  if (reduction == "mean" && !w)
    return (Value)wt::ReduceOp::create(rewriter, loc, scalarTy, loss,
                                       wt::ReduceFn::mean, all, false);
  Value sum = wt::ReduceOp::create(rewriter, loc, scalarTy, loss, wt::ReduceFn::sum,
                                   all, false);
  if (reduction == "sum")
    return sum;
  Value total = wt::ReduceOp::create(rewriter, loc, scalarTy, w, wt::ReduceFn::sum,
                                     all, false);
  return (Value)wt::BinaryOp::create(rewriter, loc, scalarTy, sum, total,
                                     wt::BinaryFn::div);
}

std::optional<int64_t> optionalIndex(std::optional<uint64_t> v) {
  if (!v)
    return std::nullopt;
  return (int64_t)*v;
}

LogicalResult convertNllLoss(onnx::NegativeLogLikelihoodLossOp op,
                             PatternRewriter &rewriter) {
  auto loss = buildNllLoss(op, rewriter, op.getInput(), op.getTarget(),
                           op.getWeight(), optionalIndex(op.getIgnoreIndex()),
                           op.getReduction(), op.getLoss().getType());
  if (failed(loss))
    return failure();
  rewriter.replaceOp(op, *loss);
  return success();
}

LogicalResult convertSoftmaxCrossEntropyLoss(onnx::SoftmaxCrossEntropyLossOp op,
                                             PatternRewriter &rewriter) {
  auto inTy = rankedType(op.getScores());
  if (!inTy || inTy.getRank() < 2)
    return rewriter.notifyMatchFailure(op, "needs ranked N x C x d.. scores");
  // Checked before the log-softmax exists: a pattern that fails must leave
  // the IR as it found it.
  if (failed(checkNllLoss(op, rewriter, inTy, op.getLabels(), op.getReduction(),
                          op.getOutput().getType())))
    return failure();
  Value logProb = wt::SoftmaxOp::create(rewriter, op.getLoc(), inTy, op.getScores(),
                                        1, /*log=*/true);
  auto loss = buildNllLoss(op, rewriter, logProb, op.getLabels(), op.getWeights(),
                           optionalIndex(op.getIgnoreIndex()), op.getReduction(),
                           op.getOutput().getType());
  if (failed(loss))
    return failure();
  rewriter.replaceAllUsesWith(op.getOutput(), *loss);
  if (op.getLogProb())
    rewriter.replaceAllUsesWith(op.getLogProb(), logProb);
  rewriter.eraseOp(op);
  return success();
}

} // namespace

void whittle::conversion::populateLossLegalizations(LegalizationTable &table) {
  table.onOp<onnx::NegativeLogLikelihoodLossOp>(1, convertNllLoss);
  table.onOp<onnx::SoftmaxCrossEntropyLossOp>(1, convertSoftmaxCrossEntropyLoss);
}
