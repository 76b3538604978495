//===- PropagateLayout.cpp - channels-last convs, transposes at the edge --===//
//
// Whittle's ops are N x C x spatial, as ONNX's. Convolutions compute
// better channels-last (the output channels innermost, read and written
// contiguously), so this pass converts each conv and then moves the
// layout changes it introduces: a transpose after a conv sinks through
// the elementwise ops that follow until it meets the transpose before the
// next conv, and the two cancel.
//
//===----------------------------------------------------------------------===//

#include "PassUtils.h"

#include "whittle/Conversion/PackedContraction.h"
#include "whittle/Passes/Passes.h"
#include "whittle/Passes/RewriteLog.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace whittle {
#define GEN_PASS_DEF_WHITTLEPROPAGATELAYOUTPASS
#include "whittle/Passes/Passes.h.inc"
} // namespace whittle

using namespace mlir;
using namespace whittle;
using namespace whittle::passes;

namespace {

constexpr const char *kPass = "whittle-propagate-layout";

/// Another operand of an elementwise op is transposed along with a sunk
/// transpose when it has at most this many elements (or is a constant).
constexpr int64_t kSmallOperand = 4096;

RankedTensorType permuted(RankedTensorType ty, ArrayRef<int64_t> perm) {
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(ty.getDimSize(p));
  return RankedTensorType::get(shape, ty.getElementType());
}

SmallVector<int64_t> inverse(ArrayRef<int64_t> perm) {
  SmallVector<int64_t> inv(perm.size());
  for (auto [i, p] : llvm::enumerate(perm))
    inv[p] = i;
  return inv;
}

Value transpose(PatternRewriter &rewriter, Location loc, Value v, ArrayRef<int64_t> perm) {
  auto ty = cast<RankedTensorType>(v.getType());
  return wt::TransposeOp::create(rewriter, loc, permuted(ty, perm), v,
                                 rewriter.getDenseI64ArrayAttr(perm));
}

/// The permutation N C D.. -> N D.. C of a rank-`r` tensor.
SmallVector<int64_t> toChannelsLast(int64_t r) {
  SmallVector<int64_t> perm{0};
  for (int64_t i = 2; i < r; ++i)
    perm.push_back(i);
  perm.push_back(1);
  return perm;
}

/// conv (N C D..) -> transpose(conv_cl(transpose(x), W as K.. x C/g x M)).
struct ConvToChannelsLast : OpRewritePattern<wt::ConvOp> {
  ConvToChannelsLast(MLIRContext *ctx, int64_t minChannels)
      : OpRewritePattern(ctx), minChannels(minChannels) {}
  int64_t minChannels;
  LogicalResult matchAndRewrite(wt::ConvOp op, PatternRewriter &rewriter) const override {
    auto inTy = dyn_cast<RankedTensorType>(op.getInput().getType());
    auto wTy = dyn_cast<RankedTensorType>(op.getFilter().getType());
    auto outTy = dyn_cast<RankedTensorType>(op.getOutput().getType());
    if (op.getChannelsLast() || !inTy || !wTy || !outTy || !inTy.hasStaticShape() ||
        !wTy.hasStaticShape() || !outTy.hasStaticShape() ||
        !isa<FloatType>(outTy.getElementType()) || inTy.getElementType() != outTy.getElementType() ||
        wTy.getElementType() != outTy.getElementType() ||
        !op.getFilter().getDefiningOp<wt::ConstantOp>() ||
        (op.getBias() && !cast<RankedTensorType>(op.getBias().getType()).hasStaticShape()))
      return rewriter.notifyMatchFailure(op, "not a static float conv with a constant filter");
    // Where channels-last pays: f32 convs, ungrouped (any output
    // channels) or depthwise with at least one 16-channel panel, become
    // register-tiled packed contractions
    // (include/whittle/Conversion/PackedContraction.h) in that layout.
    // Ungrouped convs of other float types loop innermost over the output
    // channels instead of the output row, so they must be the longer of
    // the two and long enough for full vectors (LLVM unrolls a 16- or
    // 32-trip loop to scalars first); other grouped convs vectorize better
    // along the row, N x C x H x W.
    int64_t m = wTy.getDimSize(0), row = outTy.getDimSize(outTy.getRank() - 1);
    bool f32 = outTy.getElementType().isF32();
    bool depthwise = (int64_t)op.getGroups() == m && inTy.getDimSize(1) == m;
    if (op.getGroups() == 1 ? !f32 && (m < minChannels || m <= row)
                            : !(depthwise && f32 && m >= kPanelWidth))
      return rewriter.notifyMatchFailure(op, "grouped, or its output row is the longer loop");
    int64_t r = inTy.getRank();
    SmallVector<int64_t> toLast = toChannelsLast(r), toFirst = inverse(toLast), filterPerm;
    for (int64_t i = 2; i < r; ++i)
      filterPerm.push_back(i);
    filterPerm.append({1, 0});
    auto w = wt::constantValues(op.getFilter());
    if (!w)
      return rewriter.notifyMatchFailure(op, "filter not readable");
    Location loc = op.getLoc();
    Value filter = makeConstant(rewriter, loc, permuted(wTy, filterPerm),
                                wt::transposeValues(*w, wTy.getShape(), filterPerm), "filter_hwio");
    Value x = transpose(rewriter, loc, op.getInput(), toLast);
    Value residual = op.getResidual() ? transpose(rewriter, loc, op.getResidual(), toLast) : Value();
    Value y = wt::ConvOp::create(rewriter, loc, permuted(outTy, toLast), x, filter, op.getBias(),
                                 residual, op.getStridesAttr(), op.getDilationsAttr(),
                                 op.getPadsAttr(), op.getGroupsAttr(), op.getEpilogueAttr(),
                                 rewriter.getUnitAttr());
    rewriter.replaceOp(op, transpose(rewriter, loc, y, toFirst));
    recordRewrite(kPass, "conv to channels-last");
    return success();
  }
};

/// A transposed conv whose kernel equals its stride (no padding, no
/// dilation, ungrouped: upsampling heads) writes each output pixel from one
/// input pixel: a matmul of the channels-last input rows with the filter
/// as C x (M x K..), then depth-to-space into channels-last:
///   y[n, m, h*s+kh, ..] = sum_c x[n, c, h, ..] * w[c, m, kh, ..] + b[m].
/// The transposes to and from channels-last are layout boundaries like a
/// conv's.
struct ConvTransposeAsMatmul : OpRewritePattern<wt::ConvTransposeOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ConvTransposeOp op, PatternRewriter &rewriter) const override {
    auto inTy = dyn_cast<RankedTensorType>(op.getInput().getType());
    auto wTy = dyn_cast<RankedTensorType>(op.getFilter().getType());
    auto outTy = dyn_cast<RankedTensorType>(op.getOutput().getType());
    if (!inTy || !wTy || !outTy || !inTy.hasStaticShape() || !wTy.hasStaticShape() ||
        !outTy.hasStaticShape() || !outTy.getElementType().isF32() || op.getGroups() != 1 ||
        !op.getFilter().getDefiningOp<wt::ConstantOp>())
      return rewriter.notifyMatchFailure(op, "not a static f32 ungrouped transposed conv");
    int64_t r = inTy.getRank(), k = r - 2;
    for (int64_t i = 0; i < k; ++i)
      if (op.getStrides()[i] != wTy.getDimSize(2 + i) || op.getDilations()[i] != 1 ||
          op.getPads()[i] != 0 || op.getPads()[k + i] != 0)
        return rewriter.notifyMatchFailure(op, "kernel is not the stride, or padded/dilated");
    std::optional<std::vector<double>> bias;
    if (op.getBias() && !(bias = wt::constantValues(op.getBias())))
      return rewriter.notifyMatchFailure(op, "bias not constant");
    auto w = wt::constantValues(op.getFilter());
    if (!w)
      return rewriter.notifyMatchFailure(op, "filter not readable");
    Location loc = op.getLoc();
    Type elt = outTy.getElementType();
    int64_t n = inTy.getDimSize(0), c = inTy.getDimSize(1), m = wTy.getDimSize(1), pixels = n,
            taps = 1;
    for (int64_t i = 0; i < k; ++i) {
      pixels *= inTy.getDimSize(2 + i);
      taps *= wTy.getDimSize(2 + i);
    }
    auto reshape = [&](Value v, ArrayRef<int64_t> shape) {
      return wt::ReshapeOp::create(rewriter, loc, RankedTensorType::get(shape, elt), v, Value(),
                                   false)
          .getResult();
    };
    // Rows: the input pixels, channels-last; columns: (m, kernel taps).
    Value rows = reshape(transpose(rewriter, loc, op.getInput(), toChannelsLast(r)), {pixels, c});
    Value filter = makeConstant(rewriter, loc, RankedTensorType::get({c, m * taps}, elt), *w,
                                "filter_cmk");
    Value columnBias;
    if (bias) {
      std::vector<double> repeated;
      for (int64_t j = 0; j < m; ++j)
        repeated.insert(repeated.end(), taps, (*bias)[j]);
      columnBias = makeConstant(rewriter, loc, RankedTensorType::get({m * taps}, elt), repeated,
                                "bias_taps");
    }
    Value y = wt::MatmulOp::create(rewriter, loc, RankedTensorType::get({pixels, m * taps}, elt),
                                   rows, filter, columnBias, Value(), false, false,
                                   wt::EpilogueAttr());
    // N H.. M K.. -> N (H K).. M (depth-to-space, channels-last), then
    // the layout boundary back to N M (H K)..: it cancels with the next
    // channels-last op's.
    SmallVector<int64_t> split{n}, perm{0}, merged{n};
    for (int64_t i = 0; i < k; ++i)
      split.push_back(inTy.getDimSize(2 + i));
    split.push_back(m);
    for (int64_t i = 0; i < k; ++i) {
      split.push_back(wTy.getDimSize(2 + i));
      perm.append({1 + i, k + 2 + i});
      merged.push_back(outTy.getDimSize(2 + i));
    }
    perm.push_back(k + 1);
    merged.push_back(m);
    y = reshape(transpose(rewriter, loc, reshape(y, split), perm), merged);
    rewriter.replaceOp(op, transpose(rewriter, loc, y, inverse(toChannelsLast(r))));
    recordRewrite(kPass, "conv_transpose as matmul");
    return success();
  }
};

