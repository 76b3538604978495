//===- FoldBatchNorm.cpp - BN and per-channel scales into weights ---------===//
//
// An inference BatchNormalization after a conv is an affine map per output
// channel, y = x * s + t with s = scale / sqrt(var + eps) and
// t = beta - mean * s. Scaling the filter's output channels by s and
// adding t to the bias computes it inside the conv, with no pass over the
// activations. The same holds for the columns of a matmul with constant
// weights (Gemm + BatchNormalization1d), and for a Mul by a per-channel
// constant (PaddlePaddle's learnable affine blocks, folded scales).
//
//===----------------------------------------------------------------------===//

#include "PassUtils.h"

#include "whittle/Passes/Passes.h"
#include "whittle/Passes/RewriteLog.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace whittle {
#define GEN_PASS_DEF_WHITTLEFOLDBATCHNORMPASS
#include "whittle/Passes/Passes.h.inc"
} // namespace whittle

using namespace mlir;
using namespace whittle;
using namespace whittle::passes;

namespace {

constexpr const char *kPass = "whittle-fold-batch-norm";

/// A conv or matmul whose result can absorb a per-channel affine map: one
/// user, no residual or activation yet, float constant weights.
struct Producer {
  Operation *op = nullptr;
  Value weights, bias;
  RankedTensorType outTy;
  /// Dim of the result the channels run along (conv: 1, matmul: last).
  int64_t channelAxis = 0;
  /// Channel of weight element `i`.
  std::function<int64_t(int64_t)> channelOf;
};

std::optional<Producer> affineProducer(Value v) {
  Producer p;
  p.outTy = dyn_cast<RankedTensorType>(v.getType());
  if (!p.outTy || !isa<FloatType>(p.outTy.getElementType()) || !singleUse(v))
    return std::nullopt;
  if (auto conv = v.getDefiningOp<wt::ConvOp>()) {
    if (conv.getResidual() || conv.getEpilogueAttr() || conv.getChannelsLast())
      return std::nullopt;
    auto wTy = dyn_cast<RankedTensorType>(conv.getFilter().getType());
    if (!wTy || !wTy.hasStaticShape() || !conv.getFilter().getDefiningOp<wt::ConstantOp>())
      return std::nullopt;
    int64_t perChannel = wTy.getNumElements() / std::max<int64_t>(1, wTy.getDimSize(0));
    p.op = conv;
    p.weights = conv.getFilter();
    p.bias = conv.getBias();
    p.channelAxis = 1;
    p.channelOf = [perChannel](int64_t i) { return i / perChannel; };
    return p;
  }
  if (auto convT = v.getDefiningOp<wt::ConvTransposeOp>()) {
    // Filter C x M x K.. (ungrouped): output channel m of element i is
    // (i / taps) % M.
    auto wTy = dyn_cast<RankedTensorType>(convT.getFilter().getType());
    if (convT.getGroups() != 1 || !wTy || !wTy.hasStaticShape() ||
        !convT.getFilter().getDefiningOp<wt::ConstantOp>())
      return std::nullopt;
    int64_t m = wTy.getDimSize(1), taps = wTy.getNumElements() / (wTy.getDimSize(0) * m);
    p.op = convT;
    p.weights = convT.getFilter();
    p.bias = convT.getBias();
    p.channelAxis = 1;
    p.channelOf = [m, taps](int64_t i) { return (i / taps) % m; };
    return p;
  }
  if (auto mm = v.getDefiningOp<wt::MatmulOp>()) {
    auto rTy = dyn_cast<RankedTensorType>(mm.getRhs().getType());
    if (mm.getResidual() || mm.getEpilogueAttr() || !rTy || !rTy.hasStaticShape() ||
        rTy.getRank() < 2 || p.outTy.getRank() < 2 || !mm.getRhs().getDefiningOp<wt::ConstantOp>())
      return std::nullopt;
    int64_t r = rTy.getRank();
    int64_t cols = rTy.getDimSize(mm.getTransposeRhs() ? r - 2 : r - 1);
    int64_t inner = rTy.getDimSize(r - 1);
    p.op = mm;
    p.weights = mm.getRhs();
    p.bias = mm.getBias();
    p.channelAxis = p.outTy.getRank() - 1;
    if (mm.getTransposeRhs())
      p.channelOf = [inner, cols](int64_t i) { return (i / inner) % cols; };
    else
      p.channelOf = [cols](int64_t i) { return i % cols; };
    return p;
  }
  return std::nullopt;
}

/// Rebuilds `p`'s op computing `acc * s + t` per channel, replacing `root`.
/// Fails (changing nothing) when a constant cannot be read.
LogicalResult foldAffine(PatternRewriter &rewriter, const Producer &p, Operation *root,
                         ArrayRef<double> s, ArrayRef<double> t) {
  int64_t channels = s.size();
  auto w = wt::constantValues(p.weights);
  if (!w)
    return rewriter.notifyMatchFailure(root, "weights are not readable");
  std::vector<double> bias(channels, 0.0);
  if (p.bias) {
    auto b = biasValues(p.op, p.bias, p.outTy);
    if (!b)
      return rewriter.notifyMatchFailure(root, "bias is not a per-channel constant");
    bias = *b;
  }
  for (int64_t i = 0, e = w->size(); i < e; ++i)
    (*w)[i] *= s[p.channelOf(i)];
  for (int64_t c = 0; c < channels; ++c)
    bias[c] = bias[c] * s[c] + t[c];
  Location loc = root->getLoc();
  auto wTy = cast<RankedTensorType>(p.weights.getType());
  Value newW = makeConstant(rewriter, loc, wTy, *w, "folded_weights");
  Value newB = makeConstant(rewriter, loc,
                            RankedTensorType::get({channels}, p.outTy.getElementType()), bias,
                            "folded_bias");
  Type resultTy = root->getResult(0).getType();
  if (auto conv = dyn_cast<wt::ConvOp>(p.op)) {
    rewriter.replaceOpWithNewOp<wt::ConvOp>(root, resultTy, conv.getInput(), newW, newB, Value(),
                                            conv.getStridesAttr(), conv.getDilationsAttr(),
                                            conv.getPadsAttr(), conv.getGroupsAttr(),
                                            wt::EpilogueAttr());
  } else if (auto convT = dyn_cast<wt::ConvTransposeOp>(p.op)) {
    rewriter.replaceOpWithNewOp<wt::ConvTransposeOp>(
        root, resultTy, convT.getInput(), newW, newB, convT.getStridesAttr(),
        convT.getDilationsAttr(), convT.getPadsAttr(), convT.getGroupsAttr());
  } else {
    auto mm = cast<wt::MatmulOp>(p.op);
    rewriter.replaceOpWithNewOp<wt::MatmulOp>(root, resultTy, mm.getLhs(), newW, newB, Value(),
                                              mm.getTransposeLhs(), mm.getTransposeRhs(),
                                              wt::EpilogueAttr());
  }
  rewriter.eraseOp(p.op);
  return success();
}

/// A batch norm with constant parameters as y = x * s + t per channel
/// (axis 1), or nullopt.
std::optional<std::pair<std::vector<double>, std::vector<double>>>
batchNormAffine(wt::BatchNormOp op) {
  auto ty = dyn_cast<RankedTensorType>(op.getInput().getType());
  if (!ty || ty.getRank() < 2 || ty.isDynamicDim(1))
    return std::nullopt;
  auto get = [&](Value v) { return vectorConstant(v, ty.getDimSize(1)); };
  auto scale = get(op.getScale()), beta = get(op.getBias()), mean = get(op.getMean()),
       var = get(op.getVariance());
  if (!scale || !beta || !mean || !var)
    return std::nullopt;
  double eps = op.getEpsilon().convertToDouble();
  std::vector<double> s(scale->size()), t(scale->size());
  for (size_t c = 0; c < s.size(); ++c) {
    s[c] = (*scale)[c] / std::sqrt((*var)[c] + eps);
    t[c] = (*beta)[c] - (*mean)[c] * s[c];
  }
  return std::pair(std::move(s), std::move(t));
}

struct FoldBatchNorm : OpRewritePattern<wt::BatchNormOp> {
  FoldBatchNorm(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(wt::BatchNormOp op, PatternRewriter &rewriter) const override {
    auto p = affineProducer(op.getInput());
    if (!p)
      return rewriter.notifyMatchFailure(op, "input is not a single-use conv/matmul with "
                                             "constant weights and no epilogue");
    // The normalized axis is 1: the conv's channels, or a rank-2 matmul's columns.
    if (p->channelAxis != 1)
      return rewriter.notifyMatchFailure(op, "channel axis 1 is not the matmul's columns");
    auto affine = batchNormAffine(op);
    if (!affine)
      return rewriter.notifyMatchFailure(op, "parameters are not constants");
    auto &[s, t] = *affine;
    const char *what = isa<wt::ConvOp>(p->op)            ? "batch_norm into conv"
                       : isa<wt::ConvTransposeOp>(p->op) ? "batch_norm into conv_transpose"
                                                         : "batch_norm into matmul";
    if (failed(foldAffine(rewriter, *p, op, s, t)))
      return failure();
    recordRewrite(kPass, what);
    return success();
  }
};

/// A batch norm with constant parameters that no producer absorbs:
/// x * s + t with per-channel constants, which later passes handle like
/// any elementwise op (transposes sink through them; a mul may still fold
/// into a conv once one produces x).
struct BatchNormAsAffine : OpRewritePattern<wt::BatchNormOp> {
  BatchNormAsAffine(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/1) {}

