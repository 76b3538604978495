//===- RecognizeAttention.cpp - softmax(q k^T s + m) v to one op ----------===//
//
// Transformer exports spell attention as MatMul, a Div or Mul by
// sqrt(depth), an additive mask, Softmax and a second MatMul. As one
// whittle.attention the scale moves onto the query and the scores never
// leave the lowering's view, which the parts do not allow.
//
//===----------------------------------------------------------------------===//

#include "PassUtils.h"

#include "whittle/Passes/Passes.h"
#include "whittle/Passes/RewriteLog.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace whittle {
#define GEN_PASS_DEF_WHITTLERECOGNIZEATTENTIONPASS
#include "whittle/Passes/Passes.h.inc"
} // namespace whittle

using namespace mlir;
using namespace whittle;
using namespace whittle::passes;

namespace {

/// A matmul with nothing fused and no transposed lhs.
bool plainMatmul(wt::MatmulOp mm) {
  return mm && !mm.getBias() && !mm.getResidual() && !mm.getEpilogueAttr() &&
         !mm.getTransposeLhs();
}

struct RecognizeAttention : OpRewritePattern<wt::MatmulOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::MatmulOp op, PatternRewriter &rewriter) const override {
    if (!plainMatmul(op) || op.getTransposeRhs())
      return rewriter.notifyMatchFailure(op, "not probabilities x values");
    auto softmax = op.getLhs().getDefiningOp<wt::SoftmaxOp>();
    auto pTy = dyn_cast<RankedTensorType>(op.getLhs().getType());
    if (!softmax || softmax.getLog() || !pTy || (int64_t)softmax.getAxis() != pTy.getRank() - 1 ||
        !singleUse(op.getLhs()))
      return rewriter.notifyMatchFailure(op, "lhs is not a softmax along the last axis");
    // Walk back: [+ mask] [* or / scale] q x k.
    Value s = softmax.getInput(), mask;
    if (auto add = binaryOf(s, wt::BinaryFn::add); add && singleUse(s)) {
      for (auto [a, b] : {std::pair(add.getLhs(), add.getRhs()), std::pair(add.getRhs(), add.getLhs())})
        if (a.getType() == s.getType() && (a.getDefiningOp<wt::MatmulOp>() ||
                                           binaryOf(a, wt::BinaryFn::mul) ||
                                           binaryOf(a, wt::BinaryFn::div))) {
          s = a, mask = b;
          break;
        }
      if (!mask)
        return rewriter.notifyMatchFailure(op, "the add is not scores + mask");
    }
    double scale = 1.0;
    if (auto mul = binaryOf(s, wt::BinaryFn::mul); mul && singleUse(s)) {
      for (auto [a, b] : {std::pair(mul.getLhs(), mul.getRhs()), std::pair(mul.getRhs(), mul.getLhs())})
        if (auto c = wt::constantScalar(b); c && a.getType() == s.getType()) {
          scale = *c, s = a;
          break;
        }
    } else if (auto div = binaryOf(s, wt::BinaryFn::div); div && singleUse(s)) {
      if (auto c = wt::constantScalar(div.getRhs()); c && *c != 0 &&
                                                     div.getLhs().getType() == s.getType())
        scale = 1.0 / *c, s = div.getLhs();
    }
    auto scores = s.getDefiningOp<wt::MatmulOp>();
    if (!plainMatmul(scores) || !singleUse(s))
      return rewriter.notifyMatchFailure(op, "no q x k matmul under the softmax");
    Value q = scores.getLhs(), k = scores.getRhs(), v = op.getRhs();
    auto qTy = dyn_cast<RankedTensorType>(q.getType()), kTy = dyn_cast<RankedTensorType>(k.getType()),
         vTy = dyn_cast<RankedTensorType>(v.getType());
    int64_t r = pTy.getRank();
    if (!qTy || !kTy || !vTy || qTy.getRank() != r || kTy.getRank() != r || vTy.getRank() != r ||
        qTy.getShape().drop_back(2) != kTy.getShape().drop_back(2) ||
        qTy.getShape().drop_back(2) != vTy.getShape().drop_back(2) ||
        !isa<FloatType>(qTy.getElementType()))
      return rewriter.notifyMatchFailure(op, "q, k, v do not share their leading dims");
    rewriter.replaceOpWithNewOp<wt::AttentionOp>(
        op, op.getOutput().getType(), q, k, v, mask, APFloat((float)scale),
        /*key_transposed=*/!scores.getTransposeRhs());
    recordRewrite("whittle-recognize-attention", "attention");
    return success();
  }
};

struct WhittleRecognizeAttentionPass
    : whittle::impl::WhittleRecognizeAttentionPassBase<WhittleRecognizeAttentionPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RecognizeAttention>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
