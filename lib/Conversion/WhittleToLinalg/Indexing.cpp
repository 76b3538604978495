//===- Indexing.cpp - gather_elements, gather_nd and the scatters ---------===//
//
// Gathers are one linalg.generic over the result that reads the source
// with tensor.extract at computed coordinates. Scatters copy the data and
// then visit the updates in index order with an scf.for nest carrying the
// tensor, so later updates win (or combine) exactly as ONNX specifies;
// bufferization turns the nest into in-place stores.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace whittle;
using namespace whittle::lowering;

namespace {

bool signlessOrFloat(Type t) {
  Type e = cast<ShapedType>(t).getElementType();
  auto it = dyn_cast<IntegerType>(e);
  return isa<FloatType>(e) || (it && it.isSignless());
}

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

/// The loop nest [0, shape) carrying `init`; `body` gets the induction
/// variables and the carried tensor and returns its next value.
Value scatterNest(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Value init,
                  function_ref<Value(OpBuilder &, Location, ValueRange, Value)> body) {
  SmallVector<Value> lbs, ubs, steps;
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d : shape) {
    lbs.push_back(zero);
    ubs.push_back(arith::ConstantIndexOp::create(b, loc, d));
    steps.push_back(one);
  }
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, ubs, steps, ValueRange{init},
      [&](OpBuilder &nb, Location nl, ValueRange ivs, ValueRange args) {
        return scf::ValueVector{body(nb, nl, ivs, args[0])};
      });
  return nest.results.empty() ? init : nest.results[0];
}

struct LowerGatherElements : OpRewritePattern<wt::GatherElementsOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::GatherElementsOp op,
                                PatternRewriter &rewriter) const override {
    auto inTy = staticType(op.getInput()), idxTy = staticType(op.getIndices()),
         outTy = staticType(op.getOutput());
    if (!inTy || !idxTy || !outTy || !signlessOrFloat(inTy))
      return rewriter.notifyMatchFailure(op, "needs static signless types");
    Location loc = op.getLoc();
    int64_t axis = op.getAxis(), r = outTy.getRank();
    Value input = op.getInput();
    Value init = tensor::EmptyOp::create(rewriter, loc, outTy.getShape(),
                                         outTy.getElementType());
    auto id = rewriter.getMultiDimIdentityMap(r);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, outTy, op.getIndices(), init, SmallVector<AffineMap>{id, id},
        SmallVector<utils::IteratorType>(r, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange a) {
          SmallVector<Value> at;
          for (int64_t d = 0; d < r; ++d)
            at.push_back(d == axis ? wrapIndex(b, l, a[0], inTy.getDimSize(axis))
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
    if (!inTy || !idxTy || !outTy || !signlessOrFloat(inTy))
      return rewriter.notifyMatchFailure(op, "needs static signless types");
    Location loc = op.getLoc();
    int64_t b = op.getBatchDims(), q = idxTy.getRank(), r = outTy.getRank();
    int64_t m = idxTy.getDimSize(q - 1);
    Value input = op.getInput(), indices = op.getIndices();
    Value init = tensor::EmptyOp::create(rewriter, loc, outTy.getShape(),
                                         outTy.getElementType());
    auto generic = linalg::GenericOp::create(
        rewriter, loc, outTy, ValueRange{}, init,
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(r)},
        SmallVector<utils::IteratorType>(r, utils::IteratorType::parallel),
        [&](OpBuilder &nb, Location l, ValueRange) {
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
          linalg::YieldOp::create(nb, l, ValueRange{tensor::ExtractOp::create(nb, l, input, at)});
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct LowerScatterElements : OpRewritePattern<wt::ScatterElementsOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ScatterElementsOp op,
                                PatternRewriter &rewriter) const override {
    auto dataTy = staticType(op.getData()), idxTy = staticType(op.getIndices());
    if (!dataTy || !idxTy || !staticType(op.getUpdates()) || !signlessOrFloat(dataTy))
      return rewriter.notifyMatchFailure(op, "needs static signless types");
    Location loc = op.getLoc();
    int64_t axis = op.getAxis();
    Value indices = op.getIndices(), updates = op.getUpdates();
    wt::ScatterReduction red = op.getReduction();
    Value result = scatterNest(
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
    if (!dataTy || !idxTy || !updTy || !signlessOrFloat(dataTy))
      return rewriter.notifyMatchFailure(op, "needs static signless types");
    Location loc = op.getLoc();
    int64_t q = idxTy.getRank(), m = idxTy.getDimSize(q - 1);
    Value indices = op.getIndices(), updates = op.getUpdates();
    wt::ScatterReduction red = op.getReduction();
    // Loops over the index tuples, then over the slice each one addresses.
    Value result = scatterNest(
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
               LowerScatterNd>(patterns.getContext());
}
