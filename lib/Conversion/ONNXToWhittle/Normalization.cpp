//===- Normalization.cpp - InstanceNormalization, LRN, Hardmax ------------===//
//
// Decompositions into whittle reductions, pooling and elementwise ops:
//   InstanceNormalization: per (n, c) mean and variance over the spatial dims;
//   LRN: the windowed sum of squares over channels is an average pool with
//        count_include_pad on an N x 1 x C x rest view;
//   Hardmax: 1 where the index along the axis is the (first) argmax;
//   MeanVarianceNormalization: (x - E[x]) / (sqrt(E[x^2] - E[x]^2) + 1e-9),
//        ONNX's own function body;
//   BatchNormalization in training mode: the batch's mean and (biased)
//        variance normalize, and blend into the running statistics.
//
//===----------------------------------------------------------------------===//

#include "LegalizationTable.h"

using namespace mlir;
using namespace whittle;
using namespace whittle::conversion;

namespace {

Value unary(PatternRewriter &rewriter, Location loc, Value x, wt::UnaryFn fn) {
  return wt::UnaryOp::create(rewriter, loc, x.getType(), x, fn, FloatAttr(), FloatAttr());
}

LogicalResult convertInstanceNorm(onnx::InstanceNormalizationOp op,
                                  PatternRewriter &rewriter) {
  auto ty = rankedType(op.getInput());
  if (!ty || !ty.hasStaticShape() || ty.getRank() < 3)
    return rewriter.notifyMatchFailure(op, "needs a static N x C x D.. input");
  Location loc = op.getLoc();
  Type elt = ty.getElementType();
  SmallVector<int64_t> axes, kept{ty.getDimSize(0), ty.getDimSize(1)}, perChannel{
                                                                          ty.getDimSize(1)};
  for (int64_t i = 2; i < ty.getRank(); ++i) {
    axes.push_back(i);
    kept.push_back(1);
    perChannel.push_back(1);
  }
  auto keptTy = RankedTensorType::get(kept, elt);
  Value mean = wt::ReduceOp::create(rewriter, loc, keptTy, op.getInput(),
                                    wt::ReduceFn::mean, axes, true);
  Value centered =
      wt::BinaryOp::create(rewriter, loc, ty, op.getInput(), mean, wt::BinaryFn::sub);
  Value sq = wt::BinaryOp::create(rewriter, loc, ty, centered, centered, wt::BinaryFn::mul);
  Value var = wt::ReduceOp::create(rewriter, loc, keptTy, sq, wt::ReduceFn::mean, axes, true);
  Value eps = createScalarConstant(rewriter, loc, elt, op.getEpsilon().convertToDouble());
  Value inv = unary(rewriter, loc,
                    unary(rewriter, loc,
                          wt::BinaryOp::create(rewriter, loc, keptTy, var, eps,
                                               wt::BinaryFn::add),
                          wt::UnaryFn::sqrt),
                    wt::UnaryFn::reciprocal);
  Value y = wt::BinaryOp::create(rewriter, loc, ty, centered, inv, wt::BinaryFn::mul);
  y = wt::BinaryOp::create(rewriter, loc, ty, y,
                           reshapeTo(rewriter, loc, op.getScale(), perChannel),
                           wt::BinaryFn::mul);
  rewriter.replaceOpWithNewOp<wt::BinaryOp>(op, op.getOutput().getType(), y,
                                            reshapeTo(rewriter, loc, op.getB(), perChannel),
                                            wt::BinaryFn::add);
  return success();
}

/// y = x / (bias + alpha / size * sum of squares over the channel window)^beta
LogicalResult convertLrn(onnx::LRNOp op, PatternRewriter &rewriter) {
  auto ty = rankedType(op.getX());
  int64_t size = op.getSize();
  if (!ty || !ty.hasStaticShape() || ty.getRank() < 3 || size < 1)
    return rewriter.notifyMatchFailure(op, "needs a static N x C x D.. input");
  Location loc = op.getLoc();
  Type elt = ty.getElementType();
  int64_t n = ty.getDimSize(0), c = ty.getDimSize(1), rest = 1;
  for (int64_t i = 2; i < ty.getRank(); ++i)
    rest *= ty.getDimSize(i);
  Value sq = wt::BinaryOp::create(rewriter, loc, ty, op.getX(), op.getX(), wt::BinaryFn::mul);
  Value view = reshapeTo(rewriter, loc, sq, {n, 1, c, rest});
  int64_t lo = (size - 1) / 2, hi = size - 1 - lo;
  Value avg = wt::PoolOp::create(rewriter, loc, view.getType(), view, wt::PoolFn::avg,
                                 rewriter.getDenseI64ArrayAttr({size, 1}),
                                 rewriter.getDenseI64ArrayAttr({1, 1}),
                                 rewriter.getDenseI64ArrayAttr({1, 1}),
                                 rewriter.getDenseI64ArrayAttr({lo, 0, hi, 0}),
                                 /*ceil_mode=*/false, /*count_include_pad=*/true, 2);
  Value sum = reshapeTo(rewriter, loc, avg, ty.getShape());
  auto c0 = [&](double v) { return createScalarConstant(rewriter, loc, elt, v); };
  Value scaled = wt::BinaryOp::create(rewriter, loc, ty, sum,
                                      c0(op.getAlpha().convertToDouble()), wt::BinaryFn::mul);
  Value base = wt::BinaryOp::create(rewriter, loc, ty, scaled,
                                    c0(op.getBias().convertToDouble()), wt::BinaryFn::add);
  Value den = wt::BinaryOp::create(rewriter, loc, ty, base,
                                   c0(op.getBeta().convertToDouble()), wt::BinaryFn::pow);
  rewriter.replaceOpWithNewOp<wt::BinaryOp>(op, op.getY().getType(), op.getX(), den,
                                            wt::BinaryFn::div);
  return success();
}

/// One-hot of the first maximum along `axis` of a static input.
Value hardmaxAlong(PatternRewriter &rewriter, Location loc, Value x, int64_t axis) {
  auto ty = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> kept(ty.getShape()), iotaShape(ty.getRank(), 1);
  kept[axis] = 1;
  iotaShape[axis] = ty.getDimSize(axis);
  auto i64 = rewriter.getI64Type();
  Value arg = wt::ArgReduceOp::create(rewriter, loc, RankedTensorType::get(kept, i64), x,
                                      wt::ReduceFn::max, axis, true, false);
  Value iota = reshapeTo(rewriter, loc, createIota(rewriter, loc, ty.getDimSize(axis), i64),
                         iotaShape);
  Value hit = wt::BinaryOp::create(
      rewriter, loc, RankedTensorType::get(ty.getShape(), rewriter.getI1Type()), iota, arg,
      wt::BinaryFn::eq);
  return wt::CastOp::create(rewriter, loc, ty, hit);
}

LogicalResult convertHardmax(onnx::HardmaxOp op, PatternRewriter &rewriter, bool coerce2d) {
  auto ty = rankedType(op.getInput());
  if (!ty || !ty.hasStaticShape() || ty.getRank() < 1)
    return rewriter.notifyMatchFailure(op, "needs a static input");
  auto axis = normalizeAxis((int64_t)op.getAxis(), ty.getRank());
  if (!axis)
    return rewriter.notifyMatchFailure(op, "axis out of range");
  Location loc = op.getLoc();
  if (!coerce2d || *axis == ty.getRank() - 1) {
    rewriter.replaceOp(op, hardmaxAlong(rewriter, loc, op.getInput(), *axis));
    return success();
  }
  // Before opset 13 the input is coerced to 2-D at `axis`.
  int64_t rows = 1, cols = 1;
  for (int64_t i = 0; i < ty.getRank(); ++i)
    (i < *axis ? rows : cols) *= ty.getDimSize(i);
  Value flat = reshapeTo(rewriter, loc, op.getInput(), {rows, cols});
  rewriter.replaceOp(op, reshapeTo(rewriter, loc, hardmaxAlong(rewriter, loc, flat, 1),
                                   ty.getShape()));
  return success();
}


Value binary(PatternRewriter &rewriter, Location loc, Type ty, Value a, Value b,
             wt::BinaryFn fn) {
  return wt::BinaryOp::create(rewriter, loc, ty, a, b, fn);
}

LogicalResult convertMvn(onnx::MeanVarianceNormalizationOp op, PatternRewriter &rewriter) {
  auto ty = rankedType(op.getX());
  if (!ty || !ty.hasStaticShape() || !isa<FloatType>(ty.getElementType()))
    return rewriter.notifyMatchFailure(op, "needs a static float input");
  SmallVector<int64_t> axes;
  for (int64_t a : intsOr(op.getAxes(), {0, 2, 3})) {
    auto n = normalizeAxis(a, ty.getRank());
    if (!n)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    axes.push_back(*n);
  }
  Location loc = op.getLoc();
  SmallVector<int64_t> kept(ty.getShape());
  for (int64_t a : axes)
    kept[a] = 1;
  auto keptTy = RankedTensorType::get(kept, ty.getElementType());
  Value x = op.getX();
  Value mean = wt::ReduceOp::create(rewriter, loc, keptTy, x, wt::ReduceFn::mean, axes, true);
  Value sqMean = wt::ReduceOp::create(rewriter, loc, keptTy,
                                      binary(rewriter, loc, ty, x, x, wt::BinaryFn::mul),
                                      wt::ReduceFn::mean, axes, true);
  Value var = binary(rewriter, loc, keptTy, sqMean,
                     binary(rewriter, loc, keptTy, mean, mean, wt::BinaryFn::mul),
                     wt::BinaryFn::sub);
  Value den = binary(rewriter, loc, keptTy, unary(rewriter, loc, var, wt::UnaryFn::sqrt),
                     createScalarConstant(rewriter, loc, ty.getElementType(), 1e-9),
                     wt::BinaryFn::add);
  rewriter.replaceOp(op, binary(rewriter, loc, ty,
                                binary(rewriter, loc, ty, x, mean, wt::BinaryFn::sub), den,
                                wt::BinaryFn::div));
  return success();
}

} // namespace

