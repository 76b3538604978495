//===- DataMovement.cpp - constants, reshapes, transposes, slicing --------===//

#include "Lowering.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <limits>

using namespace mlir;
using namespace whittle;
using namespace whittle::lowering;

namespace {

struct LowerConstant : OpRewritePattern<wt::ConstantOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ConstantOp op, PatternRewriter &rewriter) const override {
    if (!isSignlessOrFloat(op.getType()))
      return rewriter.notifyMatchFailure(op, "sign-typed or quantized constant");
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, op.getValue());
    return success();
  }
};

struct LowerReshape : OpRewritePattern<wt::ReshapeOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ReshapeOp op, PatternRewriter &rewriter) const override {
    auto inTy = rankedType(op.getInput()), outTy = rankedType(op.getOutput());
    if (!inTy || !outTy)
      return rewriter.notifyMatchFailure(op, "needs ranked types");
    if (inTy.hasStaticShape() && outTy.hasStaticShape()) {
      rewriter.replaceOp(op, reshapeTo(rewriter, op.getLoc(), op.getInput(), outTy));
      return success();
    }
    if (outTy.getNumDynamicDims() > 1 && !op.getShape())
      return rewriter.notifyMatchFailure(op, "two inferred dims");
    Location loc = op.getLoc();
    auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(rewriter, loc, v); };
    auto mul = [&](Value a, Value b) { return arith::MulIOp::create(rewriter, loc, a, b); };
    Value numel = idx(1);
    for (OpFoldResult d : sizesOf(rewriter, loc, op.getInput()))
      numel = mul(numel, getValueOrCreateConstantIndexOp(rewriter, loc, d));
    int64_t rank = outTy.getRank();
    SmallVector<Value> sizes(rank);
    if (!op.getShape()) {
      // The one dynamic dim is what the static ones leave of the count.
      Value rest = idx(1);
      for (int64_t i = 0; i < rank; ++i)
        if (!outTy.isDynamicDim(i))
          rest = mul(rest, sizes[i] = idx(outTy.getDimSize(i)));
      for (int64_t i = 0; i < rank; ++i)
        if (outTy.isDynamicDim(i))
          sizes[i] = arith::DivUIOp::create(rewriter, loc, numel, rest);
    } else {
      // ONNX Reshape at run time: 0 copies the input's dim (unless
      // allow_zero), -1 takes what the others leave of the count.
      Value shape = op.getShape();
      Value known = idx(1), zero = idx(0), minusOne = idx(-1);
      SmallVector<Value> inferred(rank);
      for (int64_t i = 0; i < rank; ++i) {
        Value s = tensor::ExtractOp::create(rewriter, loc, shape, ValueRange{idx(i)});
        s = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), s);
        if (!op.getAllowZero() && i < inTy.getRank()) {
          Value isZero = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, s, zero);
          s = arith::SelectOp::create(rewriter, loc, isZero,
                                      tensor::DimOp::create(rewriter, loc, op.getInput(), i), s);
        }
        inferred[i] = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, s, minusOne);
        known = mul(known, arith::SelectOp::create(rewriter, loc, inferred[i], idx(1), s));
        sizes[i] = s;
      }
      Value guarded = arith::MaxUIOp::create(rewriter, loc, known, idx(1));
      Value rest = arith::DivUIOp::create(rewriter, loc, numel, guarded);
      for (int64_t i = 0; i < rank; ++i) {
        sizes[i] = arith::SelectOp::create(rewriter, loc, inferred[i], rest, sizes[i]);
        if (!outTy.isDynamicDim(i))
          checkSameSize(rewriter, loc, sizes[i], rewriter.getIndexAttr(outTy.getDimSize(i)));
      }
    }
    Value total = idx(1);
    for (Value v : sizes)
      total = mul(total, v);
    checkSameSize(rewriter, loc, total, numel);
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, op.getInput(), outTy,
                                     getAsOpFoldResult(ValueRange(sizes))));
    return success();
  }
};

