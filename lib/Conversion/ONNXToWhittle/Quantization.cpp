//===- Quantization.cpp - QDQ and QLinear ops to quantized whittle ops ----===//
//
// ONNX carries quantized tensors as raw int8/uint8/int32 next to constant
// scales and zero points. Here those become `!quant.uniform` element types:
// raw values enter and leave through whittle.storage_cast, and the
// arithmetic (conv, matmul, add, activations, concat) is the ordinary
// whittle op on quantized types. The onnx-facing raw types are unchanged,
// so the legalization stays type-preserving; back-to-back casts fold.
//
//===----------------------------------------------------------------------===//

#include "LegalizationTable.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"

using namespace mlir;
using namespace whittle;
using namespace whittle::conversion;

namespace {

/// The uniform quantized element type of raw `rawElt` values with the given
/// constant scale(s) and zero point(s); per-axis along `axis` when there
/// are several scales.
FailureOr<Type> quantType(Operation *op, PatternRewriter &rewriter,
                          Type rawElt, Value scale, Value zeroPoint,
                          int64_t axis, int64_t rank) {
  auto intTy = dyn_cast<IntegerType>(rawElt);
  if (!intTy)
    return rewriter.notifyMatchFailure(op, "quantized values are not integers");
  auto scales = getConstantFloats(scale);
  if (!scales || scales->empty())
    return rewriter.notifyMatchFailure(op, "scale is not constant");
  SmallVector<int64_t> zps(scales->size(), 0);
  if (zeroPoint && !isa<NoneType>(zeroPoint.getType())) {
    auto z = getConstantInts(zeroPoint);
    if (!z || (z->size() != scales->size() && z->size() != 1))
      return rewriter.notifyMatchFailure(op, "zero point is not constant");
    for (size_t i = 0; i < zps.size(); ++i)
      zps[i] = (*z)[z->size() == 1 ? 0 : i];
  }
  bool isSigned = !intTy.isUnsigned();
  unsigned width = intTy.getWidth();
  Type storage = rewriter.getIntegerType(width);
  int64_t lo = quant::QuantizedType::getDefaultMinimumForInteger(isSigned, width);
  int64_t hi = quant::QuantizedType::getDefaultMaximumForInteger(isSigned, width);
  unsigned flags = isSigned ? quant::QuantizationFlags::Signed : 0;
  Type expressed = rewriter.getF32Type();
  if (scales->size() == 1)
    return Type(quant::UniformQuantizedType::get(flags, storage, expressed,
                                                 (*scales)[0], zps[0], lo, hi));
  auto a = normalizeAxis(axis, rank);
  if (!a)
    return rewriter.notifyMatchFailure(op, "quantization axis out of range");
  return Type(quant::UniformQuantizedPerAxisType::get(
      flags, storage, expressed, *scales, zps, *a, lo, hi));
}

/// `v` with its element type replaced.
Type withElementType(Value v, Type elt) {
  if (auto r = dyn_cast<RankedTensorType>(v.getType()))
    return RankedTensorType::get(r.getShape(), elt);
  return UnrankedTensorType::get(elt);
}

Value toQuantized(PatternRewriter &rewriter, Location loc, Value raw, Type q) {
  return wt::StorageCastOp::create(rewriter, loc, withElementType(raw, q), raw);
}

/// Quantized element type of raw operand i, whose scale and zero point are
/// operands i+1 and i+2. Creates nothing, so handlers can check every
/// operand before they rewrite.
FailureOr<Type> operandQuantType(Operation *op, PatternRewriter &rewriter,
                                 unsigned i, int64_t axis = 1) {
  Value raw = op->getOperand(i);
  auto ty = dyn_cast<ShapedType>(raw.getType());
  if (!ty)
    return rewriter.notifyMatchFailure(op, "operand is not a tensor");
  return quantType(op, rewriter, ty.getElementType(), op->getOperand(i + 1),
                   op->getOperand(i + 2), axis,
                   ty.hasRank() ? ty.getRank() : 1);
}

/// Quantized type of the result from its scale and zero point operands.
FailureOr<Type> quantizedResult(Operation *op, PatternRewriter &rewriter,
                                unsigned scaleIdx) {
  Type rawElt = cast<ShapedType>(op->getResult(0).getType()).getElementType();
  return quantType(op, rewriter, rawElt, op->getOperand(scaleIdx),
                   op->getOperand(scaleIdx + 1), 1, 1);
}

/// Replaces `op` by `q` cast back to the op's raw result type.
void replaceWithRaw(Operation *op, PatternRewriter &rewriter, Value q) {
  rewriter.replaceOpWithNewOp<wt::StorageCastOp>(op, op->getResult(0).getType(), q);
}

/// The quantized tensor type of the op's result shape with element `q`.
Type resultType(Operation *op, Type q) {
  return withElementType(op->getResult(0), q);
}

/// Whether every value is a constant (scales and zero points must be for
/// the `!quant.uniform` forms; absent optional operands count).
bool allConstant(ValueRange values) {
  return llvm::all_of(values, [](Value v) {
    return !v || isa<NoneType>(v.getType()) || getConstantFloats(v).has_value();
  });
}

LogicalResult convertQuantizeLinear(onnx::QuantizeLinearOp op,
                                    PatternRewriter &rewriter) {
  if (!allConstant({op.getYScale(), op.getYZeroPoint()}))
    return quantizeArithmetic(op, rewriter);
  auto inTy = rankedType(op.getX());
  Type rawElt = cast<ShapedType>(op.getY().getType()).getElementType();
  auto q = quantType(op, rewriter, rawElt, op.getYScale(), op.getYZeroPoint(),
                     (int64_t)op.getAxis(), inTy ? inTy.getRank() : 1);
  if (failed(q))
    return failure();
  if (!cast<ShapedType>(op.getX().getType()).getElementType().isF32())
    return rewriter.notifyMatchFailure(op, "only f32 inputs");
  Value quantized = wt::QuantizeOp::create(rewriter, op.getLoc(),
                                           resultType(op, *q), op.getX());
  replaceWithRaw(op, rewriter, quantized);
  return success();
}

LogicalResult convertDequantizeLinear(onnx::DequantizeLinearOp op,
                                      PatternRewriter &rewriter) {
  if (!allConstant({op.getXScale(), op.getXZeroPoint()}))
    return dequantizeArithmetic(op, rewriter);
  auto inTy = rankedType(op.getX());
  Type rawElt = cast<ShapedType>(op.getX().getType()).getElementType();
  auto q = quantType(op, rewriter, rawElt, op.getXScale(), op.getXZeroPoint(),
                     (int64_t)op.getAxis(), inTy ? inTy.getRank() : 1);
  if (failed(q))
    return failure();
  if (!cast<ShapedType>(op.getY().getType()).getElementType().isF32())
    return rewriter.notifyMatchFailure(op, "only f32 results");
  Value quantized = toQuantized(rewriter, op.getLoc(), op.getX(), *q);
  rewriter.replaceOpWithNewOp<wt::DequantizeOp>(op, op.getY().getType(),
                                                quantized);
  return success();
}

LogicalResult convertQLinearConv(onnx::QLinearConvOp op,
                                 PatternRewriter &rewriter) {
  if (!allConstant({op.getXScale(), op.getXZeroPoint(), op.getWScale(), op.getWZeroPoint(),
                    op.getYScale(), op.getYZeroPoint()}))
    return qlinearConvArithmetic(op, rewriter);
  auto inTy = rankedType(op.getX()), wTy = rankedType(op.getW());
  if (!wTy || wTy.getRank() < 3)
    return rewriter.notifyMatchFailure(op, "needs a ranked filter");
  size_t spatial = wTy.getRank() - 2;
  SmallVector<int64_t> kernel =
      intsOr(op.getKernelShape(), wTy.getShape().drop_front(2));
  SmallVector<int64_t> strides = intsOr(op.getStrides(), SmallVector<int64_t>(spatial, 1));
  SmallVector<int64_t> dilations = intsOr(op.getDilations(), SmallVector<int64_t>(spatial, 1));
  StringRef autoPad = op.getAutoPad();
  if (!inTy && autoPad != "NOTSET" && autoPad != "VALID")
    return rewriter.notifyMatchFailure(op, "SAME padding of an unranked input");
  auto pads = resolvePads(op, rewriter, autoPad, op.getPads(), inTy, kernel,
                          strides, dilations);
  if (failed(pads))
    return failure();
  Location loc = op.getLoc();
  auto xq = quantType(op, rewriter, cast<ShapedType>(op.getX().getType()).getElementType(),
                      op.getXScale(), op.getXZeroPoint(), 1, 4);
  auto wq = quantType(op, rewriter, wTy.getElementType(), op.getWScale(),
                      op.getWZeroPoint(), 0, wTy.getRank());
  auto yq = quantizedResult(op, rewriter, 6);
  if (failed(xq) || failed(wq) || failed(yq))
    return failure();
  Value bias;
  if (Value b = op.getB()) {
    // Bias is int32 at scale x_scale * w_scale (per output channel), zp 0.
    auto xs = getConstantFloats(op.getXScale());
    auto ws = getConstantFloats(op.getWScale());
    auto bTy = rankedType(b);
    if (!xs || !ws || !bTy)
      return rewriter.notifyMatchFailure(op, "bias scale not constant");
    unsigned flags = quant::QuantizationFlags::Signed;
    Type i32 = rewriter.getI32Type(), f32 = rewriter.getF32Type();
    int64_t lo = quant::QuantizedType::getDefaultMinimumForInteger(true, 32);
    int64_t hi = quant::QuantizedType::getDefaultMaximumForInteger(true, 32);
    Type bq;
    if (ws->size() == 1) {
      bq = quant::UniformQuantizedType::get(flags, i32, f32, (*xs)[0] * (*ws)[0],
                                            0, lo, hi);
    } else {
      SmallVector<double> scales;
      for (double w : *ws)
        scales.push_back((*xs)[0] * w);
      bq = quant::UniformQuantizedPerAxisType::get(
          flags, i32, f32, scales, SmallVector<int64_t>(scales.size(), 0), 0,
          lo, hi);
    }
    bias = toQuantized(rewriter, loc, b, bq);
  }
  Value x = toQuantized(rewriter, loc, op.getX(), *xq);
  Value w = toQuantized(rewriter, loc, op.getW(), *wq);
  Value y = wt::ConvOp::create(
      rewriter, loc, resultType(op, *yq), x, w, bias, Value(),
      rewriter.getDenseI64ArrayAttr(strides),
      rewriter.getDenseI64ArrayAttr(dilations),
      rewriter.getDenseI64ArrayAttr(*pads),
      rewriter.getI64IntegerAttr((int64_t)op.getGroup()), wt::EpilogueAttr());
  replaceWithRaw(op, rewriter, y);
  return success();
}

LogicalResult convertQLinearMatMul(onnx::QLinearMatMulOp op,
                                   PatternRewriter &rewriter) {
  if (!allConstant({op.getAScale(), op.getAZeroPoint(), op.getBScale(), op.getBZeroPoint(),
                    op.getYScale(), op.getYZeroPoint()}))
    return qlinearMatMulArithmetic(op, rewriter);
  auto aq = operandQuantType(op, rewriter, 0);
  auto bTy = rankedType(op.getB());
  if (failed(aq) || !bTy)
    return failure();
  auto bq = quantType(op, rewriter, bTy.getElementType(), op.getBScale(),
                      op.getBZeroPoint(), -1, bTy.getRank());
  auto yq = quantizedResult(op, rewriter, 6);
  if (failed(bq) || failed(yq))
    return failure();
  Value a = toQuantized(rewriter, op.getLoc(), op.getA(), *aq);
  Value b = toQuantized(rewriter, op.getLoc(), op.getB(), *bq);
  Value y = wt::MatmulOp::create(rewriter, op.getLoc(), resultType(op, *yq), a,
                                 b, Value(), Value(), false, false,
                                 wt::EpilogueAttr());
  replaceWithRaw(op, rewriter, y);
  return success();
}

//===----------------------------------------------------------------------===//
// com.microsoft QLinear* (QOperator format)
//===----------------------------------------------------------------------===//

Handler qlinearBinary(wt::BinaryFn fn) {
  return [fn](Operation *op, PatternRewriter &rewriter) -> LogicalResult {
    if (op->getNumOperands() != 8)
      return rewriter.notifyMatchFailure(op, "expects 8 operands");
    auto aq = operandQuantType(op, rewriter, 0);
    auto bq = operandQuantType(op, rewriter, 3);
    auto cq = quantizedResult(op, rewriter, 6);
    if (failed(aq) || failed(bq) || failed(cq))
      return failure();
    Value a = toQuantized(rewriter, op->getLoc(), op->getOperand(0), *aq);
    Value b = toQuantized(rewriter, op->getLoc(), op->getOperand(3), *bq);
    Value y = wt::BinaryOp::create(rewriter, op->getLoc(), resultType(op, *cq),
                                   a, b, fn);
    replaceWithRaw(op, rewriter, y);
    return success();
  };
}

Handler qlinearUnary(wt::UnaryFn fn, std::optional<float> defaultAlpha) {
  return [fn, defaultAlpha](Operation *op, PatternRewriter &rewriter) -> LogicalResult {
    if (op->getNumOperands() != 5)
      return rewriter.notifyMatchFailure(op, "expects 5 operands");
    auto xq = operandQuantType(op, rewriter, 0);
    auto yq = quantizedResult(op, rewriter, 3);
    if (failed(xq) || failed(yq))
      return failure();
    FloatAttr alpha;
    if (defaultAlpha) {
      alpha = op->getAttrOfType<FloatAttr>("alpha");
      if (!alpha)
        alpha = rewriter.getF32FloatAttr(*defaultAlpha);
    }
    Value x = toQuantized(rewriter, op->getLoc(), op->getOperand(0), *xq);
    Value y = wt::UnaryOp::create(rewriter, op->getLoc(), resultType(op, *yq), x,
                                  fn, alpha, FloatAttr());
    replaceWithRaw(op, rewriter, y);
    return success();
  };
}

LogicalResult convertQLinearConcat(Operation *op, PatternRewriter &rewriter) {
  unsigned n = op->getNumOperands();
  if (n < 5 || (n - 2) % 3 != 0)
    return rewriter.notifyMatchFailure(op, "expects 2 + 3k operands");
  auto yq = quantizedResult(op, rewriter, 0);
  auto axisAttr = op->getAttrOfType<IntegerAttr>("axis");
  auto outTy = rankedType(op->getResult(0));
  if (failed(yq) || !axisAttr || !outTy)
    return rewriter.notifyMatchFailure(op, "needs axis, ranked result, constants");
  auto axis = normalizeAxis(axisAttr.getInt(), outTy.getRank());
  if (!axis)
    return rewriter.notifyMatchFailure(op, "axis out of range");
  SmallVector<Type> types;
  for (unsigned i = 2; i < n; i += 3) {
    auto q = operandQuantType(op, rewriter, i);
    if (failed(q))
      return failure();
    types.push_back(*q);
  }
  SmallVector<Value> inputs;
  for (auto [k, q] : llvm::enumerate(types))
    inputs.push_back(toQuantized(rewriter, op->getLoc(), op->getOperand(2 + 3 * k), q));
  Value y = wt::ConcatOp::create(rewriter, op->getLoc(), resultType(op, *yq),
                                 inputs, *axis);
  replaceWithRaw(op, rewriter, y);
  return success();
}

} // namespace

void whittle::conversion::populateQuantizationLegalizations(
    LegalizationTable &table) {
  table.onOp<onnx::QuantizeLinearOp>(1, convertQuantizeLinear);
  table.onOp<onnx::DequantizeLinearOp>(1, convertDequantizeLinear);
  table.onOp<onnx::QLinearConvOp>(1, convertQLinearConv);
  table.onOp<onnx::QLinearMatMulOp>(1, convertQLinearMatMul);
  table.onCustomOp("com.microsoft", "QLinearAdd", 1, qlinearBinary(wt::BinaryFn::add));
  table.onCustomOp("com.microsoft", "QLinearMul", 1, qlinearBinary(wt::BinaryFn::mul));
  table.onCustomOp("com.microsoft", "QLinearLeakyRelu", 1,
                   qlinearUnary(wt::UnaryFn::leaky_relu, 0.01f));
  table.onCustomOp("com.microsoft", "QLinearSigmoid", 1,
                   qlinearUnary(wt::UnaryFn::sigmoid, std::nullopt));
  table.onCustomOp("com.microsoft", "QLinearConcat", 1, convertQLinearConcat);
}
