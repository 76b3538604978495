//===- RecognizeSoftmax.cpp - exp / sum(exp) to whittle.softmax -----------===//
//
// Softmax written out (from older exporters, or by hand in attention
// code) as Exp, ReduceSum and Div, with or without subtracting the max;
// LogSoftmax as x - max - log(sum(exp(x - max))). whittle.softmax
// computes either in fused passes, and always subtracts the max, so the
// form without it no longer overflows for large inputs.
//
//===----------------------------------------------------------------------===//

#include "PassUtils.h"

#include "whittle/Passes/Passes.h"
#include "whittle/Passes/RewriteLog.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace whittle {
#define GEN_PASS_DEF_WHITTLERECOGNIZESOFTMAXPASS
#include "whittle/Passes/Passes.h.inc"
} // namespace whittle

using namespace mlir;
using namespace whittle;
using namespace whittle::passes;

namespace {

constexpr const char *kPass = "whittle-recognize-softmax";

/// The one axis a keep-dims reduce of `fn` runs along, or -1.
int64_t singleAxis(wt::ReduceOp r, wt::ReduceFn fn) {
  if (!r || r.getFn() != fn || !r.getKeepDims() || r.getAxes().size() != 1)
    return -1;
  return r.getAxes()[0];
}

/// `x - max(x)` along an axis: (x, axis), or (null, -1). Plain `x` is
/// (x, -1) too: the caller then takes the axis from the sum.
std::pair<Value, int64_t> shiftedByMax(Value v) {
  auto sub = binaryOf(v, wt::BinaryFn::sub);
  if (!sub)
    return {v, -1};
  auto mx = sub.getRhs().getDefiningOp<wt::ReduceOp>();
  int64_t axis = singleAxis(mx, wt::ReduceFn::max);
  if (axis < 0 || mx.getInput() != sub.getLhs() || sub.getLhs().getType() != v.getType())
    return {v, -1};
  return {sub.getLhs(), axis};
}

/// exp(s) / sum(exp(s)), s = x or x - max(x) -> softmax(x).
struct RecognizeSoftmax : OpRewritePattern<wt::BinaryOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::BinaryOp op, PatternRewriter &rewriter) const override {
    if (op.getFn() != wt::BinaryFn::div)
      return rewriter.notifyMatchFailure(op, "not a division");
    Value e = op.getLhs();
    auto exp = unaryOf(e, wt::UnaryFn::exp);
    auto sum = op.getRhs().getDefiningOp<wt::ReduceOp>();
    int64_t axis = singleAxis(sum, wt::ReduceFn::sum);
    if (!exp || axis < 0 || sum.getInput() != e || !singleUse(op.getRhs()) ||
        e.getType() != op.getOutput().getType() || !isa<FloatType>(getElementTypeOrSelf(e.getType())))
      return rewriter.notifyMatchFailure(op, "not exp(..) / sum(exp(..))");
    for (Operation *user : e.getUsers())
      if (user != op && user != sum)
        return rewriter.notifyMatchFailure(op, "exp has other users");
    auto [x, maxAxis] = shiftedByMax(exp.getInput());
    if (maxAxis >= 0 && (maxAxis != axis || !singleUse(exp.getInput())))
      return rewriter.notifyMatchFailure(op, "the max is along another axis");
    if (x.getType() != e.getType())
      return rewriter.notifyMatchFailure(op, "broadcasts");
    rewriter.replaceOpWithNewOp<wt::SoftmaxOp>(op, op.getOutput().getType(), x, axis, false);
    recordRewrite(kPass, "Softmax");
    return success();
  }
};

/// s - log(sum(exp(s))), s = x - max(x) -> log_softmax(x).
struct RecognizeLogSoftmax : OpRewritePattern<wt::BinaryOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::BinaryOp op, PatternRewriter &rewriter) const override {
    if (op.getFn() != wt::BinaryFn::sub)
      return rewriter.notifyMatchFailure(op, "not a subtraction");
    Value s = op.getLhs();
    auto log = unaryOf(op.getRhs(), wt::UnaryFn::log);
    auto sum = log ? log.getInput().getDefiningOp<wt::ReduceOp>() : wt::ReduceOp();
    int64_t axis = singleAxis(sum, wt::ReduceFn::sum);
    auto exp = sum ? unaryOf(sum.getInput(), wt::UnaryFn::exp) : wt::UnaryOp();
    if (!log || axis < 0 || !exp || exp.getInput() != s || !singleUse(op.getRhs()) ||
        !singleUse(log.getInput()) || !singleUse(sum.getInput()) ||
        s.getType() != op.getOutput().getType())
      return rewriter.notifyMatchFailure(op, "not s - log(sum(exp(s)))");
    auto [x, maxAxis] = shiftedByMax(s);
    if (maxAxis != axis || x.getType() != s.getType())
      return rewriter.notifyMatchFailure(op, "s is not x - max(x) along the axis");
    for (Operation *user : s.getUsers())
      if (user != op && user != exp)
        return rewriter.notifyMatchFailure(op, "x - max has other users");
    rewriter.replaceOpWithNewOp<wt::SoftmaxOp>(op, op.getOutput().getType(), x, axis, true);
    recordRewrite(kPass, "LogSoftmax");
    return success();
  }
};

struct WhittleRecognizeSoftmaxPass
    : whittle::impl::WhittleRecognizeSoftmaxPassBase<WhittleRecognizeSoftmaxPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RecognizeSoftmax, RecognizeLogSoftmax>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