/// transpose(transpose(x, p), q) -> transpose(x, p o q), or x.
struct ComposeTransposes : OpRewritePattern<wt::TransposeOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::TransposeOp op, PatternRewriter &rewriter) const override {
    return composeTransposePair(op, rewriter, kPass);
  }
};

/// The single-use transpose defining `v`, or null.
wt::TransposeOp sinkable(Value v) {
  auto t = v.getDefiningOp<wt::TransposeOp>();
  return t && singleUse(v) ? t : wt::TransposeOp();
}

/// op(transpose(x, p)) -> transpose(op(x), p) for a one-operand
/// elementwise op: unary functions, and casts (a quantized model's casts
/// between storage integers and f32 then stay channels-last too).
template <typename OpTy>
struct SinkThroughElementwise : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    auto t = sinkable(op->getOperand(0));
    auto outTy = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!t || !outTy)
      return rewriter.notifyMatchFailure(op, "input is not a single-use transpose");
    ArrayRef<int64_t> perm = t.getPerm();
    Operation *moved = rewriter.clone(*op);
    moved->setOperand(0, t.getInput());
    moved->getResult(0).setType(permuted(outTy, inverse(perm)));
    rewriter.replaceOp(op, transpose(rewriter, op.getLoc(), moved->getResult(0), perm));
    return success();
  }
};

