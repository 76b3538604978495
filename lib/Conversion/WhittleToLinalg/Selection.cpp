//===- Selection.cpp - whittle.top_k, whittle.det -------------------------===//
//
// Ops whose elements depend on each other in order:
//   top_k: k rounds; round j is a parallel linalg reduction over the axis
//          picking the best element ordered after round j - 1's pick (by
//          value, then lower index), so equal values keep their input order
//          and no scratch or sort is needed: O(k n) work, vectorizable;
//   det:   LU decomposition with partial pivoting per matrix, in scf.for
//          loops over a copy of the matrix;
//   nonzero: one scf.for nest in row-major order carrying the coordinates
//          table and the count; the count is checked against the declared
//          one by the entry point's whittle_rt_check_count.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

#include <functional>

using namespace mlir;
using namespace whittle;
using namespace whittle::lowering;

namespace {

using LoopBody = function_ref<SmallVector<Value>(OpBuilder &, Location, Value, ValueRange)>;

/// scf.for iv in [lb, ub) carrying `inits`; `body` returns the next values.
SmallVector<Value> forLoop(OpBuilder &b, Location loc, Value lb, Value ub, ValueRange inits,
                           LoopBody body) {
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(b, loc, lb, ub, one, inits,
                                 [&](OpBuilder &nb, Location nl, Value iv, ValueRange args) {
                                   scf::YieldOp::create(nb, nl, body(nb, nl, iv, args));
                                 });
  return SmallVector<Value>(loop.getResults());
}

Value index(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

struct LowerTopK : OpRewritePattern<wt::TopKOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::TopKOp op, PatternRewriter &rewriter) const override {
    auto inTy = staticType(op.getInput()), vTy = staticType(op.getValues());
    if (!inTy || !vTy || !inTy.getElementType().isIntOrFloat())
      return rewriter.notifyMatchFailure(op, "needs static numeric types");
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    int64_t rank = inTy.getRank(), axis = op.getAxis(), k = vTy.getDimSize(axis);
    bool largest = !op.getSmallest(), isUnsigned = isUnsignedInt(inTy);
    Value input = signlessView(rewriter, loc, op.getInput());
    Type elt = signlessType(inTy.getElementType());
    auto i64 = rewriter.getI64Type();
    SmallVector<int64_t> kept(inTy.getShape());
    kept[axis] = 1;
    auto keptV = RankedTensorType::get(kept, elt);
    auto keptI = RankedTensorType::get(kept, i64);
    SmallVector<AffineExpr> outE;
    SmallVector<utils::IteratorType> iters;
    for (int64_t d = 0; d < rank; ++d) {
      iters.push_back(d == axis ? utils::IteratorType::reduction
                                : utils::IteratorType::parallel);
      outE.push_back(d == axis ? getAffineConstantExpr(0, ctx) : getAffineDimExpr(d, ctx));
    }
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap outMap = AffineMap::get(rank, 0, outE, ctx);
    // `a` comes before `b`: a better value, or an equal one at a lower index.
    auto before = [&](OpBuilder &b, Location l, Value av, Value ai, Value bv, Value bi) {
      Value better, equal;
      if (isa<FloatType>(elt)) {
        better = arith::CmpFOp::create(
            b, l, largest ? arith::CmpFPredicate::OGT : arith::CmpFPredicate::OLT, av, bv);
        equal = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, av, bv);
      } else {
        using P = arith::CmpIPredicate;
        P pred = largest ? (isUnsigned ? P::ugt : P::sgt) : (isUnsigned ? P::ult : P::slt);
        better = arith::CmpIOp::create(b, l, pred, av, bv);
        equal = arith::CmpIOp::create(b, l, P::eq, av, bv);
      }
      Value lower = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, ai, bi);
      return arith::OrIOp::create(b, l, better,
                                  arith::AndIOp::create(b, l, equal, lower));
    };
    Value worstV = filled(rewriter, loc, keptV,
                          extremeValue(rewriter, loc, elt, isUnsigned, /*high=*/!largest));
    Value worstI = filled(rewriter, loc, keptI,
                          scalarConstant(rewriter, loc, i64, (double)INT64_MAX));
    // One round: the best element ordered after (prevV, prevI).
    auto round = [&](OpBuilder &b, Location l, Value prevV, Value prevI) {
      auto g = linalg::GenericOp::create(
          b, l, TypeRange{keptV, keptI}, ValueRange{input, prevV, prevI},
          ValueRange{worstV, worstI}, SmallVector<AffineMap>{id, outMap, outMap, outMap, outMap},
          iters, [&](OpBuilder &nb, Location nl, ValueRange a) {
            Value i = arith::IndexCastOp::create(nb, nl, i64,
                                                 linalg::IndexOp::create(nb, nl, axis));
            Value take = arith::AndIOp::create(nb, nl, before(nb, nl, a[1], a[2], a[0], i),
                                               before(nb, nl, a[0], i, a[3], a[4]));
            linalg::YieldOp::create(nb, nl,
                                    ValueRange{arith::SelectOp::create(nb, nl, take, a[0], a[3]),
                                               arith::SelectOp::create(nb, nl, take, i, a[4])});
          });
      return std::make_pair(g.getResult(0), g.getResult(1));
    };
    auto sliceAt = [&](OpFoldResult pos) {
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0)), sizes, strides(
                                                                             rank, rewriter.getIndexAttr(1));
      offsets[axis] = pos;
      for (int64_t s : kept)
        sizes.push_back(rewriter.getIndexAttr(s));
      return std::make_tuple(offsets, sizes, strides);
    };
    // Round 0 follows a sentinel before every element.
    Value firstV = filled(rewriter, loc, keptV,
                          extremeValue(rewriter, loc, elt, isUnsigned, /*high=*/largest));
    Value firstI = filled(rewriter, loc, keptI, scalarConstant(rewriter, loc, i64, -1));
    auto [v0, i0] = round(rewriter, loc, firstV, firstI);
    auto [o0, s0, t0] = sliceAt(rewriter.getIndexAttr(0));
    Value values = tensor::InsertSliceOp::create(
        rewriter, loc, v0, tensor::EmptyOp::create(rewriter, loc, vTy.getShape(), elt), o0, s0,
        t0);
    Value indices = tensor::InsertSliceOp::create(
        rewriter, loc, i0, tensor::EmptyOp::create(rewriter, loc, vTy.getShape(), i64), o0, s0,
        t0);
    auto results = forLoop(
        rewriter, loc, index(rewriter, loc, 1), index(rewriter, loc, k),
        ValueRange{values, indices},
        [&](OpBuilder &b, Location l, Value j, ValueRange carried) -> SmallVector<Value> {
          Value prevPos = arith::SubIOp::create(b, l, j, index(b, l, 1));
          auto [po, ps, pt] = sliceAt(prevPos);
          Value pv = tensor::ExtractSliceOp::create(b, l, keptV, carried[0], po, ps, pt);
          Value pi = tensor::ExtractSliceOp::create(b, l, keptI, carried[1], po, ps, pt);
          auto [nv, ni] = round(b, l, pv, pi);
          auto [o, s, t] = sliceAt(j);
          return {tensor::InsertSliceOp::create(b, l, nv, carried[0], o, s, t),
                  tensor::InsertSliceOp::create(b, l, ni, carried[1], o, s, t)};
        });
    rewriter.replaceOp(op, {restoreSign(rewriter, loc, results[0], vTy), results[1]});
    return success();
  }
};

