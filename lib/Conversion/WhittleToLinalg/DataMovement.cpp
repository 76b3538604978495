//===- DataMovement.cpp - constants, reshapes, transposes, slicing --------===//

#include "Lowering.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <limits>

using namespace mlir;
using namespace whittle;
using namespace whittle::lowering;

namespace {

/// Splat constants above this many bytes become a fill at run time.
constexpr int64_t kMaxSplatConstantBytes = int64_t(64) << 20;

struct LowerConstant : OpRewritePattern<wt::ConstantOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ConstantOp op, PatternRewriter &rewriter) const override {
    if (!isSignlessOrFloat(op.getType()))
      return rewriter.notifyMatchFailure(op, "sign-typed or quantized constant");
    // A large splat (ConstantOfShape of a huge shape) is filled at run time:
    // written out, it would take its full size in the compiler and the
    // library.
    auto dense = dyn_cast<DenseElementsAttr>(op.getValue());
    auto ty = dyn_cast<RankedTensorType>(op.getType());
    if (dense && dense.isSplat() && ty && ty.hasStaticShape() &&
        ty.getElementType().isIntOrFloat() &&
        ty.getNumElements() > kMaxSplatConstantBytes /
                                  std::max<int64_t>(1, ty.getElementTypeBitWidth() / 8)) {
      Location loc = op.getLoc();
      Value scalar = arith::ConstantOp::create(
          rewriter, loc, cast<TypedAttr>(dense.getSplatValue<Attribute>()));
      Value empty = tensor::EmptyOp::create(rewriter, loc, ty.getShape(), ty.getElementType());
      rewriter.replaceOpWithNewOp<linalg::FillOp>(op, scalar, empty);
      return success();
    }
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
    // Built on the permuted input type (linalg.transpose wants the same
    // static dims on both sides), cast to the result's.
    auto inTy = rankedType(op.getInput());
    SmallVector<OpFoldResult> in = sizesOf(rewriter, op.getLoc(), op.getInput()), sizes;
    SmallVector<int64_t> shape;
    for (int64_t p : op.getPerm()) {
      sizes.push_back(in[p]);
      shape.push_back(inTy.getDimSize(p));
    }
    auto permTy = RankedTensorType::get(shape, outTy.getElementType(), outTy.getEncoding());
    Value init = emptyTensor(rewriter, op.getLoc(), permTy, sizes);
    ArrayRef<int64_t> perm = op.getPerm();
    int64_t rank = (int64_t)perm.size();
    // Loops in output order, except that a short output row (a layout
    // change to channels-last, say 3 channels) puts the input's contiguous
    // dim innermost instead: the loop then reads whole vectors and
    // scatters, rather than gathering 3 values per vector.
    constexpr int64_t kShort = 16;
    int64_t inner = -1;
    if (rank >= 2 && !ShapedType::isDynamic(shape.back()) && shape.back() < kShort &&
        !ShapedType::isDynamic(inTy.getDimSize(rank - 1)) && inTy.getDimSize(rank - 1) >= kShort)
      inner = llvm::find(perm, rank - 1) - perm.begin();
    Value r;
    if (inner < 0 || inner == rank - 1) {
      r = linalg::TransposeOp::create(rewriter, op.getLoc(), op.getInput(), init, perm)
              .getResult()[0];
    } else {
      // order[l]: the output dim loop l walks; loopOf[o]: the loop of output dim o.
      SmallVector<int64_t> order, loopOf(rank);
      for (int64_t o = 0; o < rank; ++o)
        if (o != inner)
          order.push_back(o);
      order.push_back(inner);
      for (int64_t l = 0; l < rank; ++l)
        loopOf[order[l]] = l;
      MLIRContext *ctx = rewriter.getContext();
      SmallVector<AffineExpr> inE(rank), outE;
      for (int64_t o = 0; o < rank; ++o) {
        outE.push_back(getAffineDimExpr(loopOf[o], ctx));
        inE[perm[o]] = getAffineDimExpr(loopOf[o], ctx);
      }
      r = linalg::GenericOp::create(
              rewriter, op.getLoc(), permTy, op.getInput(), init,
              SmallVector<AffineMap>{AffineMap::get(rank, 0, inE, ctx),
                                     AffineMap::get(rank, 0, outE, ctx)},
              SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
              [](OpBuilder &b, Location l, ValueRange a) { linalg::YieldOp::create(b, l, a[0]); })
              .getResult(0);
    }
    if (permTy != outTy)
      r = tensor::CastOp::create(rewriter, op.getLoc(), outTy, r);
    rewriter.replaceOp(op, r);
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
    // A static result is allocated at the top of the function: it then
    // dominates the inputs' producers, and eliminate-empty-tensors can have
    // each producer write its part in place (no copy into the concat).
    Value acc;
    if (outTy.hasStaticShape() && isa<func::FuncOp>(op->getParentOp())) {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(&op->getParentRegion()->front());
      acc = tensor::EmptyOp::create(rewriter, loc, outTy.getShape(), outTy.getElementType());
    } else {
      acc = emptyTensor(rewriter, loc, outTy, outSizes);
    }
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
    auto inTy = rankedType(op.getInput()), outTy = rankedType(op.getOutput());
    if (!inTy || !outTy || llvm::any_of(op.getSteps(), [](int64_t s) { return s < 0; }))
      return rewriter.notifyMatchFailure(op, "needs ranked types, positive steps");
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> offsets, sizes, strides;
    for (int64_t i = 0; i < inTy.getRank(); ++i) {
      int64_t step = op.getSteps()[i];
      strides.push_back(rewriter.getIndexAttr(step));
      if (!inTy.isDynamicDim(i)) {
        auto [start, count] = wt::sliceRange(inTy.getDimSize(i), op.getStarts()[i],
                                             op.getEnds()[i], step);
        offsets.push_back(rewriter.getIndexAttr(start));
        sizes.push_back(rewriter.getIndexAttr(count));
        continue;
      }
      auto [start, count] =
          sliceRangeAtRunTime(rewriter, loc, tensor::DimOp::create(rewriter, loc, op.getInput(), i),
                              op.getStarts()[i], op.getEnds()[i], step);
      offsets.push_back(start);
      sizes.push_back(outTy.isDynamicDim(i)
                          ? OpFoldResult(count)
                          : checkSameSize(rewriter, loc, count,
                                          rewriter.getIndexAttr(outTy.getDimSize(i))));
    }
    Value r = tensor::ExtractSliceOp::create(rewriter, loc, op.getInput(), offsets, sizes, strides);
    if (r.getType() != outTy)
      r = tensor::CastOp::create(rewriter, loc, outTy, r);
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct LowerSplit : OpRewritePattern<wt::SplitOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::SplitOp op, PatternRewriter &rewriter) const override {
    auto inTy = rankedType(op.getInput());
    int64_t axis = op.getAxis();
    if (!inTy || inTy.isDynamicDim(axis) ||
        llvm::any_of(op.getOutputs(), [](Value v) { return !rankedType(v); }))
      return rewriter.notifyMatchFailure(op, "needs ranked types, a static split axis");
    Location loc = op.getLoc();
    SmallVector<Value> results;
    int64_t offset = 0;
    SmallVector<OpFoldResult> inSizes = sizesOf(rewriter, loc, op.getInput());
    for (auto [v, size] : llvm::zip(op.getOutputs(), op.getSizes())) {
      SmallVector<OpFoldResult> offsets(inTy.getRank(), rewriter.getIndexAttr(0)),
          sizes(inSizes), strides(inTy.getRank(), rewriter.getIndexAttr(1));
      offsets[axis] = rewriter.getIndexAttr(offset);
      sizes[axis] = rewriter.getIndexAttr(size);
      results.push_back(tensor::ExtractSliceOp::create(
          rewriter, loc, cast<RankedTensorType>(v.getType()), op.getInput(), offsets, sizes,
          strides));
      offset += size;
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct LowerPad : OpRewritePattern<wt::PadOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::PadOp op, PatternRewriter &rewriter) const override {
    auto inTy = rankedType(op.getInput()), outTy = rankedType(op.getOutput());
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
    auto outTy = rankedType(op.getOutput()), inTy = rankedType(op.getInput());
    if (!outTy || !inTy)
      return rewriter.notifyMatchFailure(op, "needs ranked types");
    auto copy = [](OpBuilder &, Location, ValueRange a) { return a[0]; };
    Location loc = op.getLoc();
    if (outTy.hasStaticShape() || !op.getShape()) {
      if (!outTy.hasStaticShape()) {
        // Without a shape, every dynamic result dim must come from the input.
        int64_t off = outTy.getRank() - inTy.getRank();
        for (int64_t i = 0; i < outTy.getRank(); ++i)
          if (outTy.isDynamicDim(i) && (i < off || inTy.getDimSize(i - off) == 1))
            return rewriter.notifyMatchFailure(op, "a dynamic dim with no size");
      }
      rewriter.replaceOp(op, buildElementwise(rewriter, loc, outTy, op.getInput(), copy));
      return success();
    }
    // ONNX Expand at run time: each result dim is the shape's, or the
    // input's where the shape says 1; an input dim that is not a static 1
    // is read as is (checked equal to the result's).
    int64_t rank = outTy.getRank(), off = rank - inTy.getRank();
    if (off < 0)
      return rewriter.notifyMatchFailure(op, "shape shorter than the input");
    auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(rewriter, loc, v); };
    SmallVector<OpFoldResult> sizes;
    for (int64_t i = 0; i < rank; ++i) {
      Value s = tensor::ExtractOp::create(rewriter, loc, op.getShape(), ValueRange{idx(i)});
      s = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), s);
      OpFoldResult size = s;
      if (i >= off && inTy.getDimSize(i - off) != 1) {
        OpFoldResult d = tensor::getMixedSize(rewriter, loc, op.getInput(), i - off);
        Value isOne = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, s, idx(1));
        size = arith::SelectOp::create(rewriter, loc, isOne,
                                       getValueOrCreateConstantIndexOp(rewriter, loc, d), s)
                   .getResult();
        checkSameSize(rewriter, loc, d, size);
      }
      if (!outTy.isDynamicDim(i))
        size = checkSameSize(rewriter, loc, size, rewriter.getIndexAttr(outTy.getDimSize(i)));
      sizes.push_back(size);
    }
    MLIRContext *ctx = getContext();
    Value init = emptyTensor(rewriter, loc, outTy, sizes);
    rewriter.replaceOp(
        op, linalg::GenericOp::create(
                rewriter, loc, outTy, op.getInput(), init,
                SmallVector<AffineMap>{broadcastMap(ctx, inTy.getShape(), outTy.getShape()),
                                       rewriter.getMultiDimIdentityMap(rank)},
                SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
                [](OpBuilder &b, Location l, ValueRange a) { linalg::YieldOp::create(b, l, a[0]); })
                .getResult(0));
    return success();
  }
};