/// binary(transpose(a, p), b) -> transpose(binary(a, b'), p), b' = b read
/// in a's layout: b's own transpose, or b (a constant or small) reshaped
/// to the rank and transposed back.
struct SinkThroughBinary : OpRewritePattern<wt::BinaryOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::BinaryOp op, PatternRewriter &rewriter) const override {
    auto outTy = dyn_cast<RankedTensorType>(op.getOutput().getType());
    if (!outTy || !outTy.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic result");
    for (int side = 0; side < 2; ++side) {
      Value a = side == 0 ? op.getLhs() : op.getRhs(), b = side == 0 ? op.getRhs() : op.getLhs();
      auto t = sinkable(a);
      // A transpose with other users moves too when the other operand is
      // transposed the same way: an SE block's x + x * s, where x also
      // feeds the squeeze, ends with one transpose after the sum.
      if (!t)
        if (auto at = a.getDefiningOp<wt::TransposeOp>())
          if (auto bt = b.getDefiningOp<wt::TransposeOp>(); bt && bt.getPerm() == at.getPerm())
            t = at;
      auto bTy = dyn_cast<RankedTensorType>(b.getType());
      if (!t || !bTy || !bTy.hasStaticShape() || a.getType() != op.getOutput().getType() ||
          cast<RankedTensorType>(a.getType()).getElementType() != outTy.getElementType())
        continue;
      ArrayRef<int64_t> perm = t.getPerm();
      auto inv = inverse(perm);
      Location loc = op.getLoc();
      Value bIn;
      if (auto bt = b.getDefiningOp<wt::TransposeOp>(); bt && bt.getPerm() == perm) {
        bIn = bt.getInput();
      } else if (b.getDefiningOp<wt::ConstantOp>() ||
                 (bTy.getNumElements() <= kSmallOperand &&
                  bTy.getNumElements() < outTy.getNumElements())) {
        // (A computed operand only when it is smaller than the result,
        // one that broadcasts: two small same-size tensors in different
        // layouts would otherwise trade the transpose back and forth.)
        // Same rank first (leading 1s), then into a's layout.
        SmallVector<int64_t> shape(outTy.getRank() - bTy.getRank(), 1);
        shape.append(bTy.getShape().begin(), bTy.getShape().end());
        if (bTy.getRank() != outTy.getRank())
          b = wt::ReshapeOp::create(rewriter, loc, RankedTensorType::get(shape, bTy.getElementType()),
                                    b, Value(), false);
        bIn = transpose(rewriter, loc, b, inv);
      } else {
        continue;
      }
      Value lhs = side == 0 ? t.getInput() : bIn, rhs = side == 0 ? bIn : t.getInput();
      Value y = wt::BinaryOp::create(rewriter, loc, permuted(outTy, inv), lhs, rhs, op.getFn());
      rewriter.replaceOp(op, transpose(rewriter, loc, y, perm));
      return success();
    }
    return rewriter.notifyMatchFailure(op, "no operand to sink a transpose from");
  }
};

