//===- RecognizeLayerNorm.cpp - the decomposed LayerNorm to one op --------===//
//
// Exporters before opset 17 (and many after) write LayerNorm as
//   d = x - mean(x); y = d / sqrt(mean(d^2) + eps); y * gamma + beta
// over the trailing axes: seven or more ops and four passes over memory.
// whittle.layer_norm computes it in two reductions and one elementwise
// pass. The pass anchors on the division and reaches forward for gamma
// and beta.
//
//===----------------------------------------------------------------------===//

#include "PassUtils.h"

#include "whittle/Passes/Passes.h"
#include "whittle/Passes/RewriteLog.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace whittle {
#define GEN_PASS_DEF_WHITTLERECOGNIZELAYERNORMPASS
#include "whittle/Passes/Passes.h.inc"
} // namespace whittle

using namespace mlir;
using namespace whittle;
using namespace whittle::passes;

namespace {

/// `mean(v)` over trailing axes with kept dims: the first axis, or -1.
int64_t trailingMeanAxis(wt::ReduceOp r) {
  auto ty = dyn_cast<RankedTensorType>(r.getInput().getType());
  if (!r || r.getFn() != wt::ReduceFn::mean || !r.getKeepDims() || !ty || r.getAxes().empty())
    return -1;
  SmallVector<int64_t> axes(r.getAxes());
  llvm::sort(axes);
  for (size_t i = 0; i < axes.size(); ++i)
    if (axes[i] != ty.getRank() - (int64_t)axes.size() + (int64_t)i)
      return -1;
  return axes.front();
}

/// Whether `v` is d^2: pow(d, 2) or d * d.
bool isSquare(Value v, Value d) {
  if (auto pow = binaryOf(v, wt::BinaryFn::pow))
    return pow.getLhs() == d && isScalar(pow.getRhs(), 2.0, 0);
  if (auto mul = binaryOf(v, wt::BinaryFn::mul))
    return mul.getLhs() == d && mul.getRhs() == d;
  return false;
}

/// A constant that multiplies or adds into `y` without broadcasting it.
Value affineConstant(wt::BinaryOp op, Value y) {
  Value c = otherOperand(op, y);
  if (!c || op.getOutput().getType() != y.getType() || !c.getDefiningOp<wt::ConstantOp>() ||
      !cast<RankedTensorType>(c.getType()).hasStaticShape())
    return {};
  return c;
}

struct RecognizeLayerNorm : OpRewritePattern<wt::BinaryOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::BinaryOp op, PatternRewriter &rewriter) const override {
    // y = d / sqrt(var + eps), or d * reciprocal(sqrt(var + eps)).
    Value d = op.getLhs(), denom = op.getRhs();
    if (op.getFn() == wt::BinaryFn::mul) {
      auto rec = unaryOf(denom, wt::UnaryFn::reciprocal);
      if (!rec)
        std::swap(d, denom), rec = unaryOf(denom, wt::UnaryFn::reciprocal);
      if (!rec || !singleUse(denom))
        return rewriter.notifyMatchFailure(op, "not d * reciprocal(..)");
      denom = rec.getInput();
    } else if (op.getFn() != wt::BinaryFn::div) {
      return rewriter.notifyMatchFailure(op, "not a division");
    }
    auto sub = binaryOf(d, wt::BinaryFn::sub);
    auto sqrt = unaryOf(denom, wt::UnaryFn::sqrt);
    if (!sub || !sqrt || !singleUse(denom) || d.getType() != op.getOutput().getType())
      return rewriter.notifyMatchFailure(op, "not (x - mean) / sqrt(..)");
    Value x = sub.getLhs();
    auto mean = sub.getRhs().getDefiningOp<wt::ReduceOp>();
    int64_t axis = mean ? trailingMeanAxis(mean) : -1;
    if (axis < 0 || mean.getInput() != x || x.getType() != d.getType())
      return rewriter.notifyMatchFailure(op, "not x - mean(x) over trailing axes");
    // whittle.layer_norm normalizes over static extents.
    auto xTy = cast<RankedTensorType>(x.getType());
    for (int64_t i = axis; i < xTy.getRank(); ++i)
      if (xTy.isDynamicDim(i))
        return rewriter.notifyMatchFailure(op, "a normalized dim is dynamic");
    auto addEps = binaryOf(sqrt.getInput(), wt::BinaryFn::add);
    if (!addEps || !singleUse(sqrt.getInput()))
      return rewriter.notifyMatchFailure(op, "no + eps under the sqrt");
    Value varV = addEps.getLhs();
    std::optional<double> eps = wt::constantScalar(addEps.getRhs());
    if (!eps)
      varV = addEps.getRhs(), eps = wt::constantScalar(addEps.getLhs());
    auto var = varV.getDefiningOp<wt::ReduceOp>();
    if (!eps || !var || !singleUse(varV) || trailingMeanAxis(var) != axis ||
        var.getAxes().size() != mean.getAxes().size() || !isSquare(var.getInput(), d) ||
        !singleUse(var.getInput()))
      return rewriter.notifyMatchFailure(op, "variance is not mean((x - mean)^2) + eps");
    // d feeds only the square and the division.
    for (Operation *user : d.getUsers())
      if (user != op && user != var.getInput().getDefiningOp())
        return rewriter.notifyMatchFailure(op, "x - mean has other users");
    // Optional * gamma, then + beta.
    Operation *root = op;
    Value y = op.getOutput(), gamma, beta;
    if (singleUse(y))
      if (auto mul = dyn_cast<wt::BinaryOp>(*y.getUsers().begin());
          mul && mul.getFn() == wt::BinaryFn::mul && (gamma = affineConstant(mul, y)))
        root = mul, y = mul.getOutput();
    if (singleUse(y))
      if (auto add = dyn_cast<wt::BinaryOp>(*y.getUsers().begin());
          add && add.getFn() == wt::BinaryFn::add && (beta = affineConstant(add, y)))
        root = add;
    rewriter.setInsertionPoint(root);
    auto ty = cast<RankedTensorType>(x.getType());
    if (!gamma)
      gamma = makeConstant(rewriter, op.getLoc(), RankedTensorType::get({1}, ty.getElementType()),
                           {1.0});
    rewriter.replaceOpWithNewOp<wt::LayerNormOp>(root, root->getResult(0).getType(), x, gamma,
                                                 beta, rewriter.getI64IntegerAttr(axis),
                                                 rewriter.getF32FloatAttr((float)*eps));
    recordRewrite("whittle-recognize-layer-norm", "LayerNorm");
    return success();
  }
};

struct WhittleRecognizeLayerNormPass
    : whittle::impl::WhittleRecognizeLayerNormPassBase<WhittleRecognizeLayerNormPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RecognizeLayerNorm>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
