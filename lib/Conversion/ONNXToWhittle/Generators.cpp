//===- Generators.cpp - Range, EyeLike, OneHot, Size, windows -------------===//
//
// Tensors made from shapes and a few scalars. Where everything is known at
// compile time the result is a constant; otherwise the static result shape
// fixes the element count and the run-time scalars only fill in values
// (Range with run-time bounds is start + iota * delta).
//
//===----------------------------------------------------------------------===//

#include "LegalizationTable.h"
#include "whittle/Dialect/Whittle/WhittleConstants.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace whittle;
using namespace whittle::conversion;

namespace {

Value denseConstant(PatternRewriter &rewriter, Location loc, RankedTensorType type,
                    ArrayRef<double> values) {
  Type elt = type.getElementType();
  SmallVector<Attribute> attrs;
  for (double v : values)
    attrs.push_back(isa<FloatType>(elt) ? (Attribute)rewriter.getFloatAttr(elt, v)
                                        : (Attribute)rewriter.getIntegerAttr(elt, wt::saturatingInt64(v)));
  return wt::ConstantOp::create(rewriter, loc,
                                cast<ElementsAttr>(DenseElementsAttr::get(type, attrs)));
}

LogicalResult convertRange(onnx::RangeOp op, PatternRewriter &rewriter) {
  auto outTy = rankedType(op.getOutput());
  if (!outTy || outTy.getRank() != 1)
    return rewriter.notifyMatchFailure(op, "needs a ranked 1-D result");
  Type elt = outTy.getElementType();
  if (!isa<FloatType, IntegerType>(elt))
    return rewriter.notifyMatchFailure(op, "unsupported element type");
  Location loc = op.getLoc();
  auto start = getConstantScalar(op.getStart()), limit = getConstantScalar(op.getLimit()),
       delta = getConstantScalar(op.getDelta());
  if (start && limit && delta && *delta != 0) {
    double count = std::ceil((*limit - *start) / *delta);
    if (!(count < 9.0e18))
      return op.emitOpError("has ") << count << " elements: no tensor holds that many";
    int64_t n = std::max<int64_t>(0, (int64_t)count);
    if (!outTy.isDynamicDim(0) && outTy.getDimSize(0) != n)
      return rewriter.notifyMatchFailure(op, "result size disagrees");
    if (n > kMaxGeneratedConstantBytes / 8) {
      // Too large to write out: the run-time form below, at length n.
      auto ty = RankedTensorType::get({n}, elt);
      Value iota = createIota(rewriter, loc, n, elt);
      Value step = wt::BinaryOp::create(rewriter, loc, ty, iota,
                                        toScalar(rewriter, loc, op.getDelta()),
                                        wt::BinaryFn::mul);
      Value r = wt::BinaryOp::create(rewriter, loc, ty, toScalar(rewriter, loc, op.getStart()),
                                     step, wt::BinaryFn::add);
      if (ty != outTy)
        r = tensor::CastOp::create(rewriter, loc, outTy, r);
      rewriter.replaceOp(op, r);
      return success();
    }
    SmallVector<double> values;
    for (int64_t i = 0; i < n; ++i)
      values.push_back(*start + i * *delta);
    auto ty = RankedTensorType::get({n}, elt);
    Value c = denseConstant(rewriter, loc, ty, values);
    if (ty != outTy)
      c = tensor::CastOp::create(rewriter, loc, outTy, c);
    rewriter.replaceOp(op, c);
    return success();
  }
  // Run-time bounds: the static length comes from the model's shapes.
  if (outTy.isDynamicDim(0))
    return rewriter.notifyMatchFailure(op, "run-time bounds and a dynamic length");
  // Scalars of a known type (an unranked start reached the reshape to a
  // scalar: SEGV via fuzz-pipeline); checked before anything is created.
  for (Value v : {op.getStart(), op.getLimit(), op.getDelta()}) {
    auto t = rankedType(v);
    if (!t || !t.hasStaticShape() || t.getNumElements() != 1)
      return rewriter.notifyMatchFailure(op, "bounds are not one-element tensors");
  }
  Value iota = createIota(rewriter, loc, outTy.getDimSize(0), elt);
  Value step = wt::BinaryOp::create(rewriter, loc, outTy, iota,
                                    toScalar(rewriter, loc, op.getDelta()), wt::BinaryFn::mul);
  rewriter.replaceOpWithNewOp<wt::BinaryOp>(op, outTy, toScalar(rewriter, loc, op.getStart()),
                                            step, wt::BinaryFn::add);
  return success();
}

/// Ones on the k-th diagonal of a static matrix: a constant.
LogicalResult convertEyeLike(onnx::EyeLikeOp op, PatternRewriter &rewriter) {
  auto outTy = rankedType(op.getOutput());
  if (!outTy || outTy.getRank() != 2 || !outTy.hasStaticShape() ||
      !isa<FloatType, IntegerType>(outTy.getElementType()))
    return rewriter.notifyMatchFailure(op, "needs a static numeric matrix");
  int64_t rows = outTy.getDimSize(0), cols = outTy.getDimSize(1), k = op.getK();
  if (outTy.getNumElements() > kMaxGeneratedConstantBytes / 8)
    return op.emitOpError("of ") << rows << " x " << cols
                                  << " is larger than the compile-time budget ("
                                  << kMaxGeneratedConstantBytes << " bytes)";
  SmallVector<double> values;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      values.push_back(j - i == k ? 1.0 : 0.0);
  rewriter.replaceOp(op, denseConstant(rewriter, op.getLoc(), outTy, values));
  return success();
}

LogicalResult convertSize(onnx::SizeOp op, PatternRewriter &rewriter) {
  auto inTy = rankedType(op.getData());
  auto outTy = rankedType(op.getSize());
  if (!inTy || !inTy.hasStaticShape() || !outTy)
    return rewriter.notifyMatchFailure(op, "needs a static input shape");
  rewriter.replaceOp(op, denseConstant(rewriter, op.getLoc(), outTy,
                                       {(double)inTy.getNumElements()}));
  return success();
}

/// out = (indices, made non-negative, == iota along axis) ? on : off. The
/// depth is the result's static size along the axis.
LogicalResult convertOneHot(onnx::OneHotOp op, PatternRewriter &rewriter) {
  auto idxTy = rankedType(op.getIndices()), outTy = rankedType(op.getOutput()),
       valTy = rankedType(op.getValues());
  if (!idxTy || !outTy || !valTy || !outTy.hasStaticShape() || !idxTy.hasStaticShape() ||
      valTy.getNumElements() != 2)
    return rewriter.notifyMatchFailure(op, "needs static shapes and two values");
  auto axis = normalizeAxis((int64_t)op.getAxis(), outTy.getRank());
  if (!axis)
    return rewriter.notifyMatchFailure(op, "axis out of range");
  Location loc = op.getLoc();
  int64_t depth = outTy.getDimSize(*axis);
  auto i64 = rewriter.getI64Type();
  Value idx = op.getIndices();
  // Float indices truncate toward zero, as the reference casts them.
  if (idxTy.getElementType() != i64)
    idx = wt::CastOp::create(rewriter, loc, RankedTensorType::get(idxTy.getShape(), i64), idx);
  auto i64Ty = RankedTensorType::get(idxTy.getShape(), i64);
  Value zero = createScalarConstant(rewriter, loc, i64, 0);
  Value d = createScalarConstant(rewriter, loc, i64, (double)depth);
  Value neg = wt::BinaryOp::create(rewriter, loc,
                                   RankedTensorType::get(idxTy.getShape(), rewriter.getI1Type()),
                                   idx, zero, wt::BinaryFn::lt);
  idx = wt::SelectOp::create(
      rewriter, loc, i64Ty, neg,
      wt::BinaryOp::create(rewriter, loc, i64Ty, idx, d, wt::BinaryFn::add), idx);
  SmallVector<int64_t> idxShape(idxTy.getShape());
  idxShape.insert(idxShape.begin() + *axis, 1);
  idx = reshapeTo(rewriter, loc, idx, idxShape);
  SmallVector<int64_t> iotaShape(outTy.getRank(), 1);
  iotaShape[*axis] = depth;
  Value iota = reshapeTo(rewriter, loc, createIota(rewriter, loc, depth, i64), iotaShape);
  Value hit = wt::BinaryOp::create(
      rewriter, loc, RankedTensorType::get(outTy.getShape(), rewriter.getI1Type()), idx,
      iota, wt::BinaryFn::eq);
  auto pick = [&](int64_t i) {
    Value flat = reshapeTo(rewriter, loc, op.getValues(), {2});
    Value one = wt::SliceOp::create(
        rewriter, loc, RankedTensorType::get({1}, valTy.getElementType()), flat,
        rewriter.getDenseI64ArrayAttr({i}), rewriter.getDenseI64ArrayAttr({i + 1}),
        rewriter.getDenseI64ArrayAttr({1}));
    return toScalar(rewriter, loc, one);
  };
  rewriter.replaceOpWithNewOp<wt::SelectOp>(op, outTy, hit, pick(1), pick(0));
  return success();
}

/// Hann, Hamming and Blackman windows: sums of cosines of 2 pi k n / N'
/// (N' = N periodic, N - 1 symmetric). The static result length is N, so
/// the window is a constant.
template <typename OpTy>
LogicalResult convertWindow(OpTy op, PatternRewriter &rewriter, ArrayRef<double> coeffs) {
  auto outTy = rankedType(op.getOutput());
  if (!outTy || !outTy.hasStaticShape() || outTy.getRank() != 1 ||
      !isa<FloatType, IntegerType>(outTy.getElementType()))
    return rewriter.notifyMatchFailure(op, "needs a static 1-D numeric result");
  int64_t n = outTy.getDimSize(0);
  if (n > kMaxGeneratedConstantBytes / 8)
    return op.emitOpError("of ") << n << " values is larger than the compile-time budget ("
                                 << kMaxGeneratedConstantBytes << " bytes)";
  double denom = op.getPeriodic() != 0 ? (double)n : (double)(n - 1);
  SmallVector<double> values;
  for (int64_t i = 0; i < n; ++i) {
    double v = 0.0;
    for (size_t k = 0; k < coeffs.size(); ++k)
      v += coeffs[k] * (denom == 0 ? 1.0 : std::cos(2.0 * M_PI * (double)k * i / denom)) *
           (k % 2 ? -1.0 : 1.0);
    values.push_back(v);
  }
  rewriter.replaceOp(op, denseConstant(rewriter, op.getLoc(), outTy, values));
  return success();
}

} // namespace

void whittle::conversion::populateGeneratorLegalizations(LegalizationTable &table) {
  table.onOp<onnx::HannWindowOp>(1, [](onnx::HannWindowOp op, PatternRewriter &r) {
    return convertWindow(op, r, {0.5, 0.5});
  });
  table.onOp<onnx::HammingWindowOp>(1, [](onnx::HammingWindowOp op, PatternRewriter &r) {
    return convertWindow(op, r, {25.0 / 46.0, 21.0 / 46.0});
  });
  table.onOp<onnx::BlackmanWindowOp>(1, [](onnx::BlackmanWindowOp op, PatternRewriter &r) {
    return convertWindow(op, r, {0.42, 0.5, 0.08});
  });
  table.onOp<onnx::RangeOp>(1, convertRange);
  table.onOp<onnx::EyeLikeOp>(1, convertEyeLike);
  table.onOp<onnx::SizeOp>(1, convertSize);
  table.onOp<onnx::OneHotOp>(1, convertOneHot);
}