/// reduce(transpose(x, p), axes, keep_dims) -> transpose(reduce(x, p[axes]), p).
/// Also when the transpose has other users: the reduced tensor is smaller.
struct SinkThroughReduce : OpRewritePattern<wt::ReduceOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ReduceOp op, PatternRewriter &rewriter) const override {
    auto t = op.getInput().getDefiningOp<wt::TransposeOp>();
    auto outTy = dyn_cast<RankedTensorType>(op.getOutput().getType());
    if (!t || !op.getKeepDims() || !outTy)
      return rewriter.notifyMatchFailure(op, "not a keep-dims reduce of a transpose");
    ArrayRef<int64_t> perm = t.getPerm();
    SmallVector<int64_t> axes;
    for (int64_t a : op.getAxes())
      axes.push_back(perm[a]);
    llvm::sort(axes);
    Value y = wt::ReduceOp::create(rewriter, op.getLoc(), permuted(outTy, inverse(perm)),
                                   t.getInput(), op.getFn(), rewriter.getDenseI64ArrayAttr(axes),
                                   true);
    rewriter.replaceOp(op, transpose(rewriter, op.getLoc(), y, perm));
    return success();
  }
};

/// pool(transpose(x, to N C D..)) -> transpose(pool_channels_last(x)) for
/// x channels-last: the window loops run over contiguous channel vectors.
/// The transpose may have other users (SPP pools one tensor three times
/// and concatenates it with the results): the pool's result is never
/// larger than its input, so moving the transpose after it costs no more.
struct SinkThroughPool : OpRewritePattern<wt::PoolOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::PoolOp op, PatternRewriter &rewriter) const override {
    auto t = op.getInput().getDefiningOp<wt::TransposeOp>();
    auto outTy = dyn_cast<RankedTensorType>(op.getOutput().getType());
    if (op.getChannelsLast() || !t || !outTy)
      return rewriter.notifyMatchFailure(op, "input is not a transpose");
    int64_t r = outTy.getRank();
    SmallVector<int64_t> toLast = toChannelsLast(r), toFirst = inverse(toLast);
    if (t.getPerm() != ArrayRef<int64_t>(toFirst))
      return rewriter.notifyMatchFailure(op, "input is not channels-last transposed back");
    auto y = wt::PoolOp::create(rewriter, op.getLoc(), permuted(outTy, toLast), t.getInput(),
                                op.getFnAttr(), op.getKernelAttr(), op.getStridesAttr(),
                                op.getDilationsAttr(), op.getPadsAttr(), op.getCeilModeAttr(),
                                op.getCountIncludePadAttr(), op.getPAttr(),
                                rewriter.getUnitAttr());
    rewriter.replaceOp(op, transpose(rewriter, op.getLoc(), y, toFirst));
    recordRewrite(kPass, "pool to channels-last");
    return success();
  }
};

