//===- Resize.cpp - whittle.resize to a gathering linalg.generic ----------===//
//
// Each output element computes its source coordinate per ONNX Resize's
// coordinate_transformation_mode and reads the input with tensor.extract:
// one read for nearest, 2^k weighted reads for linear and 4^k for cubic over
// the k resized dimensions. Dimensions that keep their size read straight
// through. Scales are constants or values read from a run-time tensor.
// Integer tensors interpolate in f32 and convert back truncating toward
// zero, as ONNX Runtime does (nearest on signless integers reads directly).
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

using namespace mlir;
using namespace whittle;
using namespace whittle::lowering;

namespace {

struct LowerResize : OpRewritePattern<wt::ResizeOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ResizeOp op, PatternRewriter &rewriter) const override {
    auto inTy = rankedType(op.getInput()), outTy = rankedType(op.getOutput());
    if (!inTy || !outTy)
      return rewriter.notifyMatchFailure(op, "needs ranked types");
    Type elt = outTy.getElementType();
    bool directInts = elt.isSignlessInteger() && op.getMode() == wt::ResizeMode::nearest;
    if (!isa<FloatType>(elt) && !directInts)
      return rewriter.notifyMatchFailure(op, "integers go through f32 (ResizeIntegers)");
    for (int64_t i = 0; i < outTy.getRank(); ++i)
      if ((outTy.isDynamicDim(i) || inTy.isDynamicDim(i)) && !op.getScales() &&
          !op.getScaleValues())
        return rewriter.notifyMatchFailure(op, "a dynamic dim without scales");
    StringRef coord = op.getCoordinateMode();
    StringRef nearestMode = op.getNearestMode();
    if (!llvm::is_contained({"half_pixel", "pytorch_half_pixel", "align_corners",
                             "asymmetric", "tf_half_pixel_for_nearest"},
                            coord))
      return rewriter.notifyMatchFailure(op, "unsupported coordinate mode");
    int64_t rank = inTy.getRank();
    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type();
    // Per dimension: the scale as a value (a constant, or read from the
    // run-time scales), and whether the dimension is resampled at all.
    SmallVector<Value> scales;
    SmallVector<int64_t> resized;
    for (int64_t i = 0; i < rank; ++i) {
      // A dynamic dim stays when its constant scale is 1.
      bool same = inTy.isDynamicDim(i) ? !op.getScaleValues()
                                       : inTy.getDimSize(i) == outTy.getDimSize(i);
      if (Value sv = op.getScaleValues()) {
        Value at = arith::ConstantIndexOp::create(rewriter, loc, i);
        scales.push_back(tensor::ExtractOp::create(rewriter, loc, sv, ValueRange{at}));
        checkScale(rewriter, loc, scales.back(), sizesOf(rewriter, loc, op.getInput())[i]);
      } else {
        double sc = op.getScales() ? (double)(*op.getScales())[i]
                                   : (double)outTy.getDimSize(i) / inTy.getDimSize(i);
        scales.push_back(scalarConstant(rewriter, loc, f32, sc));
        same &= sc == 1.0;
      }
      if (!same)
        resized.push_back(i);
    }
    wt::ResizeMode mode = op.getMode();
    double cubicA = op.getCubicCoeffA().convertToDouble();
    bool excludeOutside = op.getExcludeOutside();
    Value input = op.getInput();
    // Input extents as f32 (run-time ones for dynamic dims), and the output
    // extents: floor(in * scale) where dynamic.
    SmallVector<OpFoldResult> inSizes = sizesOf(rewriter, loc, input), outSizes;
    SmallVector<Value> inExtent;
    for (int64_t i = 0; i < rank; ++i) {
      Value n = arith::IndexCastOp::create(
          rewriter, loc, rewriter.getI64Type(),
          getValueOrCreateConstantIndexOp(rewriter, loc, inSizes[i]));
      inExtent.push_back(arith::SIToFPOp::create(rewriter, loc, f32, n));
      if (!outTy.isDynamicDim(i)) {
        outSizes.push_back(rewriter.getIndexAttr(outTy.getDimSize(i)));
        continue;
      }
      Type f64 = rewriter.getF64Type();
      Value len = arith::MulFOp::create(rewriter, loc, arith::ExtFOp::create(rewriter, loc, f64, inExtent[i]),
                                        arith::ExtFOp::create(rewriter, loc, f64, scales[i]));
      len = math::FloorOp::create(rewriter, loc, len);
      len = arith::FPToSIOp::create(rewriter, loc, rewriter.getI64Type(), len);
      outSizes.push_back(
          arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), len).getResult());
    }
    Value init = emptyTensor(rewriter, loc, outTy, outSizes);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, outTy, ValueRange{}, init,
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank)},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange) {
          Type idx = b.getIndexType();
          auto cf = [&](double v) { return scalarConstant(b, l, f32, v); };
          SmallVector<Value> outIdx, base;
          for (int64_t i = 0; i < rank; ++i) {
            outIdx.push_back(linalg::IndexOp::create(b, l, i));
            base.push_back(outIdx.back());
          }
          // Source coordinate (float) of every resized dimension.
          SmallVector<Value> coords;
          for (int64_t d : resized) {
            Value x = arith::UIToFPOp::create(
                b, l, f32, arith::IndexCastUIOp::create(b, l, b.getI64Type(), outIdx[d]));
            Value s = scales[d];
            Value in = inExtent[d];
            Value c;
            if (coord == "asymmetric") {
              c = arith::DivFOp::create(b, l, x, s);
            } else if (coord == "align_corners") {
              // ONNX measures the resized length as scale * in, unrounded.
              Value len = arith::MulFOp::create(b, l, s, in);
              Value one = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, len, cf(1.0));
              Value r = arith::DivFOp::create(
                  b, l, arith::MulFOp::create(b, l, x, arith::SubFOp::create(b, l, in, cf(1.0))),
                  arith::SubFOp::create(b, l, len, cf(1.0)));
              c = arith::SelectOp::create(b, l, one, cf(0.0), r);
            } else if (coord == "tf_half_pixel_for_nearest") {
              c = arith::DivFOp::create(b, l, arith::AddFOp::create(b, l, x, cf(0.5)), s);
            } else {
              c = arith::SubFOp::create(
                  b, l, arith::DivFOp::create(b, l, arith::AddFOp::create(b, l, x, cf(0.5)), s),
                  cf(0.5));
              if (coord == "pytorch_half_pixel") {
                Value len = arith::MulFOp::create(b, l, s, in);
                Value one = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, len, cf(1.0));
                c = arith::SelectOp::create(b, l, one, cf(-0.5), c);
              }
            }
            coords.push_back(c);
          }
          auto toIndex = [&](Value f, int64_t dim) {
            Value lo = cf(0.0), hi = arith::SubFOp::create(b, l, inExtent[dim], cf(1.0));
            // maxnum/minnum: a NaN coordinate (a NaN scale) reads element
            // 0, never an index converted from NaN.
            f = arith::MinNumFOp::create(b, l, arith::MaxNumFOp::create(b, l, f, lo), hi);
            return arith::IndexCastOp::create(
                b, l, idx, arith::FPToSIOp::create(b, l, b.getI64Type(), f));
          };
          if (mode == wt::ResizeMode::nearest) {
            SmallVector<Value> at(base);
            for (auto [k, d] : llvm::enumerate(resized)) {
              Value c = coords[k], r;
              if (nearestMode == "floor")
                r = math::FloorOp::create(b, l, c);
              else if (nearestMode == "ceil")
                r = math::CeilOp::create(b, l, c);
              else if (nearestMode == "round_prefer_ceil")
                r = math::FloorOp::create(b, l, arith::AddFOp::create(b, l, c, cf(0.5)));
              else
                r = math::CeilOp::create(b, l, arith::SubFOp::create(b, l, c, cf(0.5)));
              at[d] = toIndex(r, d);
            }
            linalg::YieldOp::create(b, l, ValueRange{tensor::ExtractOp::create(b, l, input, at)});
            return;
          }
          // Linear and cubic: a weighted sum over taps^k source points,
          // read with edge clamping. taps[k][j] and weights[k][j] are the
          // j-th source index and weight along the k-th resized dim.
          unsigned numTaps = mode == wt::ResizeMode::linear ? 2 : 4;
          SmallVector<SmallVector<Value>> taps, weights;
          for (auto [k, d] : llvm::enumerate(resized)) {
            taps.emplace_back();
            weights.emplace_back();
            if (mode == wt::ResizeMode::linear) {
              Value c = arith::MaximumFOp::create(b, l, coords[k], cf(0.0));
              Value f = math::FloorOp::create(b, l, c);
              taps.back().push_back(toIndex(f, d));
              taps.back().push_back(toIndex(arith::AddFOp::create(b, l, f, cf(1.0)), d));
              // Past the last source element the weight goes to lo alone.
              Value fr = arith::MinimumFOp::create(b, l, arith::SubFOp::create(b, l, c, f),
                                                   cf(1.0));
              weights.back().push_back(arith::SubFOp::create(b, l, cf(1.0), fr));
              weights.back().push_back(fr);
              continue;
            }
            // Cubic convolution (Keys) with coefficient A at distances
            // 1 + t, t, 1 - t, 2 - t from the floor point.
            Value c = coords[k], f = math::FloorOp::create(b, l, c);
            Value t = arith::SubFOp::create(b, l, c, f);
            auto mul = [&](Value x, Value y) { return arith::MulFOp::create(b, l, x, y).getResult(); };
            auto add = [&](Value x, Value y) { return arith::AddFOp::create(b, l, x, y).getResult(); };
            auto sub = [&](Value x, Value y) { return arith::SubFOp::create(b, l, x, y).getResult(); };
            Value a = cf(cubicA);
            // |x| in [1, 2): ((A x - 5A) x + 8A) x - 4A; |x| < 1: ((A+2) x - (A+3)) x x + 1.
            auto far = [&](Value x) {
              return sub(mul(add(mul(sub(mul(a, x), cf(5 * cubicA)), x), cf(8 * cubicA)), x),
                         cf(4 * cubicA));
            };
            auto near = [&](Value x) {
              return add(mul(mul(sub(mul(cf(cubicA + 2), x), cf(cubicA + 3)), x), x), cf(1.0));
            };
            Value one = cf(1.0);
            Value oneMinus = sub(one, t);
            SmallVector<Value> w{far(add(t, one)), near(t), near(oneMinus), far(add(oneMinus, one))};
            Value sum = cf(0.0);
            for (int j = 0; j < 4; ++j) {
              Value pos = add(f, cf(j - 1));
              taps.back().push_back(toIndex(pos, d));
              if (excludeOutside) {
                Value inside = arith::AndIOp::create(
                    b, l,
                    arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGE, pos, cf(0.0)),
                    arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLE, pos,
                                          arith::SubFOp::create(b, l, inExtent[d], cf(1.0))));
                w[j] = arith::SelectOp::create(b, l, inside, w[j], cf(0.0));
                sum = add(sum, w[j]);
              }
            }
            if (excludeOutside)
              for (Value &wj : w)
                wj = arith::DivFOp::create(b, l, wj, sum);
            weights.back().append(w.begin(), w.end());
          }
          Value acc = cf(0.0);
          unsigned combos = 1;
          for (size_t k = 0; k < resized.size(); ++k)
            combos *= numTaps;
          for (unsigned combo = 0; combo < combos; ++combo) {
            SmallVector<Value> at(base);
            Value w = cf(1.0);
            unsigned rest = combo;
            for (size_t k = 0; k < resized.size(); ++k) {
              unsigned j = rest % numTaps;
              rest /= numTaps;
              at[resized[k]] = taps[k][j];
              w = arith::MulFOp::create(b, l, w, weights[k][j]);
            }
            Value v = tensor::ExtractOp::create(b, l, input, at);
            if (v.getType() != f32)
              v = arith::ExtFOp::create(b, l, f32, v);
            acc = arith::AddFOp::create(b, l, acc, arith::MulFOp::create(b, l, v, w));
          }
          if (acc.getType() != outTy.getElementType())
            acc = arith::TruncFOp::create(b, l, outTy.getElementType(), acc);
          linalg::YieldOp::create(b, l, acc);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// An integer resize other than nearest on signless integers: the same
