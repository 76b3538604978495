//===- QuantArithmetic.cpp - quantization with run-time scales ------------===//
//
// When scales or zero points are only known at run time, there is no
// `!quant.uniform` type to give the values; the ONNX formulas are spelled
// out in plain whittle arithmetic instead:
//   QuantizeLinear        y = saturate(round_half_even(x / s) + zp)
//   DequantizeLinear      y = (x - zp) * s
//   MatMulInteger         int32 (A - a_zp) @ (B - b_zp)
//   ConvInteger           int32 conv(x - x_zp, w - w_zp)
//   QLinearMatMul/Conv    y = saturate(round(acc * (s_a * s_b / s_y)) + zp_y)
//                         with acc the exact int32 product (plus bias)
//   DynamicQuantizeLinear scale and zero point from min/max, then quantize
// Per-axis scales and zero points broadcast along their axis.
//
//===----------------------------------------------------------------------===//

#include "LegalizationTable.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/Traits.h"

using namespace mlir;
using namespace whittle;
using namespace whittle::conversion;

namespace {

struct QuantBuilder {
  PatternRewriter &rewriter;
  Location loc;

  RankedTensorType like(Value v, Type elt) {
    return RankedTensorType::get(llvm::cast<RankedTensorType>(v.getType()).getShape(), elt);
  }
  Value cast(Value v, Type elt) {
    if (cast_type(v) == elt)
      return v;
    return wt::CastOp::create(rewriter, loc, like(v, elt), v);
  }
  static Type cast_type(Value v) { return cast_shaped(v).getElementType(); }
  static ShapedType cast_shaped(Value v) { return llvm::cast<ShapedType>(v.getType()); }
  Value binary(Value a, Value b, wt::BinaryFn fn) {
    auto ta = llvm::cast<RankedTensorType>(a.getType()), tb = llvm::cast<RankedTensorType>(b.getType());
    SmallVector<int64_t> shape;
    if (!OpTrait::util::getBroadcastedShape(ta.getShape(), tb.getShape(), shape))
      return nullptr;
    Type elt = fn >= wt::BinaryFn::eq ? rewriter.getI1Type() : ta.getElementType();
    return wt::BinaryOp::create(rewriter, loc, RankedTensorType::get(shape, elt), a, b, fn);
  }
  Value unary(Value x, wt::UnaryFn fn, std::optional<double> alpha = std::nullopt,
              std::optional<double> beta = std::nullopt) {
    return wt::UnaryOp::create(rewriter, loc, x.getType(), x, fn,
                               alpha ? rewriter.getF32FloatAttr(*alpha) : FloatAttr(),
                               beta ? rewriter.getF32FloatAttr(*beta) : FloatAttr());
  }
  /// A scale or zero point lined up for broadcasting against rank `rank`:
  /// scalars and one-element tensors become rank 0, a per-axis vector
  /// gets unit dims around `axis`.
  Value alongAxis(Value v, int64_t axis, int64_t rank) {
    auto t = llvm::cast<RankedTensorType>(v.getType());
    if (t.getNumElements() == 1)
      return toScalar(rewriter, loc, v);
    SmallVector<int64_t> shape(rank, 1);
    shape[axis] = t.getNumElements();
    return reshapeTo(rewriter, loc, v, shape);
  }
  Value f32(Value v) { return cast(v, rewriter.getF32Type()); }
  Value i32(Value v) { return cast(v, rewriter.getI32Type()); }
};

bool present(Value v) { return v && !isa<NoneType>(v.getType()); }

bool staticRanked(Value v) {
  auto t = rankedType(v);
  return t && t.hasStaticShape();
}

/// A scale or zero point that can be laid along `axis` of `x`: absent, or
/// static with one element or one per element of that axis (an unranked
/// zero point was cast to a ranked type: found by fuzz-pipeline).
bool fitsAxis(Value v, RankedTensorType x, int64_t axis) {
  if (!present(v))
    return true;
  if (!staticRanked(v))
    return false;
  int64_t n = rankedType(v).getNumElements();
  return n == 1 || n == x.getDimSize(axis);
}

/// saturate(round_half_even(x) + zp) into `elt` (an 8/16/32-bit integer);
/// `x` and `zp` are f32.
Value saturateRound(QuantBuilder &b, Value x, Value zp, Type elt) {
  Value r = b.unary(x, wt::UnaryFn::round);
  if (zp)
    r = b.binary(r, zp, wt::BinaryFn::add);
  auto it = llvm::cast<IntegerType>(elt);
  bool isSigned = !it.isUnsigned();
  double lo = quant::QuantizedType::getDefaultMinimumForInteger(isSigned, it.getWidth());
  double hi = quant::QuantizedType::getDefaultMaximumForInteger(isSigned, it.getWidth());
  r = b.unary(r, wt::UnaryFn::clip, lo, hi);
  return b.cast(r, elt);
}

} // namespace