/// Training mode: y normalizes with the batch's own statistics (over every
/// axis but the channel axis 1); running_mean and running_var are
/// input * momentum + batch * (1 - momentum), the variance biased (/N).
LogicalResult whittle::conversion::convertBatchNormTraining(
    onnx::BatchNormalizationOp op, PatternRewriter &rewriter) {
  auto ty = rankedType(op.getX());
  if (!ty || !ty.hasStaticShape() || ty.getRank() < 2 ||
      !isa<FloatType>(ty.getElementType()))
    return rewriter.notifyMatchFailure(op, "needs a static float N x C x .. input");
  Location loc = op.getLoc();
  Type elt = ty.getElementType();
  int64_t c = ty.getDimSize(1);
  SmallVector<int64_t> axes{0}, kept(ty.getRank(), 1);
  kept[1] = c;
  for (int64_t i = 2; i < ty.getRank(); ++i)
    axes.push_back(i);
  auto keptTy = RankedTensorType::get(kept, elt);
  auto chanTy = RankedTensorType::get({c}, elt);
  Value x = op.getX();
  Value mean = wt::ReduceOp::create(rewriter, loc, keptTy, x, wt::ReduceFn::mean, axes, true);
  Value centered = binary(rewriter, loc, ty, x, mean, wt::BinaryFn::sub);
  Value var = wt::ReduceOp::create(rewriter, loc, keptTy,
                                   binary(rewriter, loc, ty, centered, centered,
                                          wt::BinaryFn::mul),
                                   wt::ReduceFn::mean, axes, true);
  Value eps = createScalarConstant(rewriter, loc, elt, op.getEpsilon().convertToDouble());
  Value inv = unary(rewriter, loc,
                    unary(rewriter, loc, binary(rewriter, loc, keptTy, var, eps,
                                                wt::BinaryFn::add),
                          wt::UnaryFn::sqrt),
                    wt::UnaryFn::reciprocal);
  Value y = binary(rewriter, loc, ty, centered, inv, wt::BinaryFn::mul);
  y = binary(rewriter, loc, ty, y, reshapeTo(rewriter, loc, op.getScale(), kept),
             wt::BinaryFn::mul);
  y = binary(rewriter, loc, ty, y, reshapeTo(rewriter, loc, op.getB(), kept),
             wt::BinaryFn::add);
  double momentum = op.getMomentum().convertToDouble();
  auto blend = [&](Value running, Value batch) {
    Value m = createScalarConstant(rewriter, loc, elt, momentum);
    Value rest = createScalarConstant(rewriter, loc, elt, 1 - momentum);
    return binary(rewriter, loc, chanTy, binary(rewriter, loc, chanTy, running, m,
                                                wt::BinaryFn::mul),
                  binary(rewriter, loc, chanTy, reshapeTo(rewriter, loc, batch, {c}), rest,
                         wt::BinaryFn::mul),
                  wt::BinaryFn::add);
  };
  SmallVector<Value> results{y};
  if (op.getRunningMean())
    results.push_back(blend(op.getInputMean(), mean));
  if (op.getRunningVar())
    results.push_back(blend(op.getInputVar(), var));
  for (auto [from, to] : llvm::zip(op->getResults(), results))
    if (from.getType() != to.getType())
      return rewriter.notifyMatchFailure(op, "result types differ from the inputs'");
  rewriter.replaceOp(op, results);
  return success();
}


void whittle::conversion::populateNormalizationLegalizations(LegalizationTable &table) {
  table.onOp<onnx::InstanceNormalizationOp>(1, convertInstanceNorm);
  table.onOp<onnx::LRNOp>(1, convertLrn);
  table.onOp<onnx::MeanVarianceNormalizationOp>(1, convertMvn);
  table.onOp<onnx::HardmaxOp>(1, [](onnx::HardmaxOp op, PatternRewriter &r) {
    return convertHardmax(op, r, /*coerce2d=*/true);
  });
  table.onOp<onnx::HardmaxOp>(13, [](onnx::HardmaxOp op, PatternRewriter &r) {
    return convertHardmax(op, r, /*coerce2d=*/false);
  });
}