/// resize on the values converted to f32, converted back (truncating).
/// Integers up to 16 bits are exact in f32.
struct ResizeIntegers : OpRewritePattern<wt::ResizeOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ResizeOp op, PatternRewriter &rewriter) const override {
    auto inTy = rankedType(op.getInput()), outTy = rankedType(op.getOutput());
    auto it = inTy ? dyn_cast<IntegerType>(inTy.getElementType()) : IntegerType();
    if (!it || !outTy || it.getWidth() > 16 ||
        (it.isSignless() && op.getMode() == wt::ResizeMode::nearest))
      return rewriter.notifyMatchFailure(op, "not an integer resize through f32");
    Type f32 = rewriter.getF32Type();
    Location loc = op.getLoc();
    Value x = wt::CastOp::create(rewriter, loc, RankedTensorType::get(inTy.getShape(), f32),
                                 op.getInput());
    auto resized = cast<wt::ResizeOp>(rewriter.clone(*op));
    resized->setOperand(0, x);
    resized.getOutput().setType(RankedTensorType::get(outTy.getShape(), f32));
    Value y = resized.getOutput();
    // Cubic weights overshoot: clamp into the integer range first (the
    // conversion of an out-of-range float is undefined).
    if (op.getMode() == wt::ResizeMode::cubic) {
      APInt lo = it.isUnsigned() ? APInt::getMinValue(it.getWidth())
                                 : APInt::getSignedMinValue(it.getWidth());
      APInt hi = it.isUnsigned() ? APInt::getMaxValue(it.getWidth())
                                 : APInt::getSignedMaxValue(it.getWidth());
      auto bound = [&](const APInt &v) {
        return rewriter.getF32FloatAttr(it.isUnsigned() ? (double)v.getZExtValue()
                                                        : (double)v.getSExtValue());
      };
      y = wt::UnaryOp::create(rewriter, loc, y.getType(), y, wt::UnaryFn::clip, bound(lo),
                              bound(hi));
    }
    rewriter.replaceOpWithNewOp<wt::CastOp>(op, outTy, y);
    return success();
  }
};