LogicalResult whittle::conversion::quantizeArithmetic(onnx::QuantizeLinearOp op,
                                                      PatternRewriter &rewriter) {
  auto xTy = rankedType(op.getX()), yTy = rankedType(op.getY());
  if (!staticRanked(op.getX()) || !yTy || !staticRanked(op.getYScale()) ||
      !isa<IntegerType>(yTy.getElementType()) || !xTy.getElementType().isF32())
    return rewriter.notifyMatchFailure(op, "needs static f32 input and integer result");
  // The axis matters only for per-axis scales.
  std::optional<int64_t> axis = 0;
  if (rankedType(op.getYScale()).getNumElements() > 1)
    axis = normalizeAxis((int64_t)op.getAxis(), xTy.getRank());
  if (!axis)
    return rewriter.notifyMatchFailure(op, "axis out of range");
  if (!fitsAxis(op.getYScale(), xTy, *axis) || !fitsAxis(op.getYZeroPoint(), xTy, *axis))
    return rewriter.notifyMatchFailure(op, "scale or zero point does not fit the axis");
  QuantBuilder b{rewriter, op.getLoc()};
  Value s = b.alongAxis(op.getYScale(), *axis, xTy.getRank());
  Value zp = present(op.getYZeroPoint())
                 ? b.f32(b.alongAxis(op.getYZeroPoint(), *axis, xTy.getRank()))
                 : Value();
  rewriter.replaceOp(op, saturateRound(b, b.binary(op.getX(), s, wt::BinaryFn::div), zp,
                                       yTy.getElementType()));
  return success();
}

LogicalResult whittle::conversion::dequantizeArithmetic(onnx::DequantizeLinearOp op,
                                                        PatternRewriter &rewriter) {
  auto xTy = rankedType(op.getX()), yTy = rankedType(op.getY());
  if (!staticRanked(op.getX()) || !yTy || !yTy.getElementType().isF32() ||
      !staticRanked(op.getXScale()))
    return rewriter.notifyMatchFailure(op, "needs a static input and f32 result");
  std::optional<int64_t> axis = 0;
  if (rankedType(op.getXScale()).getNumElements() > 1)
    axis = normalizeAxis((int64_t)op.getAxis(), xTy.getRank());
  if (!axis)
    return rewriter.notifyMatchFailure(op, "axis out of range");
  if (!fitsAxis(op.getXScale(), xTy, *axis) || !fitsAxis(op.getXZeroPoint(), xTy, *axis))
    return rewriter.notifyMatchFailure(op, "scale or zero point does not fit the axis");
  QuantBuilder b{rewriter, op.getLoc()};
  Value x = b.f32(op.getX());
  if (present(op.getXZeroPoint()))
    x = b.binary(x, b.f32(b.alongAxis(op.getXZeroPoint(), *axis, xTy.getRank())),
                 wt::BinaryFn::sub);
  rewriter.replaceOp(op, b.binary(x, b.alongAxis(op.getXScale(), *axis, xTy.getRank()),
                                  wt::BinaryFn::mul));
  return success();
}

