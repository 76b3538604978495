//===- Indexing.cpp - gathers, scatters and strided reads -----------------===//
//
// Also slices that need a general read: run-time parameters
// (dynamic_slice) or a negative step.
// Gathers are one linalg.generic over the result that reads the source
// with tensor.extract at computed coordinates. Scatters copy the data and
// then visit the updates in index order with an scf.for nest carrying the
// tensor, so later updates win (or combine) exactly as ONNX specifies;
// bufferization turns the nest into in-place stores.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace whittle;
using namespace whittle::lowering;

namespace {

/// Combines an update with the value it lands on.
Value combine(OpBuilder &b, Location loc, wt::ScatterReduction r, Value old,
              Value upd) {
  bool fp = isa<FloatType>(old.getType());
  switch (r) {
  case wt::ScatterReduction::none: return upd;
  case wt::ScatterReduction::add:
    return fp ? (Value)arith::AddFOp::create(b, loc, old, upd)
              : (Value)arith::AddIOp::create(b, loc, old, upd);
  case wt::ScatterReduction::mul:
    return fp ? (Value)arith::MulFOp::create(b, loc, old, upd)
              : (Value)arith::MulIOp::create(b, loc, old, upd);
  case wt::ScatterReduction::max:
    return fp ? (Value)arith::MaximumFOp::create(b, loc, old, upd)
              : (Value)arith::MaxSIOp::create(b, loc, old, upd);
  case wt::ScatterReduction::min:
    return fp ? (Value)arith::MinimumFOp::create(b, loc, old, upd)
              : (Value)arith::MinSIOp::create(b, loc, old, upd);
  }
  return upd;
}

/// out[i..] = input[start_d + i_d * step_d ..] with index-typed starts and
/// steps per dim.
Value stridedRead(OpBuilder &b, Location loc, Value input, RankedTensorType outTy,
                  ArrayRef<Value> starts, ArrayRef<Value> steps,
                  ArrayRef<OpFoldResult> sizes = {}) {
  return buildIndexedGeneric(b, loc, outTy, [&](OpBuilder &nb, Location l) -> Value {
    SmallVector<Value> at;
    for (int64_t d = 0; d < outTy.getRank(); ++d)
      at.push_back(arith::AddIOp::create(
          nb, l, starts[d], arith::MulIOp::create(nb, l, linalg::IndexOp::create(nb, l, d), steps[d])));
    return tensor::ExtractOp::create(nb, l, input, at);
  }, sizes);
}

/// checkIndices for each component k of the static index tuples
/// `indices` (..., m), against dims[k].
void checkIndexTuples(OpBuilder &b, Location loc, Value indices, ArrayRef<int64_t> dims) {
  auto ty = cast<RankedTensorType>(indices.getType());
  int64_t q = ty.getRank(), m = ty.getDimSize(q - 1);
  for (int64_t k = 0; k < m && k < (int64_t)dims.size(); ++k) {
    SmallVector<OpFoldResult> offsets(q, b.getIndexAttr(0)), sizes, strides(q, b.getIndexAttr(1));
    for (int64_t d = 0; d < q; ++d)
      sizes.push_back(b.getIndexAttr(d == q - 1 ? 1 : ty.getDimSize(d)));
    offsets[q - 1] = b.getIndexAttr(k);
    Value part = tensor::ExtractSliceOp::create(b, loc, indices, offsets, sizes, strides);
    checkIndices(b, loc, part, b.getIndexAttr(dims[k]));
  }
}

/// Starts and steps of every dim from the run-time ONNX parameters, as
/// index arithmetic ahead of the read.
struct LowerDynamicSlice : OpRewritePattern<wt::DynamicSliceOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::DynamicSliceOp op,
                                PatternRewriter &rewriter) const override {
    auto inTy = staticType(op.getInput()), outTy = staticType(op.getOutput());
    auto nTy = staticType(op.getStarts());
    if (!inTy || !outTy || !nTy || !isSignlessOrFloat(inTy))
      return rewriter.notifyMatchFailure(op, "needs static signless types");
    Location loc = op.getLoc();
    int64_t rank = inTy.getRank(), n = nTy.getDimSize(0);
    auto cidx = [&](int64_t v) { return arith::ConstantIndexOp::create(rewriter, loc, v); };
    auto read = [&](Value t, int64_t k) -> Value {
      Value v = tensor::ExtractOp::create(rewriter, loc, t, ValueRange{cidx(k)});
      return arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), v);
    };
    using P = arith::CmpIPredicate;
    auto cmp = [&](P p, Value a, Value b) { return arith::CmpIOp::create(rewriter, loc, p, a, b); };
    auto sel = [&](Value c, Value a, Value b) {
      return arith::SelectOp::create(rewriter, loc, c, a, b).getResult();
    };
    SmallVector<Value> starts(rank, cidx(0)), steps(rank, cidx(1));
    Value zero = cidx(0);
    for (int64_t k = 0; k < n; ++k) {
      Value axis = op.getAxes() ? read(op.getAxes(), k) : cidx(k);
      axis = sel(cmp(P::slt, axis, zero), arith::AddIOp::create(rewriter, loc, axis, cidx(rank)),
                 axis);
      Value start = read(op.getStarts(), k);
      Value step = op.getSteps() ? read(op.getSteps(), k) : cidx(1);
      for (int64_t d = 0; d < rank; ++d) {
        Value dim = cidx(inTy.getDimSize(d));
        Value s = sel(cmp(P::slt, start, zero), arith::AddIOp::create(rewriter, loc, start, dim),
                      start);
        // Clamp to [0, dim] going forward, [0, dim - 1] going backward.
        Value hi = sel(cmp(P::sgt, step, zero), dim,
                       arith::SubIOp::create(rewriter, loc, dim, cidx(1)));
        s = arith::MinSIOp::create(rewriter, loc, arith::MaxSIOp::create(rewriter, loc, s, zero),
                                   hi);
        Value hit = cmp(P::eq, axis, cidx(d));
        starts[d] = sel(hit, s, starts[d]);
        steps[d] = sel(hit, step, steps[d]);
      }
    }
    rewriter.replaceOp(op, stridedRead(rewriter, loc, op.getInput(), outTy, starts, steps));
    return success();
  }
};

