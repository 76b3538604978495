//===- FuseEpilogue.cpp - bias, residual and activation into conv/matmul --===//
//
// A conv or matmul computes `epilogue(acc + bias + residual)` in the loop
// that produces each element, so the Add of a per-channel constant, the
// Add of a skip connection and the activation after it cost no extra pass
// over memory. The patterns fuse them one at a time, each only where the
// op's order allows: a bias or residual never after an activation.
//
//===----------------------------------------------------------------------===//

#include "PassUtils.h"

#include "whittle/Passes/Passes.h"
#include "whittle/Passes/RewriteLog.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace whittle {
#define GEN_PASS_DEF_WHITTLEFUSEEPILOGUEPASS
#include "whittle/Passes/Passes.h.inc"
} // namespace whittle

using namespace mlir;
using namespace whittle;
using namespace whittle::passes;

namespace {

constexpr const char *kPass = "whittle-fuse-epilogue";

/// The float conv or matmul defining `v` when `v` is its only use and it
/// has no activation yet.
Operation *fusableProducer(Value v) {
  auto ty = dyn_cast<RankedTensorType>(v.getType());
  if (!ty || !isa<FloatType>(ty.getElementType()) || !singleUse(v))
    return nullptr;
  Operation *op = v.getDefiningOp();
  if (auto conv = dyn_cast_or_null<wt::ConvOp>(op))
    return conv.getEpilogueAttr() ? nullptr : op;
  if (auto mm = dyn_cast_or_null<wt::MatmulOp>(op))
    return mm.getEpilogueAttr() ? nullptr : op;
  return nullptr;
}

/// The producer's bias, residual and epilogue, to be changed and rebuilt.
struct Parts {
  Value bias, residual;
  wt::EpilogueAttr epilogue;
};

Parts partsOf(Operation *op) {
  if (auto conv = dyn_cast<wt::ConvOp>(op))
    return {conv.getBias(), conv.getResidual(), conv.getEpilogueAttr()};
  auto mm = cast<wt::MatmulOp>(op);
  return {mm.getBias(), mm.getResidual(), mm.getEpilogueAttr()};
}

/// Replaces `root` by a copy of `producer` with `parts`, and erases the
/// producer (whose one user was `root`).
void rebuild(PatternRewriter &rewriter, Operation *root, Operation *producer, const Parts &parts) {
  Type ty = root->getResult(0).getType();
  if (auto conv = dyn_cast<wt::ConvOp>(producer))
    rewriter.replaceOpWithNewOp<wt::ConvOp>(root, ty, conv.getInput(), conv.getFilter(),
                                            parts.bias, parts.residual, conv.getStridesAttr(),
                                            conv.getDilationsAttr(), conv.getPadsAttr(),
                                            conv.getGroupsAttr(), parts.epilogue,
                                            conv.getChannelsLastAttr());
  else {
    auto mm = cast<wt::MatmulOp>(producer);
    rewriter.replaceOpWithNewOp<wt::MatmulOp>(root, ty, mm.getLhs(), mm.getRhs(), parts.bias,
                                              parts.residual, mm.getTransposeLhs(),
                                              mm.getTransposeRhs(), parts.epilogue);
  }
  rewriter.eraseOp(producer);
}

/// The dim a producer's per-channel values run along.
int64_t channelAxis(Operation *producer, RankedTensorType outTy) {
  auto conv = dyn_cast<wt::ConvOp>(producer);
  return conv && !conv.getChannelsLast() ? 1 : outTy.getRank() - 1;
}

/// `conv + c`, c one value per output channel: c joins the bias.
struct FuseBias : OpRewritePattern<wt::BinaryOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::BinaryOp op, PatternRewriter &rewriter) const override {
    if (op.getFn() != wt::BinaryFn::add)
      return rewriter.notifyMatchFailure(op, "not an add");
    for (auto [x, c] : {std::pair(op.getLhs(), op.getRhs()), std::pair(op.getRhs(), op.getLhs())}) {
      Operation *producer = fusableProducer(x);
      if (!producer || x.getType() != op.getOutput().getType())
        continue;
      auto outTy = cast<RankedTensorType>(x.getType());
      int64_t axis = channelAxis(producer, outTy);
      auto add = perAxisConstant(c, outTy, axis);
      if (!add)
        continue;
      Parts parts = partsOf(producer);
      std::vector<double> bias(add->size(), 0.0);
      if (parts.bias) {
        auto old = biasValues(producer, parts.bias, outTy);
        if (!old)
          continue;
        bias = *old;
      }
      for (size_t i = 0; i < bias.size(); ++i)
        bias[i] += (*add)[i];
      parts.bias = makeConstant(
          rewriter, op.getLoc(),
          RankedTensorType::get({(int64_t)bias.size()}, outTy.getElementType()), bias, "bias");
      rebuild(rewriter, op, producer, parts);
      recordRewrite(kPass, "bias Add");
      return success();
    }
    return rewriter.notifyMatchFailure(op, "not a conv/matmul plus a per-channel constant");
  }
};

/// `conv + y`, y of the result's type: y becomes the residual.
struct FuseResidual : OpRewritePattern<wt::BinaryOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::BinaryOp op, PatternRewriter &rewriter) const override {
    if (op.getFn() != wt::BinaryFn::add)
      return rewriter.notifyMatchFailure(op, "not an add");
    for (auto [x, y] : {std::pair(op.getLhs(), op.getRhs()), std::pair(op.getRhs(), op.getLhs())}) {
      Operation *producer = fusableProducer(x);
      // Static shapes only: over dynamic dims the Add may broadcast a
      // dim that is 1 at run time, which a residual does not.
      if (!producer || x == y || x.getType() != op.getOutput().getType() ||
          y.getType() != x.getType() || !cast<RankedTensorType>(x.getType()).hasStaticShape())
        continue;
      Parts parts = partsOf(producer);
      if (parts.residual)
        continue;
      parts.residual = y;
      rebuild(rewriter, op, producer, parts);
      recordRewrite(kPass, "residual Add");
      return success();
    }
    return rewriter.notifyMatchFailure(op, "not a conv/matmul plus a same-shape tensor");
  }
};

/// `activation(conv)`: the activation becomes the epilogue.
struct FuseActivation : OpRewritePattern<wt::UnaryOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::UnaryOp op, PatternRewriter &rewriter) const override {
    // Functions from relu (40) on are activations the epilogue computes.
    if ((int64_t)op.getFn() < (int64_t)wt::UnaryFn::relu)
      return rewriter.notifyMatchFailure(op, "not an activation");
    Operation *producer = fusableProducer(op.getInput());
    if (!producer || op.getInput().getType() != op.getOutput().getType())
      return rewriter.notifyMatchFailure(op, "input is not a single-use conv/matmul");
    Parts parts = partsOf(producer);
    parts.epilogue = wt::EpilogueAttr::get(getContext(), op.getFn(), op.getAlphaAttr(),
                                           op.getBetaAttr());
    std::string what = ("activation " + wt::stringifyUnaryFn(op.getFn())).str();
    rebuild(rewriter, op, producer, parts);
    recordRewrite(kPass, what);
    return success();
  }
};

struct WhittleFuseEpiloguePass
    : whittle::impl::WhittleFuseEpiloguePassBase<WhittleFuseEpiloguePass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // Bias before residual: a per-channel constant is a bias even where it
    // also has the result's shape.
    patterns.add<FuseBias>(&getContext(), /*benefit=*/2);
    patterns.add<FuseResidual, FuseActivation>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