namespace {

/// `v - zp` in int32; `zp` lined up along `axis` of `v` when per-axis.
Value centered(QuantBuilder &b, Value v, Value zp, int64_t axis) {
  Value x = b.i32(v);
  if (!present(zp))
    return x;
  int64_t rank = cast<RankedTensorType>(v.getType()).getRank();
  return b.binary(x, b.i32(b.alongAxis(zp, axis, rank)), wt::BinaryFn::sub);
}

/// The exact int32 product of two centered operands.
Value integerMatmul(QuantBuilder &b, Value a, Value bm, RankedTensorType resultShape) {
  auto ty = RankedTensorType::get(resultShape.getShape(), b.rewriter.getI32Type());
  return wt::MatmulOp::create(b.rewriter, b.loc, ty, a, bm, Value(), Value(), false,
                              false, wt::EpilogueAttr());
}

/// The exact int32 convolution of centered operands with the op's window
/// attributes (ConvInteger and QLinearConv spell them alike).
template <typename OpTy>
FailureOr<Value> integerConv(OpTy op, PatternRewriter &rewriter, QuantBuilder &b, Value x,
                             Value w, Value bias, RankedTensorType resultShape) {
  auto inTy = rankedType(x), wTy = rankedType(w);
  size_t spatial = wTy.getRank() - 2;
  SmallVector<int64_t> kernel = intsOr(op.getKernelShape(), wTy.getShape().drop_front(2));
  SmallVector<int64_t> strides = intsOr(op.getStrides(), SmallVector<int64_t>(spatial, 1));
  SmallVector<int64_t> dilations =
      intsOr(op.getDilations(), SmallVector<int64_t>(spatial, 1));
  auto pads = resolvePads(op, rewriter, op.getAutoPad(), op.getPads(), inTy, kernel,
                          strides, dilations);
  if (failed(pads))
    return failure();
  auto ty = RankedTensorType::get(resultShape.getShape(), rewriter.getI32Type());
  return (Value)wt::ConvOp::create(
      rewriter, b.loc, ty, x, w, bias, Value(), rewriter.getDenseI64ArrayAttr(strides),
      rewriter.getDenseI64ArrayAttr(dilations), rewriter.getDenseI64ArrayAttr(*pads),
      rewriter.getI64IntegerAttr((int64_t)op.getGroup()), wt::EpilogueAttr());
}

/// acc (int32) * (sa * sb / sy), rounded, plus zp_y, saturated to `elt`.
/// `sb` may be per output channel along `channelAxis`.
Value requantize(QuantBuilder &b, Value acc, Value sa, Value sb, Value sy, Value zpy,
                 int64_t channelAxis, Type elt) {
  int64_t rank = cast<RankedTensorType>(acc.getType()).getRank();
  Value scale = b.binary(b.alongAxis(sa, 0, rank), b.alongAxis(sb, channelAxis, rank),
                         wt::BinaryFn::mul);
  scale = b.binary(scale, b.alongAxis(sy, 0, rank), wt::BinaryFn::div);
  Value y = b.binary(b.f32(acc), scale, wt::BinaryFn::mul);
  Value zp = present(zpy) ? b.f32(b.alongAxis(zpy, 0, rank)) : Value();
  return saturateRound(b, y, zp, elt);
}

bool allStatic(ValueRange vs) {
  return llvm::all_of(vs, [](Value v) { return !present(v) || staticRanked(v); });
}

LogicalResult convertMatMulInteger(onnx::MatMulIntegerOp op, PatternRewriter &rewriter) {
  auto yTy = rankedType(op.getY()), aTy = rankedType(op.getA());
  if (!yTy || !yTy.hasStaticShape() || !aTy ||
      !allStatic({op.getA(), op.getB(), op.getAZeroPoint(), op.getBZeroPoint()}))
    return rewriter.notifyMatchFailure(op, "needs static shapes");
  QuantBuilder b{rewriter, op.getLoc()};
  // a_zero_point may be per row of A (its second-to-last dim).
  Value a = centered(b, op.getA(), op.getAZeroPoint(), aTy.getRank() - 2);
  Value bm = centered(b, op.getB(), op.getBZeroPoint(), rankedType(op.getB()).getRank() - 1);
  rewriter.replaceOp(op, integerMatmul(b, a, bm, yTy));
  return success();
}

LogicalResult convertConvInteger(onnx::ConvIntegerOp op, PatternRewriter &rewriter) {
  auto yTy = rankedType(op.getY()), wTy = rankedType(op.getW());
  if (!yTy || !yTy.hasStaticShape() || !wTy || wTy.getRank() < 3 ||
      !allStatic({op.getX(), op.getW(), op.getXZeroPoint(), op.getWZeroPoint()}))
    return rewriter.notifyMatchFailure(op, "needs static shapes");
  QuantBuilder b{rewriter, op.getLoc()};
  // Padding happens after centering: padded positions contribute zero.
  Value x = centered(b, op.getX(), op.getXZeroPoint(), 1);
  Value w = centered(b, op.getW(), op.getWZeroPoint(), 0);
  auto y = integerConv(op, rewriter, b, x, w, Value(), yTy);
  if (failed(y))
    return failure();
  rewriter.replaceOp(op, *y);
  return success();
}

LogicalResult convertDynamicQuantizeLinear(onnx::DynamicQuantizeLinearOp op,
                                           PatternRewriter &rewriter) {
  auto xTy = rankedType(op.getX());
  if (!xTy || !xTy.hasStaticShape() || !xTy.getElementType().isF32())
    return rewriter.notifyMatchFailure(op, "needs a static f32 input");
  QuantBuilder b{rewriter, op.getLoc()};
  Type f32 = rewriter.getF32Type(), u8 = rankedType(op.getY()).getElementType();
  SmallVector<int64_t> all;
  for (int64_t i = 0; i < xTy.getRank(); ++i)
    all.push_back(i);
  auto scalarTy = RankedTensorType::get({}, f32);
  Value zero = createScalarConstant(rewriter, b.loc, f32, 0.0);
  // The range always includes 0.
  Value hi = b.binary(wt::ReduceOp::create(rewriter, b.loc, scalarTy, op.getX(),
                                           wt::ReduceFn::max, all, false),
                      zero, wt::BinaryFn::max);
  Value lo = b.binary(wt::ReduceOp::create(rewriter, b.loc, scalarTy, op.getX(),
                                           wt::ReduceFn::min, all, false),
                      zero, wt::BinaryFn::min);
  Value scale = b.binary(b.binary(hi, lo, wt::BinaryFn::sub),
                         createScalarConstant(rewriter, b.loc, f32, 255.0), wt::BinaryFn::div);
  Value zp = saturateRound(b, b.binary(b.unary(lo, wt::UnaryFn::neg), scale, wt::BinaryFn::div),
                           Value(), u8);
  Value y = saturateRound(b, b.binary(op.getX(), scale, wt::BinaryFn::div), b.f32(zp), u8);
  rewriter.replaceOp(op, ValueRange{y, scale, zp});
  return success();
}

} // namespace