/// A constant slice with a negative step reads backwards.
struct LowerReversingSlice : OpRewritePattern<wt::SliceOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::SliceOp op, PatternRewriter &rewriter) const override {
    auto inTy = rankedType(op.getInput()), outTy = rankedType(op.getOutput());
    if (!inTy || !outTy || llvm::none_of(op.getSteps(), [](int64_t s) { return s < 0; }))
      return rewriter.notifyMatchFailure(op, "needs ranked types and a negative step");
    Location loc = op.getLoc();
    SmallVector<Value> starts, steps;
    SmallVector<OpFoldResult> sizes;
    for (int64_t i = 0; i < inTy.getRank(); ++i) {
      steps.push_back(arith::ConstantIndexOp::create(rewriter, loc, op.getSteps()[i]));
      if (!inTy.isDynamicDim(i)) {
        auto [start, count] = wt::sliceRange(inTy.getDimSize(i), op.getStarts()[i],
                                             op.getEnds()[i], op.getSteps()[i]);
        starts.push_back(arith::ConstantIndexOp::create(rewriter, loc, start));
        sizes.push_back(rewriter.getIndexAttr(count));
        continue;
      }
      auto [start, count] = sliceRangeAtRunTime(
          rewriter, loc, tensor::DimOp::create(rewriter, loc, op.getInput(), i),
          op.getStarts()[i], op.getEnds()[i], op.getSteps()[i]);
      starts.push_back(start);
      sizes.push_back(outTy.isDynamicDim(i)
                          ? OpFoldResult(count)
                          : checkSameSize(rewriter, loc, count,
                                          rewriter.getIndexAttr(outTy.getDimSize(i))));
    }
    rewriter.replaceOp(op,
                       stridedRead(rewriter, loc, op.getInput(), outTy, starts, steps, sizes));
    return success();
  }
};