/// The shape of a tensor with dynamic dims (static ones fold away).
struct LowerShapeOf : OpRewritePattern<wt::ShapeOfOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ShapeOfOp op, PatternRewriter &rewriter) const override {
    auto inTy = rankedType(op.getInput());
    auto outTy = rankedType(op.getOutput());
    if (!inTy || !outTy || !outTy.hasStaticShape() || outTy.getDimSize(0) != inTy.getRank())
      return rewriter.notifyMatchFailure(op, "needs a ranked input");
    Location loc = op.getLoc();
    SmallVector<Value> dims;
    for (OpFoldResult d : sizesOf(rewriter, loc, op.getInput()))
      dims.push_back(arith::IndexCastOp::create(rewriter, loc, outTy.getElementType(),
                                                getValueOrCreateConstantIndexOp(rewriter, loc, d)));
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, outTy, dims);
    return success();
  }
};

struct LowerGather : OpRewritePattern<wt::GatherOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::GatherOp op, PatternRewriter &rewriter) const override {
    auto inTy = rankedType(op.getInput()), idxTy = rankedType(op.getIndices()),
         outTy = rankedType(op.getOutput());
    if (!inTy || !idxTy || !outTy || !isSignlessOrFloat(inTy))
      return rewriter.notifyMatchFailure(op, "needs ranked signless types");
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    int64_t axis = op.getAxis(), r = outTy.getRank(), q = idxTy.getRank();
    SmallVector<AffineExpr> idxE;
    for (int64_t i = 0; i < q; ++i)
      idxE.push_back(getAffineDimExpr(axis + i, ctx));
    // Result dims: the input's before the axis, the indices', the input's
    // after it.
    SmallVector<OpFoldResult> inSizes = sizesOf(rewriter, loc, op.getInput()),
                              idxSizes = sizesOf(rewriter, loc, op.getIndices());
    SmallVector<OpFoldResult> sizes(inSizes.begin(), inSizes.begin() + axis);
    sizes.append(idxSizes.begin(), idxSizes.end());
    sizes.append(inSizes.begin() + axis + 1, inSizes.end());
    Value init = emptyTensor(rewriter, loc, outTy, sizes);
    Value input = op.getInput();
    OpFoldResult dim = inSizes[axis];
    checkIndices(rewriter, loc, op.getIndices(), dim);
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
               LowerSplit, LowerPad, LowerBroadcast, LowerShapeOf, LowerGather>(
      patterns.getContext());
}