LogicalResult whittle::conversion::qlinearMatMulArithmetic(onnx::QLinearMatMulOp op,
                                                           PatternRewriter &rewriter) {
  auto yTy = rankedType(op.getY()), aTy = rankedType(op.getA()), bTy = rankedType(op.getB());
  if (!yTy || !yTy.hasStaticShape() || !aTy || !bTy ||
      !allStatic({op.getA(), op.getAScale(), op.getAZeroPoint(), op.getB(), op.getBScale(),
                  op.getBZeroPoint(), op.getYScale(), op.getYZeroPoint()}))
    return rewriter.notifyMatchFailure(op, "needs static shapes");
  QuantBuilder b{rewriter, op.getLoc()};
  Value a = centered(b, op.getA(), op.getAZeroPoint(), aTy.getRank() - 2);
  Value bm = centered(b, op.getB(), op.getBZeroPoint(), bTy.getRank() - 1);
  Value acc = integerMatmul(b, a, bm, yTy);
  rewriter.replaceOp(op, requantize(b, acc, op.getAScale(), op.getBScale(), op.getYScale(),
                                    op.getYZeroPoint(), yTy.getRank() - 1,
                                    yTy.getElementType()));
  return success();
}

LogicalResult whittle::conversion::qlinearConvArithmetic(onnx::QLinearConvOp op,
                                                         PatternRewriter &rewriter) {
  auto yTy = rankedType(op.getY()), wTy = rankedType(op.getW());
  if (!yTy || !yTy.hasStaticShape() || !wTy || wTy.getRank() < 3 ||
      !allStatic({op.getX(), op.getXScale(), op.getXZeroPoint(), op.getW(), op.getWScale(),
                  op.getWZeroPoint(), op.getYScale(), op.getYZeroPoint(), op.getB()}))
    return rewriter.notifyMatchFailure(op, "needs static shapes");
  QuantBuilder b{rewriter, op.getLoc()};
  Value x = centered(b, op.getX(), op.getXZeroPoint(), 1);
  Value w = centered(b, op.getW(), op.getWZeroPoint(), 0);
  Value bias = present(op.getB()) ? b.i32(op.getB()) : Value();
  auto acc = integerConv(op, rewriter, b, x, w, bias, yTy);
  if (failed(acc))
    return failure();
  rewriter.replaceOp(op, requantize(b, *acc, op.getXScale(), op.getWScale(), op.getYScale(),
                                    op.getYZeroPoint(), 1, yTy.getElementType()));
  return success();
}

void whittle::conversion::populateQuantArithmeticLegalizations(LegalizationTable &table) {
  table.onOp<onnx::MatMulIntegerOp>(1, convertMatMulInteger);
  table.onOp<onnx::ConvIntegerOp>(1, convertConvInteger);
  table.onOp<onnx::DynamicQuantizeLinearOp>(1, convertDynamicQuantizeLinear);
}
