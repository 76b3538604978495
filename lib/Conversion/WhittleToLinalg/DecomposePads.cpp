//===- DecomposePads.cpp - the whittle-decompose-pads pass ----------------===//
//
// Bufferized as it stands, a tensor.pad fills its whole result with the
// padding value and then copies the source into the interior: the interior
// is written twice, and the source lives in a buffer of its own. Here a
// static pad with a constant padding value becomes a fill of the border
// slabs alone and an insert_slice of the source into the interior, which
// the empty-tensor elimination that runs before bufferization turns into
// the producer writing the interior in place (a conv's padded input is the
// previous op's output buffer).
//
//===----------------------------------------------------------------------===//

#include "whittle/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace whittle {
#define GEN_PASS_DEF_DECOMPOSEPADSPASS
#include "whittle/Conversion/Passes.h.inc"
} // namespace whittle

using namespace mlir;

namespace {

struct DecomposeStaticPad : OpRewritePattern<tensor::PadOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(tensor::PadOp op, PatternRewriter &rewriter) const override {
    RankedTensorType ty = op.getResultType(), srcTy = op.getSourceType();
    Value padValue = op.getConstantPaddingValue();
    if (!ty.hasStaticShape() || !srcTy.hasStaticShape() || !padValue || op.getNofold())
      return rewriter.notifyMatchFailure(op, "needs static shapes and a constant padding value");
    SmallVector<int64_t> low(op.getStaticLow()), high(op.getStaticHigh());
    if (llvm::any_of(low, ShapedType::isDynamic) || llvm::any_of(high, ShapedType::isDynamic))
      return rewriter.notifyMatchFailure(op, "dynamic padding");
    Location loc = op.getLoc();
    int64_t rank = ty.getRank();
    Value result = tensor::EmptyOp::create(rewriter, loc, ty.getShape(), ty.getElementType());
    // The border, each element once: along dim d the slabs before and
    // after the source, spanning the interior of the dims before d and
    // all of the dims after it.
    auto fillSlab = [&](ArrayRef<int64_t> offsets, ArrayRef<int64_t> sizes) {
      SmallVector<OpFoldResult> offs = getAsIndexOpFoldResult(getContext(), offsets),
                                szs = getAsIndexOpFoldResult(getContext(), sizes),
                                strides(rank, rewriter.getIndexAttr(1));
      Value slab = tensor::ExtractSliceOp::create(rewriter, loc, result, offs, szs, strides);
      Value filled = linalg::FillOp::create(rewriter, loc, padValue, slab).getResult(0);
      result = tensor::InsertSliceOp::create(rewriter, loc, filled, result, offs, szs, strides);
    };
    for (int64_t d = 0; d < rank; ++d) {
      SmallVector<int64_t> offsets(rank, 0), sizes(ty.getShape());
      for (int64_t i = 0; i < d; ++i) {
        offsets[i] = low[i];
        sizes[i] = srcTy.getDimSize(i);
      }
      if (low[d] > 0) {
        sizes[d] = low[d];
        fillSlab(offsets, sizes);
      }
      if (high[d] > 0) {
        offsets[d] = low[d] + srcTy.getDimSize(d);
        sizes[d] = high[d];
        fillSlab(offsets, sizes);
      }
    }
    SmallVector<OpFoldResult> offs = getAsIndexOpFoldResult(getContext(), low),
                              szs = getAsIndexOpFoldResult(getContext(), srcTy.getShape()),
                              strides(rank, rewriter.getIndexAttr(1));
    rewriter.replaceOpWithNewOp<tensor::InsertSliceOp>(op, op.getSource(), result, offs, szs,
                                                       strides);
    return success();
  }
};

struct DecomposePadsPass : whittle::impl::DecomposePadsPassBase<DecomposePadsPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DecomposeStaticPad>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