  LogicalResult matchAndRewrite(wt::BatchNormOp op, PatternRewriter &rewriter) const override {
    auto ty = dyn_cast<RankedTensorType>(op.getOutput().getType());
    auto affine = batchNormAffine(op);
    if (!ty || !isa<FloatType>(ty.getElementType()) || !affine)
      return rewriter.notifyMatchFailure(op, "parameters are not constants");
    SmallVector<int64_t> shape(ty.getRank(), 1);
    shape[1] = ty.getDimSize(1);
    auto cTy = RankedTensorType::get(shape, ty.getElementType());
    Location loc = op.getLoc();
    Value y = wt::BinaryOp::create(rewriter, loc, ty, op.getInput(),
                                   makeConstant(rewriter, loc, cTy, affine->first, "bn_scale"),
                                   wt::BinaryFn::mul);
    y = wt::BinaryOp::create(rewriter, loc, ty, y,
                             makeConstant(rewriter, loc, cTy, affine->second, "bn_shift"),
                             wt::BinaryFn::add);
    rewriter.replaceOp(op, y);
    recordRewrite(kPass, "batch_norm as scale and shift");
    return success();
  }
};

/// `conv * c` with c one value per output channel (or one value).
struct FoldScale : OpRewritePattern<wt::BinaryOp> {
  using Base::Base;

  LogicalResult matchAndRewrite(wt::BinaryOp op, PatternRewriter &rewriter) const override {
    if (op.getFn() != wt::BinaryFn::mul)
      return rewriter.notifyMatchFailure(op, "not a mul");
    for (auto [x, c] : {std::pair(op.getLhs(), op.getRhs()), std::pair(op.getRhs(), op.getLhs())}) {
      if (x.getType() != op.getOutput().getType())
        continue;
      auto p = affineProducer(x);
      if (!p)
        continue;
      auto s = perAxisConstant(c, p->outTy, p->channelAxis);
      if (!s)
        continue;
      if (failed(foldAffine(rewriter, *p, op, *s, std::vector<double>(s->size(), 0.0))))
        return failure();
      recordRewrite(kPass, "per-channel mul into weights");
      return success();
    }
    return rewriter.notifyMatchFailure(op, "not a conv/matmul times a per-channel constant");
  }
};

struct WhittleFoldBatchNormPass
    : whittle::impl::WhittleFoldBatchNormPassBase<WhittleFoldBatchNormPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldBatchNorm, BatchNormAsAffine, FoldScale>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