/// resize(transpose(x, p)) -> transpose(resize(x), p), the scales permuted
/// with the dims: every dim's source coordinate depends on that dim alone.
/// Only a single-use transpose moves: the resized tensor is the larger.
struct SinkThroughResize : OpRewritePattern<wt::ResizeOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ResizeOp op, PatternRewriter &rewriter) const override {
    auto t = sinkable(op.getInput());
    auto outTy = dyn_cast<RankedTensorType>(op.getOutput().getType());
    if (!t || !outTy || op.getScaleValues())
      return rewriter.notifyMatchFailure(op, "not a constant-scale resize of a transpose");
    ArrayRef<int64_t> perm = t.getPerm();
    DenseF32ArrayAttr scales;
    if (auto s = op.getScales()) {
      SmallVector<float> moved(s->size());
      for (auto [i, p] : llvm::enumerate(perm))
        moved[p] = (*s)[i];
      scales = rewriter.getDenseF32ArrayAttr(moved);
    }
    Value y = wt::ResizeOp::create(rewriter, op.getLoc(), permuted(outTy, inverse(perm)),
                                   t.getInput(), op.getModeAttr(), op.getCoordinateModeAttr(),
                                   op.getNearestModeAttr(), op.getCubicCoeffAAttr(),
                                   op.getExcludeOutsideAttr(), scales, Value());
    rewriter.replaceOp(op, transpose(rewriter, op.getLoc(), y, perm));
    return success();
  }
};

/// concat(transpose(a, p), transpose(b, p), axis) -> transpose(concat(a, b, p[axis]), p).
/// An input's transpose may have other users (a feature map concatenated
/// at two scales): it stays for them, and the concat's other inputs
/// still lose theirs.
struct SinkThroughConcat : OpRewritePattern<wt::ConcatOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ConcatOp op, PatternRewriter &rewriter) const override {
    auto outTy = dyn_cast<RankedTensorType>(op.getOutput().getType());
    auto first = op.getInputs().empty() ? wt::TransposeOp()
                                        : op.getInputs()[0].getDefiningOp<wt::TransposeOp>();
    if (!outTy || !first)
      return rewriter.notifyMatchFailure(op, "inputs are not transposes");
    ArrayRef<int64_t> perm = first.getPerm();
    SmallVector<Value> inputs;
    for (Value v : op.getInputs()) {
      auto t = v.getDefiningOp<wt::TransposeOp>();
      if (!t || t.getPerm() != perm)
        return rewriter.notifyMatchFailure(op, "inputs transposed differently");
      inputs.push_back(t.getInput());
    }
    Value y = wt::ConcatOp::create(rewriter, op.getLoc(), permuted(outTy, inverse(perm)), inputs,
                                   perm[op.getAxis()]);
    rewriter.replaceOp(op, transpose(rewriter, op.getLoc(), y, perm));
    return success();
  }
};

struct WhittlePropagateLayoutPass
    : whittle::impl::WhittlePropagateLayoutPassBase<WhittlePropagateLayoutPass> {
  using Base::Base;
  void runOnOperation() override {
    auto transposes = [&] {
      int64_t n = 0;
      getOperation()->walk([&](wt::TransposeOp) { ++n; });
      return n;
    };
    int64_t before = transposes();
    RewritePatternSet patterns(&getContext());
    patterns.add<ConvToChannelsLast>(&getContext(), minChannels);
    patterns.add<ConvTransposeAsMatmul>(&getContext());
    patterns.add<ComposeTransposes, SinkThroughElementwise<wt::UnaryOp>,
                 SinkThroughElementwise<wt::CastOp>, SinkThroughBinary, SinkThroughReduce,
                 SinkThroughConcat, SinkThroughPool, SinkThroughResize>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    if (int64_t added = transposes() - before; added > 0)
      recordRewrite(kPass, "transposes added at layout boundaries", added);
  }
};

} // namespace