struct LowerTranspose : OpRewritePattern<wt::TransposeOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::TransposeOp op, PatternRewriter &rewriter) const override {
    auto outTy = rankedType(op.getOutput());
    if (!outTy || !rankedType(op.getInput()))
      return rewriter.notifyMatchFailure(op, "needs ranked types");
    SmallVector<OpFoldResult> in = sizesOf(rewriter, op.getLoc(), op.getInput()), sizes;
    for (int64_t p : op.getPerm())
      sizes.push_back(in[p]);
    Value init = emptyTensor(rewriter, op.getLoc(), outTy, sizes);
    rewriter.replaceOp(op, linalg::TransposeOp::create(rewriter, op.getLoc(),
                                                       op.getInput(), init, op.getPerm())
                               .getResult()[0]);
    return success();
  }
};

struct LowerConcat : OpRewritePattern<wt::ConcatOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ConcatOp op, PatternRewriter &rewriter) const override {
    auto outTy = rankedType(op.getOutput());
    if (!outTy || llvm::any_of(op.getInputs(), [](Value v) { return !rankedType(v); }))
      return rewriter.notifyMatchFailure(op, "needs ranked types");
    if (llvm::any_of(op.getInputs(), [&](Value v) {
          return cast<ShapedType>(v.getType()).getElementType() != outTy.getElementType();
        }))
      return rewriter.notifyMatchFailure(op, "requantizing concat");
    // Insert each input into an empty result at its offset.
    Location loc = op.getLoc();
    int64_t axis = op.getAxis();
    // Run-time sizes: the inputs agree off the axis and add up along it.
    SmallVector<SmallVector<OpFoldResult>> inSizes;
    for (Value v : op.getInputs())
      inSizes.push_back(sizesOf(rewriter, loc, v));
    SmallVector<OpFoldResult> outSizes(inSizes.front());
    OpFoldResult total = rewriter.getIndexAttr(0);
    for (auto &in : inSizes) {
      for (int64_t i = 0; i < outTy.getRank(); ++i)
        if (i != axis && &in != &inSizes.front())
          checkSameSize(rewriter, loc, in[i], outSizes[i]);
      total = addSizes(rewriter, loc, total, in[axis]);
    }
    outSizes[axis] = total;
    Value acc = emptyTensor(rewriter, loc, outTy, outSizes);
    OpFoldResult offset = rewriter.getIndexAttr(0);
    for (auto [v, sizes] : llvm::zip(op.getInputs(), inSizes)) {
      auto t = cast<RankedTensorType>(v.getType());
      SmallVector<OpFoldResult> offsets(t.getRank(), rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> strides(t.getRank(), rewriter.getIndexAttr(1));
      offsets[axis] = offset;
      acc = tensor::InsertSliceOp::create(rewriter, loc, v, acc, offsets, sizes, strides);
      offset = addSizes(rewriter, loc, offset, sizes[axis]);
    }
    rewriter.replaceOp(op, acc);
    return success();
  }
};

struct LowerSlice : OpRewritePattern<wt::SliceOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::SliceOp op, PatternRewriter &rewriter) const override {
    auto inTy = staticType(op.getInput()), outTy = staticType(op.getOutput());
    if (!inTy || !outTy || llvm::any_of(op.getSteps(), [](int64_t s) { return s < 0; }))
      return rewriter.notifyMatchFailure(op, "needs static types, positive steps");
    SmallVector<int64_t> offsets, sizes, strides;
    for (int64_t i = 0; i < inTy.getRank(); ++i) {
      auto [start, count] = wt::sliceRange(inTy.getDimSize(i), op.getStarts()[i],
                                       op.getEnds()[i], op.getSteps()[i]);
      offsets.push_back(start);
      sizes.push_back(count);
      strides.push_back(op.getSteps()[i]);
    }
    rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(op, outTy, op.getInput(),
                                                        ValueRange{}, ValueRange{}, ValueRange{},
                                                        offsets, sizes, strides);
    return success();
  }
};