/// GridSample as PyTorch's grid_sample: the grid point is unnormalized to
/// pixel coordinates; border and reflection padding move the coordinate
/// (per tap for bicubic) into the image, zeros padding reads 0 outside.
struct LowerGridSample : OpRewritePattern<wt::GridSampleOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::GridSampleOp op, PatternRewriter &rewriter) const override {
    auto inTy = staticType(op.getInput()), gridTy = staticType(op.getGrid()),
         outTy = staticType(op.getOutput());
    if (!inTy || !gridTy || !outTy || inTy.getRank() != 4 || gridTy.getRank() != 4 ||
        !isa<FloatType>(outTy.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs static 4-D float tensors");
    Location loc = op.getLoc();
    Value input = op.getInput(), grid = op.getGrid();
    StringRef mode = op.getMode(), pad = op.getPaddingMode();
    bool align = op.getAlignCorners();
    Type f32 = rewriter.getF32Type();
    Value r = buildIndexedGeneric(rewriter, loc, outTy, [&](OpBuilder &b, Location l) -> Value {
      auto cf = [&](double v) { return scalarConstant(b, l, f32, v); };
      auto add = [&](Value x, Value y) { return arith::AddFOp::create(b, l, x, y).getResult(); };
      auto sub = [&](Value x, Value y) { return arith::SubFOp::create(b, l, x, y).getResult(); };
      auto mul = [&](Value x, Value y) { return arith::MulFOp::create(b, l, x, y).getResult(); };
      Value n = linalg::IndexOp::create(b, l, 0), c = linalg::IndexOp::create(b, l, 1),
            ho = linalg::IndexOp::create(b, l, 2), wo = linalg::IndexOp::create(b, l, 3);
      auto gridAt = [&](int64_t k) {
        Value v = tensor::ExtractOp::create(
            b, l, grid, ValueRange{n, ho, wo, arith::ConstantIndexOp::create(b, l, k)});
        return v.getType() == f32 ? v : arith::ExtFOp::create(b, l, f32, v).getResult();
      };
      auto unnormalize = [&](Value g, int64_t size) {
        return align ? mul(mul(add(g, cf(1.0)), cf(0.5)), cf((double)(size - 1)))
                     : mul(sub(mul(add(g, cf(1.0)), cf((double)size)), cf(1.0)), cf(0.5));
      };
      auto clamp = [&](Value x, int64_t size) {
        // maxnum/minnum: a NaN grid coordinate clamps to 0 (no index from NaN).
        return arith::MinNumFOp::create(b, l, arith::MaxNumFOp::create(b, l, x, cf(0.0)),
                                        cf((double)(size - 1)))
            .getResult();
      };
      // Reflect x into [lo, hi] (twice the bounds in pixel units).
      auto reflect = [&](Value x, double twiceLo, double twiceHi) -> Value {
        if (twiceLo == twiceHi)
          return cf(0.0);
        double lo = twiceLo / 2, span = (twiceHi - twiceLo) / 2;
        Value in = math::AbsFOp::create(b, l, sub(x, cf(lo)));
        Value extra = arith::RemFOp::create(b, l, in, cf(span));
        Value flips = math::FloorOp::create(b, l, arith::DivFOp::create(b, l, in, cf(span)));
        Value odd = arith::CmpFOp::create(
            b, l, arith::CmpFPredicate::ONE,
            arith::RemFOp::create(b, l, flips, cf(2.0)), cf(0.0));
        return arith::SelectOp::create(b, l, odd, add(sub(cf(span), extra), cf(lo)),
                                       add(extra, cf(lo)));
      };
      auto padCoord = [&](Value x, int64_t size) -> Value {
        if (pad == "border")
          return clamp(x, size);
        if (pad == "reflection")
          return clamp(align ? reflect(x, 0, 2.0 * (size - 1)) : reflect(x, -1, 2.0 * size - 1),
                       size);
        return x;
      };
      int64_t H = inTy.getDimSize(2), W = inTy.getDimSize(3);
      // Reads input[n, c, y, x] for integral float coordinates; 0 outside
      // with zeros padding.
      auto read = [&](Value y, Value x) -> Value {
        auto idx = [&](Value v, int64_t size) {
          return arith::IndexCastOp::create(
              b, l, b.getIndexType(), arith::FPToSIOp::create(b, l, b.getI64Type(), clamp(v, size)));
        };
        Value v = tensor::ExtractOp::create(b, l, input,
                                            ValueRange{n, c, idx(y, H), idx(x, W)});
        if (v.getType() != f32)
          v = arith::ExtFOp::create(b, l, f32, v);
        if (pad != "zeros")
          return v;
        auto in = [&](Value p, int64_t size) {
          return arith::AndIOp::create(
              b, l, arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGE, p, cf(0.0)),
              arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLE, p, cf((double)(size - 1))));
        };
        Value inside = arith::AndIOp::create(b, l, in(y, H), in(x, W));
        return arith::SelectOp::create(b, l, inside, v, cf(0.0));
      };
      Value x = unnormalize(gridAt(0), W), y = unnormalize(gridAt(1), H);
      Value result;
      if (mode == "nearest") {
        result = read(math::RoundEvenOp::create(b, l, padCoord(y, H)),
                      math::RoundEvenOp::create(b, l, padCoord(x, W)));
      } else if (mode == "bilinear") {
        x = padCoord(x, W);
        y = padCoord(y, H);
        Value x0 = math::FloorOp::create(b, l, x), y0 = math::FloorOp::create(b, l, y);
        Value tx = sub(x, x0), ty = sub(y, y0);
        Value x1 = add(x0, cf(1.0)), y1 = add(y0, cf(1.0));
        result = add(add(mul(read(y0, x0), mul(sub(cf(1.0), ty), sub(cf(1.0), tx))),
                         mul(read(y0, x1), mul(sub(cf(1.0), ty), tx))),
                     add(mul(read(y1, x0), mul(ty, sub(cf(1.0), tx))), mul(read(y1, x1), mul(ty, tx))));
      } else {
        // Bicubic, A = -0.75, over the 4 x 4 taps around the point; each tap
        // coordinate is padded on its own.
        double a = -0.75;
        auto coeffs = [&](Value t) {
          auto far = [&](Value d) {
            return sub(mul(add(mul(sub(mul(cf(a), d), cf(5 * a)), d), cf(8 * a)), d), cf(4 * a));
          };
          auto near = [&](Value d) {
            return add(mul(mul(sub(mul(cf(a + 2), d), cf(a + 3)), d), d), cf(1.0));
          };
          Value u = sub(cf(1.0), t);
          return SmallVector<Value>{far(add(t, cf(1.0))), near(t), near(u), far(add(u, cf(1.0)))};
        };
        Value x0 = math::FloorOp::create(b, l, x), y0 = math::FloorOp::create(b, l, y);
        SmallVector<Value> wx = coeffs(sub(x, x0)), wy = coeffs(sub(y, y0));
        result = cf(0.0);
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 4; ++j) {
            Value ty = padCoord(add(y0, cf(i - 1)), H), tx = padCoord(add(x0, cf(j - 1)), W);
            result = add(result, mul(read(ty, tx), mul(wy[i], wx[j])));
          }
      }
      if (result.getType() != outTy.getElementType())
        result = arith::TruncFOp::create(b, l, outTy.getElementType(), result);
      return result;
    });
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void whittle::lowering::populateResizeLowerings(RewritePatternSet &patterns) {
  patterns.add<LowerResize, ResizeIntegers, LowerGridSample>(patterns.getContext());
}