struct LowerDet : OpRewritePattern<wt::DetOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::DetOp op, PatternRewriter &rewriter) const override {
    auto inTy = staticType(op.getInput()), outTy = staticType(op.getOutput());
    if (!inTy || !outTy || !isa<FloatType>(inTy.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs a static float input");
    Location loc = op.getLoc();
    Type elt = inTy.getElementType();
    int64_t m = inTy.getDimSize(inTy.getRank() - 1), batch = outTy.getNumElements();
    Value all = reshapeTo(rewriter, loc, op.getInput(),
                          RankedTensorType::get({batch, m, m}, elt));
    auto matTy = RankedTensorType::get({m, m}, elt);
    Value zeroF = scalarConstant(rewriter, loc, elt, 0);
    Value oneF = scalarConstant(rewriter, loc, elt, 1);
    Value c0 = index(rewriter, loc, 0), c1 = index(rewriter, loc, 1);
    Value cm = index(rewriter, loc, m), cb = index(rewriter, loc, batch);
    auto flatTy = RankedTensorType::get({batch}, elt);
    Value init = tensor::EmptyOp::create(rewriter, loc, flatTy.getShape(), elt);
    auto dets = forLoop(rewriter, loc, c0, cb, init,
                        [&](OpBuilder &b, Location l, Value bi, ValueRange out) -> SmallVector<Value> {
      SmallVector<OpFoldResult> offs{bi, b.getIndexAttr(0), b.getIndexAttr(0)};
      SmallVector<OpFoldResult> sizes{b.getIndexAttr(1), b.getIndexAttr(m), b.getIndexAttr(m)};
      SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
      Value a = tensor::ExtractSliceOp::create(b, l, matTy, all, offs, sizes, strides);
      auto cols = forLoop(b, l, c0, cm, ValueRange{a, oneF},
                          [&](OpBuilder &b, Location l, Value c, ValueRange st) -> SmallVector<Value> {
        Value mat = st[0], det = st[1];
        // Pivot: the row at or below c with the largest magnitude in column c.
        Value cNext = arith::AddIOp::create(b, l, c, c1);
        Value absC = math::AbsFOp::create(b, l, tensor::ExtractOp::create(b, l, mat, ValueRange{c, c}));
        auto piv = forLoop(b, l, cNext, cm, ValueRange{absC, c},
                           [&](OpBuilder &b, Location l, Value r, ValueRange best) -> SmallVector<Value> {
          Value v = math::AbsFOp::create(b, l, tensor::ExtractOp::create(b, l, mat, ValueRange{r, c}));
          Value gt = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, v, best[0]);
          return {arith::SelectOp::create(b, l, gt, v, best[0]),
                  arith::SelectOp::create(b, l, gt, r, best[1])};
        });
        Value p = piv[1];
        // Swap rows c and p (a no-op when p == c); a swap flips the sign.
        mat = forLoop(b, l, c0, cm, mat,
                      [&](OpBuilder &b, Location l, Value k, ValueRange t) -> SmallVector<Value> {
          Value x = tensor::ExtractOp::create(b, l, t[0], ValueRange{c, k});
          Value y = tensor::ExtractOp::create(b, l, t[0], ValueRange{p, k});
          Value u = tensor::InsertOp::create(b, l, y, t[0], ValueRange{c, k});
          return {tensor::InsertOp::create(b, l, x, u, ValueRange{p, k})};
        })[0];
        Value swapped = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne, p, c);
        det = arith::SelectOp::create(b, l, swapped, arith::NegFOp::create(b, l, det), det);
        Value pivot = tensor::ExtractOp::create(b, l, mat, ValueRange{c, c});
        det = arith::MulFOp::create(b, l, det, pivot);
        Value singular = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, pivot, zeroF);
        // Eliminate below the pivot (nothing to do for a zero column).
        mat = forLoop(b, l, cNext, cm, mat,
                      [&](OpBuilder &b, Location l, Value r, ValueRange t) -> SmallVector<Value> {
          Value f = arith::DivFOp::create(b, l, tensor::ExtractOp::create(b, l, t[0], ValueRange{r, c}),
                                          pivot);
          f = arith::SelectOp::create(b, l, singular, zeroF, f);
          return forLoop(b, l, c, cm, t[0],
                         [&](OpBuilder &b, Location l, Value k, ValueRange u) -> SmallVector<Value> {
            Value top = tensor::ExtractOp::create(b, l, u[0], ValueRange{c, k});
            Value cur = tensor::ExtractOp::create(b, l, u[0], ValueRange{r, k});
            Value next = arith::SubFOp::create(b, l, cur, arith::MulFOp::create(b, l, f, top));
            return {tensor::InsertOp::create(b, l, next, u[0], ValueRange{r, k})};
          });
        })[0];
        return {mat, det};
      });
      return {tensor::InsertOp::create(b, l, cols[1], out[0], ValueRange{bi})};
    })[0];
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, dets, outTy));
    return success();
  }
};


