//===- ConvTranspose.cpp - transposed convolution as a convolution --------===//
//
// A transposed convolution equals a stride-1 convolution of the input with
// zeros inserted between elements (stride - 1 of them), padded by
// (K - 1) * dilation less the cut pads, with the filter flipped in space
// and its in/out channels swapped per group. This pattern builds exactly
// that: the zero-inserted input (tensor.insert_slice with strides), the
// rearranged filter (a linalg.generic reading w[g*Cg + c, m, K-1-k]), and a
// whittle.conv that the convolution lowering then handles.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

using namespace mlir;
using namespace whittle;
using namespace whittle::lowering;

namespace {

struct LowerConvTranspose : OpRewritePattern<wt::ConvTransposeOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ConvTransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto inTy = rankedType(op.getInput()), wTy = staticType(op.getFilter()),
         outTy = rankedType(op.getOutput());
    if (!inTy || !wTy || !outTy || !isa<FloatType>(outTy.getElementType()) ||
        inTy.isDynamicDim(1))
      return rewriter.notifyMatchFailure(op, "needs float types, a static filter and channels");
    if (op.getBias() && !staticType(op.getBias()))
      return rewriter.notifyMatchFailure(op, "dynamic bias");
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    int64_t k = inTy.getRank() - 2, groups = op.getGroups();
    int64_t c = wTy.getDimSize(0), mg = wTy.getDimSize(1), cg = c / groups;
    ArrayRef<int64_t> strides = op.getStrides(), dil = op.getDilations(),
                      pads = op.getPads();
    SmallVector<int64_t> convPads(2 * k);
    for (int64_t i = 0; i < k; ++i) {
      int64_t p = (wTy.getDimSize(2 + i) - 1) * dil[i];
      convPads[i] = p - pads[i];
      convPads[k + i] = p - pads[k + i];
      if (convPads[i] < 0 || convPads[k + i] < 0)
        return rewriter.notifyMatchFailure(op, "pads beyond the kernel extent");
    }
    Type elt = outTy.getElementType();

    // Zero-inserted input: N x C x ((S - 1) * s + 1)... (sized at run time
    // over dynamic dims).
    SmallVector<int64_t> zShape(inTy.getShape());
    SmallVector<OpFoldResult> inSizes = sizesOf(rewriter, loc, op.getInput()),
                              zSizes(inSizes);
    for (int64_t i = 0; i < k; ++i) {
      if (inTy.isDynamicDim(2 + i)) {
        auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(rewriter, loc, v); };
        Value v = arith::SubIOp::create(rewriter, loc, cast<Value>(inSizes[2 + i]), cst(1));
        v = arith::MulIOp::create(rewriter, loc, v, cst(strides[i]));
        zSizes[2 + i] = arith::AddIOp::create(rewriter, loc, v, cst(1)).getResult();
        continue;
      }
      zShape[2 + i] = (inTy.getDimSize(2 + i) - 1) * strides[i] + 1;
      zSizes[2 + i] = rewriter.getIndexAttr(zShape[2 + i]);
    }
    Value z = filled(rewriter, loc, RankedTensorType::get(zShape, elt),
                     scalarConstant(rewriter, loc, elt, 0.0), zSizes);
    SmallVector<OpFoldResult> offsets(inTy.getRank(), rewriter.getIndexAttr(0)),
        steps(inTy.getRank(), rewriter.getIndexAttr(1));
    for (int64_t i = 0; i < k; ++i)
      steps[2 + i] = rewriter.getIndexAttr(strides[i]);
    z = tensor::InsertSliceOp::create(rewriter, loc, op.getInput(), z, offsets, inSizes, steps);

    // Filter M x Cg x K..: w'[g*Mg + m, c, k] = w[g*Cg + c, m, K-1-k].
    int64_t m = groups * mg;
    SmallVector<int64_t> fShape{m, cg};
    for (int64_t i = 0; i < k; ++i)
      fShape.push_back(wTy.getDimSize(2 + i));
    auto fTy = RankedTensorType::get(fShape, elt);
    int64_t rank = 2 + k;
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> src{d(0).floorDiv(mg) * cg + d(1), d(0) % mg};
    for (int64_t i = 0; i < k; ++i)
      src.push_back(getAffineConstantExpr(wTy.getDimSize(2 + i) - 1, ctx) - d(2 + i));
    Value empty = tensor::EmptyOp::create(rewriter, loc, fShape, elt);
    Value filter =
        linalg::GenericOp::create(
            rewriter, loc, fTy, op.getFilter(), empty,
            SmallVector<AffineMap>{AffineMap::get(rank, 0, src, ctx),
                                   rewriter.getMultiDimIdentityMap(rank)},
            SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
            [](OpBuilder &b, Location l, ValueRange a) { linalg::YieldOp::create(b, l, a[0]); })
            .getResult(0);

    rewriter.replaceOpWithNewOp<wt::ConvOp>(
        op, outTy, z, filter, op.getBias(), Value(),
        rewriter.getDenseI64ArrayAttr(SmallVector<int64_t>(k, 1)),
        rewriter.getDenseI64ArrayAttr(dil), rewriter.getDenseI64ArrayAttr(convPads),
        rewriter.getI64IntegerAttr(groups), wt::EpilogueAttr());
    return success();
  }
};

} // namespace

void whittle::lowering::populateConvTransposeLowerings(RewritePatternSet &patterns) {
  patterns.add<LowerConvTranspose>(patterns.getContext());
}