/// Pads that tensor.pad cannot express (reflect, edge, wrap, cropping, or
/// run-time amounts) as one generic reading input[map(i - lo)].
struct LowerPadByGather : OpRewritePattern<wt::PadOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::PadOp op, PatternRewriter &rewriter) const override {
    auto inTy = rankedType(op.getInput()), outTy = rankedType(op.getOutput());
    if (!inTy || !outTy || !isSignlessOrFloat(inTy))
      return rewriter.notifyMatchFailure(op, "needs ranked signless types");
    bool general = op.getMode() != wt::PadMode::constant || op.getPadValues() ||
                   llvm::any_of(op.getPads(), [](int64_t p) { return p < 0; });
    if (!general)
      return rewriter.notifyMatchFailure(op, "tensor.pad handles it");
    Location loc = op.getLoc();
    int64_t rank = inTy.getRank();
    auto cidx = [&](OpBuilder &b, int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
    };
    SmallVector<Value> lo;
    for (int64_t d = 0; d < rank; ++d) {
      if (Value pv = op.getPadValues()) {
        Value v = tensor::ExtractOp::create(rewriter, loc, pv, ValueRange{cidx(rewriter, d)});
        lo.push_back(arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), v));
      } else {
        lo.push_back(cidx(rewriter, op.getPads()[d]));
      }
    }
    Value fill;
    if (op.getMode() == wt::PadMode::constant) {
      if (Value v = op.getValue()) {
        SmallVector<Value> zeros(cast<RankedTensorType>(v.getType()).getRank(),
                                 cidx(rewriter, 0));
        fill = tensor::ExtractOp::create(rewriter, loc, v, zeros);
      } else {
        fill = scalarConstant(rewriter, loc, inTy.getElementType(), 0.0);
      }
    }
    Value input = op.getInput();
    wt::PadMode mode = op.getMode();
    // Input extents (run-time ones for dynamic dims) and the result's:
    // lo + n + hi.
    SmallVector<Value> extent;
    SmallVector<OpFoldResult> outSizes;
    for (int64_t d = 0; d < rank; ++d) {
      extent.push_back(inTy.isDynamicDim(d)
                           ? tensor::DimOp::create(rewriter, loc, input, d).getResult()
                           : cidx(rewriter, inTy.getDimSize(d)));
      if (!outTy.isDynamicDim(d)) {
        outSizes.push_back(rewriter.getIndexAttr(outTy.getDimSize(d)));
        continue;
      }
      Value hi;
      if (Value pv = op.getPadValues()) {
        Value v = tensor::ExtractOp::create(rewriter, loc, pv, ValueRange{cidx(rewriter, rank + d)});
        hi = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), v);
      } else {
        hi = cidx(rewriter, op.getPads()[rank + d]);
      }
      outSizes.push_back(arith::AddIOp::create(
                             rewriter, loc, arith::AddIOp::create(rewriter, loc, lo[d], extent[d]),
                             hi)
                             .getResult());
    }
    Value result = buildIndexedGeneric(rewriter, loc, outTy, [&](OpBuilder &b, Location l) {
          using P = arith::CmpIPredicate;
          Value inside;
          SmallVector<Value> at;
          for (int64_t d = 0; d < rank; ++d) {
            Value n = extent[d];
            Value zero = cidx(b, 0), last = arith::SubIOp::create(b, l, n, cidx(b, 1));
            Value j = arith::SubIOp::create(b, l, linalg::IndexOp::create(b, l, d), lo[d]);
            switch (mode) {
            case wt::PadMode::constant: {
              Value ok = arith::AndIOp::create(
                  b, l, arith::CmpIOp::create(b, l, P::sge, j, zero),
                  arith::CmpIOp::create(b, l, P::sle, j, last));
              inside = inside ? arith::AndIOp::create(b, l, inside, ok).getResult() : ok;
              j = arith::MinSIOp::create(b, l, arith::MaxSIOp::create(b, l, j, zero), last);
              break;
            }
            case wt::PadMode::edge:
              j = arith::MinSIOp::create(b, l, arith::MaxSIOp::create(b, l, j, zero), last);
              break;
            case wt::PadMode::reflect: {
              // Mirror about 0 and n - 1 (pads are below n, as ONNX requires).
              Value neg = arith::SubIOp::create(b, l, zero, j);
              j = arith::MaxSIOp::create(b, l, j, neg);
              Value over = arith::SubIOp::create(b, l, j, last);
              Value back = arith::SubIOp::create(b, l, last, over);
              j = arith::SelectOp::create(b, l, arith::CmpIOp::create(b, l, P::sgt, over, zero),
                                          back, j);
              j = arith::MinSIOp::create(b, l, arith::MaxSIOp::create(b, l, j, zero), last);
              break;
            }
            case wt::PadMode::wrap: {
              Value size = n;
              j = arith::RemSIOp::create(
                  b, l, arith::AddIOp::create(b, l, arith::RemSIOp::create(b, l, j, size), size),
                  size);
              break;
            }
            }
            at.push_back(j);
          }
          Value v = tensor::ExtractOp::create(b, l, input, at);
          if (inside)
            v = arith::SelectOp::create(b, l, inside, v, fill);
          return v;
        }, outSizes);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerGatherElements : OpRewritePattern<wt::GatherElementsOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::GatherElementsOp op,
                                PatternRewriter &rewriter) const override {
    auto inTy = rankedType(op.getInput()), idxTy = rankedType(op.getIndices()),
         outTy = rankedType(op.getOutput());
    if (!inTy || !idxTy || !outTy || !isSignlessOrFloat(inTy))
      return rewriter.notifyMatchFailure(op, "needs ranked signless types");
    Location loc = op.getLoc();
    int64_t axis = op.getAxis(), r = outTy.getRank();
    Value input = op.getInput();
    // The result has the indices' dims; off the axis they index the input
    // directly, so they must not exceed its (checked as max(idx, in) == in).
    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, op.getIndices()),
                              inSizes = sizesOf(rewriter, loc, input);
    for (int64_t d = 0; d < r; ++d)
      if (d != axis && (inTy.isDynamicDim(d) || idxTy.isDynamicDim(d)))
        checkSameSize(rewriter, loc,
                      arith::MaxSIOp::create(
                          rewriter, loc, getValueOrCreateConstantIndexOp(rewriter, loc, sizes[d]),
                          getValueOrCreateConstantIndexOp(rewriter, loc, inSizes[d]))
                          .getResult(),
                      inSizes[d]);
    OpFoldResult axisSize = inSizes[axis];
    checkIndices(rewriter, loc, op.getIndices(), axisSize);
    Value init = emptyTensor(rewriter, loc, outTy, sizes);
    auto id = rewriter.getMultiDimIdentityMap(r);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, outTy, op.getIndices(), init, SmallVector<AffineMap>{id, id},
        SmallVector<utils::IteratorType>(r, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange a) {
          SmallVector<Value> at;
          for (int64_t d = 0; d < r; ++d)
            at.push_back(d == axis ? wrapIndex(b, l, a[0], axisSize)
                                   : (Value)linalg::IndexOp::create(b, l, d));
          linalg::YieldOp::create(b, l, ValueRange{tensor::ExtractOp::create(b, l, input, at)});
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// out[i.., j..] = input[i[:b].., idx(indices[i.., :]).., j..].
struct LowerGatherNd : OpRewritePattern<wt::GatherNdOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::GatherNdOp op, PatternRewriter &rewriter) const override {
    auto inTy = staticType(op.getInput()), idxTy = staticType(op.getIndices()),
         outTy = staticType(op.getOutput());
    if (!inTy || !idxTy || !outTy || !isSignlessOrFloat(inTy))
      return rewriter.notifyMatchFailure(op, "needs static signless types");
    Location loc = op.getLoc();
    int64_t b = op.getBatchDims(), q = idxTy.getRank(), r = outTy.getRank();
    int64_t m = idxTy.getDimSize(q - 1);
    Value input = op.getInput(), indices = op.getIndices();
    checkIndexTuples(rewriter, loc, indices, inTy.getShape().drop_front(b));
    Value result = buildIndexedGeneric(rewriter, loc, outTy, [&](OpBuilder &nb, Location l) {
      SmallVector<Value> outer, at;
      for (int64_t d = 0; d < q - 1; ++d)
        outer.push_back(linalg::IndexOp::create(nb, l, d));
      for (int64_t d = 0; d < b; ++d)
        at.push_back(outer[d]);
      for (int64_t k = 0; k < m; ++k) {
        SmallVector<Value> idxAt(outer);
        idxAt.push_back(arith::ConstantIndexOp::create(nb, l, k));
        Value i = tensor::ExtractOp::create(nb, l, indices, idxAt);
        at.push_back(wrapIndex(nb, l, i, inTy.getDimSize(b + k)));
      }
      for (int64_t d = q - 1; d < r; ++d)
        at.push_back(linalg::IndexOp::create(nb, l, d));
      return tensor::ExtractOp::create(nb, l, input, at).getResult();
    });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerScatterElements : OpRewritePattern<wt::ScatterElementsOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ScatterElementsOp op,
                                PatternRewriter &rewriter) const override {
    auto dataTy = staticType(op.getData()), idxTy = staticType(op.getIndices());
    if (!dataTy || !idxTy || !staticType(op.getUpdates()) || !isSignlessOrFloat(dataTy))
      return rewriter.notifyMatchFailure(op, "needs static signless types");
    Location loc = op.getLoc();
    int64_t axis = op.getAxis();
    Value indices = op.getIndices(), updates = op.getUpdates();
    wt::ScatterReduction red = op.getReduction();
    checkIndices(rewriter, loc, indices, rewriter.getIndexAttr(dataTy.getDimSize(axis)));
    Value result = loopNestCarrying(
        rewriter, loc, idxTy.getShape(), op.getData(),
        [&](OpBuilder &b, Location l, ValueRange ivs, Value acc) -> Value {
          Value i = tensor::ExtractOp::create(b, l, indices, ivs);
          SmallVector<Value> at(ivs.begin(), ivs.end());
          at[axis] = wrapIndex(b, l, i, dataTy.getDimSize(axis));
          Value upd = tensor::ExtractOp::create(b, l, updates, ivs);
          if (red != wt::ScatterReduction::none)
            upd = combine(b, l, red, tensor::ExtractOp::create(b, l, acc, at), upd);
          return tensor::InsertOp::create(b, l, upd, acc, at);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LowerScatterNd : OpRewritePattern<wt::ScatterNdOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ScatterNdOp op, PatternRewriter &rewriter) const override {
    auto dataTy = staticType(op.getData()), idxTy = staticType(op.getIndices()),
         updTy = staticType(op.getUpdates());
    if (!dataTy || !idxTy || !updTy || !isSignlessOrFloat(dataTy))
      return rewriter.notifyMatchFailure(op, "needs static signless types");
    Location loc = op.getLoc();
    int64_t q = idxTy.getRank(), m = idxTy.getDimSize(q - 1);
    Value indices = op.getIndices(), updates = op.getUpdates();
    wt::ScatterReduction red = op.getReduction();
    checkIndexTuples(rewriter, loc, indices, dataTy.getShape());
    // Loops over the index tuples, then over the slice each one addresses.
    Value result = loopNestCarrying(
        rewriter, loc, updTy.getShape(), op.getData(),
        [&](OpBuilder &b, Location l, ValueRange ivs, Value acc) -> Value {
          SmallVector<Value> at;
          for (int64_t k = 0; k < m; ++k) {
            SmallVector<Value> idxAt(ivs.take_front(q - 1));
            idxAt.push_back(arith::ConstantIndexOp::create(b, l, k));
            Value i = tensor::ExtractOp::create(b, l, indices, idxAt);
            at.push_back(wrapIndex(b, l, i, dataTy.getDimSize(k)));
          }
          for (Value iv : ivs.drop_front(q - 1))
            at.push_back(iv);
          Value upd = tensor::ExtractOp::create(b, l, updates, ivs);
          if (red != wt::ScatterReduction::none)
            upd = combine(b, l, red, tensor::ExtractOp::create(b, l, acc, at), upd);
          return tensor::InsertOp::create(b, l, upd, acc, at);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void whittle::lowering::populateIndexingLowerings(RewritePatternSet &patterns) {
  patterns.add<LowerGatherElements, LowerGatherNd, LowerScatterElements,
               LowerScatterNd, LowerDynamicSlice, LowerReversingSlice, LowerPadByGather>(
      patterns.getContext());
}