struct LowerNonZero : OpRewritePattern<wt::NonZeroOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::NonZeroOp op, PatternRewriter &rewriter) const override {
    auto inTy = staticType(op.getInput()), outTy = staticType(op.getOutput());
    if (!inTy || !outTy || inTy.getRank() < 1 || !isSignlessOrFloat(signlessType(inTy)))
      return rewriter.notifyMatchFailure(op, "needs a static input of rank >= 1");
    Location loc = op.getLoc();
    auto i64 = rewriter.getI64Type();
    int64_t rank = inTy.getRank(), k = outTy.getDimSize(1);
    Value x = signlessView(rewriter, loc, op.getInput());
    Type elt = cast<RankedTensorType>(x.getType()).getElementType();
    Value zero = scalarConstant(rewriter, loc, elt, 0);
    Value init = filled(rewriter, loc, outTy, scalarConstant(rewriter, loc, i64, 0));
    SmallVector<Value> ivs;
    // Nested loops over the input, carrying (coordinates, count).
    std::function<SmallVector<Value>(OpBuilder &, Location, int64_t, ValueRange)> nest =
        [&](OpBuilder &b, Location l, int64_t d, ValueRange carried) -> SmallVector<Value> {
      return forLoop(b, l, index(b, l, 0), index(b, l, inTy.getDimSize(d)), carried,
                     [&](OpBuilder &b, Location l, Value iv, ValueRange c) -> SmallVector<Value> {
        ivs.resize(d);
        ivs.push_back(iv);
        if (d + 1 < rank)
          return nest(b, l, d + 1, c);
        Value v = tensor::ExtractOp::create(b, l, x, ivs);
        Value nz = isa<FloatType>(elt)
                       ? arith::CmpFOp::create(b, l, arith::CmpFPredicate::UNE, v, zero).getResult()
                       : arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne, v, zero).getResult();
        auto ifOp = scf::IfOp::create(b, l, TypeRange{outTy, b.getIndexType()}, nz, true);
        {
          OpBuilder::InsertionGuard g(b);
          b.setInsertionPointToStart(&ifOp.getThenRegion().front());
          Value out = c[0];
          if (k > 0) {
            // Past the declared count the run fails: keep writing in bounds.
            Value at = arith::MinUIOp::create(b, l, c[1], index(b, l, k - 1));
            for (int64_t r = 0; r < rank; ++r)
              out = tensor::InsertOp::create(
                  b, l, arith::IndexCastOp::create(b, l, i64, ivs[r]), out,
                  ValueRange{index(b, l, r), at});
          }
          scf::YieldOp::create(b, l, ValueRange{out, arith::AddIOp::create(b, l, c[1],
                                                                            index(b, l, 1))});
          b.setInsertionPointToStart(&ifOp.getElseRegion().front());
          scf::YieldOp::create(b, l, c);
        }
        return SmallVector<Value>(ifOp.getResults());
      });
    };
    auto results = nest(rewriter, loc, 0, ValueRange{init, index(rewriter, loc, 0)});
    func::CallOp::create(rewriter, loc, "whittle_rt_check_count", TypeRange{},
                         ValueRange{arith::IndexCastOp::create(rewriter, loc, i64, results[1]),
                                    arith::ConstantIntOp::create(rewriter, loc, i64, k)});
    rewriter.replaceOp(op, results[0]);
    return success();
  }
};

} // namespace

void whittle::lowering::populateSelectionLowerings(RewritePatternSet &patterns) {
  patterns.add<LowerTopK, LowerDet, LowerNonZero>(patterns.getContext());
}
