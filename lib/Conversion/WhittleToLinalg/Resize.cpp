//===- Resize.cpp - whittle.resize to a gathering linalg.generic ----------===//
//
// Each output element computes its source coordinate per ONNX Resize's
// coordinate_transformation_mode and reads the input with tensor.extract:
// one read for nearest, 2^k weighted reads for linear over the k resized
// dimensions. Dimensions that keep their size read straight through.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

using namespace mlir;
using namespace whittle;
using namespace whittle::lowering;

namespace {

struct LowerResize : OpRewritePattern<wt::ResizeOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ResizeOp op, PatternRewriter &rewriter) const override {
    auto inTy = staticType(op.getInput()), outTy = staticType(op.getOutput());
    if (!inTy || !outTy || !isa<FloatType>(outTy.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs static float types");
    if (op.getMode() == wt::ResizeMode::cubic)
      return rewriter.notifyMatchFailure(op, "cubic not lowered yet");
    StringRef coord = op.getCoordinateMode();
    StringRef nearestMode = op.getNearestMode();
    if (!llvm::is_contained({"half_pixel", "pytorch_half_pixel", "align_corners",
                             "asymmetric", "tf_half_pixel_for_nearest"},
                            coord))
      return rewriter.notifyMatchFailure(op, "unsupported coordinate mode");
    int64_t rank = inTy.getRank();
    SmallVector<double> scales;
    for (int64_t i = 0; i < rank; ++i)
      scales.push_back(op.getScales() ? (double)(*op.getScales())[i]
                                      : (double)outTy.getDimSize(i) / inTy.getDimSize(i));
    SmallVector<int64_t> resized;
    for (int64_t i = 0; i < rank; ++i)
      if (inTy.getDimSize(i) != outTy.getDimSize(i) || scales[i] != 1.0)
        resized.push_back(i);
    bool linear = op.getMode() == wt::ResizeMode::linear;
    Location loc = op.getLoc();
    Value input = op.getInput();
    Value init = tensor::EmptyOp::create(rewriter, loc, outTy.getShape(),
                                         outTy.getElementType());
    auto generic = linalg::GenericOp::create(
        rewriter, loc, outTy, ValueRange{}, init,
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank)},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange) {
          Type f32 = b.getF32Type(), idx = b.getIndexType();
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
            double s = scales[d];
            int64_t in = inTy.getDimSize(d), out = outTy.getDimSize(d);
            Value c;
            if (coord == "asymmetric") {
              c = arith::DivFOp::create(b, l, x, cf(s));
            } else if (coord == "align_corners") {
              c = out == 1 ? cf(0.0)
                           : arith::MulFOp::create(b, l, x, cf((double)(in - 1) / (out - 1)))
                                 .getResult();
            } else if (coord == "tf_half_pixel_for_nearest") {
              c = arith::DivFOp::create(b, l, arith::AddFOp::create(b, l, x, cf(0.5)), cf(s));
            } else {
              c = arith::SubFOp::create(
                  b, l, arith::DivFOp::create(b, l, arith::AddFOp::create(b, l, x, cf(0.5)), cf(s)),
                  cf(0.5));
              if (coord == "pytorch_half_pixel" && out == 1)
                c = cf(0.0);
            }
            coords.push_back(c);
          }
          auto toIndex = [&](Value f, int64_t dim) {
            Value lo = cf(0.0), hi = cf((double)(inTy.getDimSize(dim) - 1));
            f = arith::MinimumFOp::create(b, l, arith::MaximumFOp::create(b, l, f, lo), hi);
            return arith::IndexCastOp::create(
                b, l, idx, arith::FPToSIOp::create(b, l, b.getI64Type(), f));
          };
          if (!linear) {
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
          // Linear: weighted sum over the 2^k corners.
          SmallVector<Value> lo, hi, frac;
          for (auto [k, d] : llvm::enumerate(resized)) {
            Value c = arith::MaximumFOp::create(b, l, coords[k], cf(0.0));
            Value f = math::FloorOp::create(b, l, c);
            lo.push_back(toIndex(f, d));
            hi.push_back(toIndex(arith::AddFOp::create(b, l, f, cf(1.0)), d));
            Value fr = arith::SubFOp::create(b, l, c, f);
            // Past the last source element the weight goes to lo alone.
            frac.push_back(arith::MinimumFOp::create(b, l, fr, cf(1.0)));
          }
          Value acc = cf(0.0);
          for (unsigned mask = 0; mask < (1u << resized.size()); ++mask) {
            SmallVector<Value> at(base);
            Value w = cf(1.0);
            for (size_t k = 0; k < resized.size(); ++k) {
              bool up = mask & (1u << k);
              at[resized[k]] = up ? hi[k] : lo[k];
              Value wk = up ? frac[k] : arith::SubFOp::create(b, l, cf(1.0), frac[k]).getResult();
              w = arith::MulFOp::create(b, l, w, wk);
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

} // namespace

void whittle::lowering::populateResizeLowerings(RewritePatternSet &patterns) {
  patterns.add<LowerResize>(patterns.getContext());
}