struct LowerSplit : OpRewritePattern<wt::SplitOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::SplitOp op, PatternRewriter &rewriter) const override {
    auto inTy = staticType(op.getInput());
    if (!inTy || llvm::any_of(op.getOutputs(), [](Value v) { return !staticType(v); }))
      return rewriter.notifyMatchFailure(op, "needs static types");
    SmallVector<Value> results;
    int64_t offset = 0, axis = op.getAxis();
    for (auto [v, size] : llvm::zip(op.getOutputs(), op.getSizes())) {
      SmallVector<int64_t> offsets(inTy.getRank(), 0), sizes(inTy.getShape()),
          strides(inTy.getRank(), 1);
      offsets[axis] = offset;
      sizes[axis] = size;
      results.push_back(tensor::ExtractSliceOp::create(
          rewriter, op.getLoc(), cast<RankedTensorType>(v.getType()), op.getInput(),
          ValueRange{}, ValueRange{}, ValueRange{}, offsets, sizes, strides));
      offset += size;
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct LowerPad : OpRewritePattern<wt::PadOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::PadOp op, PatternRewriter &rewriter) const override {
    auto inTy = staticType(op.getInput()), outTy = staticType(op.getOutput());
    if (!inTy || !outTy || op.getMode() != wt::PadMode::constant || op.getPadValues() ||
        llvm::any_of(op.getPads(), [](int64_t p) { return p < 0; }))
      return rewriter.notifyMatchFailure(op, "constant non-negative padding only");
    Location loc = op.getLoc();
    int64_t rank = inTy.getRank();
    Value padValue;
    if (Value v = op.getValue()) {
      if (!staticType(v) || staticType(v).getNumElements() != 1)
        return rewriter.notifyMatchFailure(op, "pad value must be one element");
      SmallVector<Value> zeros(staticType(v).getRank(),
                               arith::ConstantIndexOp::create(rewriter, loc, 0));
      padValue = tensor::ExtractOp::create(rewriter, loc, v, zeros);
    } else {
      padValue = scalarConstant(rewriter, loc, inTy.getElementType(), 0.0);
    }
    SmallVector<int64_t> lo(op.getPads().take_front(rank)), hi(op.getPads().drop_front(rank));
    rewriter.replaceOpWithNewOp<tensor::PadOp>(
        op, outTy, op.getInput(), getAsIndexOpFoldResult(getContext(), lo),
        getAsIndexOpFoldResult(getContext(), hi), padValue);
    return success();
  }
};

struct LowerBroadcast : OpRewritePattern<wt::BroadcastOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::BroadcastOp op, PatternRewriter &rewriter) const override {
    auto outTy = staticType(op.getOutput());
    if (!outTy || !staticType(op.getInput()))
      return rewriter.notifyMatchFailure(op, "needs static types");
    rewriter.replaceOp(op, buildElementwise(rewriter, op.getLoc(), outTy, op.getInput(),
                                            [](OpBuilder &, Location, ValueRange a) {
                                              return a[0];
                                            }));
    return success();
  }
};

/// out[a.., i.., b..] = input[a.., idx(indices[i..]), b..] with negative
/// indices counted from the end.
struct LowerGather : OpRewritePattern<wt::GatherOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::GatherOp op, PatternRewriter &rewriter) const override {
    auto inTy = staticType(op.getInput()), idxTy = staticType(op.getIndices()),
         outTy = staticType(op.getOutput());
    if (!inTy || !idxTy || !outTy || !isSignlessOrFloat(inTy))
      return rewriter.notifyMatchFailure(op, "needs static signless types");
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    int64_t axis = op.getAxis(), r = outTy.getRank(), q = idxTy.getRank();
    SmallVector<AffineExpr> idxE;
    for (int64_t i = 0; i < q; ++i)
      idxE.push_back(getAffineDimExpr(axis + i, ctx));
    Value init = tensor::EmptyOp::create(rewriter, loc, outTy.getShape(),
                                         outTy.getElementType());
    Value input = op.getInput();
    int64_t dim = inTy.getDimSize(axis);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, outTy, op.getIndices(), init,
        SmallVector<AffineMap>{AffineMap::get(r, 0, idxE, ctx),
                               rewriter.getMultiDimIdentityMap(r)},
        SmallVector<utils::IteratorType>(r, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value i = wrapIndex(b, l, a[0], dim);
          SmallVector<Value> at;
          for (int64_t d = 0; d < axis; ++d)
            at.push_back(linalg::IndexOp::create(b, l, d));
          at.push_back(i);
          for (int64_t d = axis + 1; d < inTy.getRank(); ++d)
            at.push_back(linalg::IndexOp::create(b, l, d - 1 + q));
          linalg::YieldOp::create(b, l, ValueRange{tensor::ExtractOp::create(b, l, input, at)});
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void whittle::lowering::populateDataMovementLowerings(RewritePatternSet &patterns) {
  patterns.add<LowerConstant, LowerReshape, LowerTranspose, LowerConcat, LowerSlice,
               LowerSplit, LowerPad, LowerBroadcast, LowerGather>(patterns.getContext());
}
