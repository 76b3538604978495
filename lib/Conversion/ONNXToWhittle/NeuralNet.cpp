//===- NeuralNet.cpp - conv, matmul, pooling, normalization, RNN ----------===//
//
// Conv/ConvTranspose resolve auto_pad into explicit pads; Gemm and MatMul
// both become whittle.matmul (Gemm's alpha/beta as scalar multiplies where
// they are not 1); global pools and Reduce* become whittle.reduce; Softmax
// before opset 13 flattens to 2-D as that opset's spec says.
//
//===----------------------------------------------------------------------===//

#include "LegalizationTable.h"

using namespace mlir;
using namespace whittle;
using namespace whittle::conversion;

namespace {

SmallVector<int64_t> ones(size_t n) { return SmallVector<int64_t>(n, 1); }

//===----------------------------------------------------------------------===//
// Convolution
//===----------------------------------------------------------------------===//

LogicalResult convertConv(onnx::ConvOp op, PatternRewriter &rewriter) {
  auto inTy = rankedType(op.getX()), wTy = rankedType(op.getW());
  if (!inTy || !wTy || wTy.getRank() < 3)
    return rewriter.notifyMatchFailure(op, "needs ranked input and filter");
  size_t spatial = wTy.getRank() - 2;
  SmallVector<int64_t> kernel =
      intsOr(op.getKernelShape(), wTy.getShape().drop_front(2));
  if (llvm::any_of(kernel, ShapedType::isDynamic))
    return rewriter.notifyMatchFailure(op, "dynamic kernel size");
  SmallVector<int64_t> strides = intsOr(op.getStrides(), ones(spatial));
  SmallVector<int64_t> dilations = intsOr(op.getDilations(), ones(spatial));
  auto pads = resolvePads(op, rewriter, op.getAutoPad(), op.getPads(), inTy,
                          kernel, strides, dilations);
  if (failed(pads))
    return failure();
  rewriter.replaceOpWithNewOp<wt::ConvOp>(
      op, op.getY().getType(), op.getX(), op.getW(), op.getB(),
      /*residual=*/Value(), rewriter.getDenseI64ArrayAttr(strides),
      rewriter.getDenseI64ArrayAttr(dilations),
      rewriter.getDenseI64ArrayAttr(*pads),
      rewriter.getI64IntegerAttr((int64_t)op.getGroup()),
      /*epilogue=*/wt::EpilogueAttr());
  return success();
}

LogicalResult convertConvTranspose(onnx::ConvTransposeOp op,
                                   PatternRewriter &rewriter) {
  auto inTy = rankedType(op.getX()), wTy = rankedType(op.getW()),
       outTy = rankedType(op.getY());
  if (!wTy || !outTy || wTy.getRank() < 3)
    return rewriter.notifyMatchFailure(op, "needs a ranked filter and result");
  size_t spatial = wTy.getRank() - 2;
  SmallVector<int64_t> kernel =
      intsOr(op.getKernelShape(), wTy.getShape().drop_front(2));
  SmallVector<int64_t> strides = intsOr(op.getStrides(), ones(spatial));
  SmallVector<int64_t> dilations = intsOr(op.getDilations(), ones(spatial));
  SmallVector<int64_t> pads(2 * spatial, 0);
  StringRef autoPad = op.getAutoPad();
  bool explicitPads = !op.getOutputShape() &&
                      (autoPad == "NOTSET" || autoPad.empty() || autoPad == "VALID");
  if (explicitPads)
    pads = intsOr(op.getPads(), pads);
  SmallVector<int64_t> outputPadding =
      intsOr(op.getOutputPadding(), SmallVector<int64_t>(spatial, 0));
  for (size_t i = 0; i < spatial; ++i) {
    if (explicitPads) {
      // The trailing cut shrinks by output_padding (negative = extension).
      pads[spatial + i] -= outputPadding[i];
      continue;
    }
    if (!inTy)
      return rewriter.notifyMatchFailure(op, "input rank unknown");
    int64_t in = inTy.getDimSize(2 + i), out = outTy.getDimSize(2 + i);
    if (ShapedType::isDynamic(in) || ShapedType::isDynamic(out) ||
        ShapedType::isDynamic(kernel[i]))
      return rewriter.notifyMatchFailure(op, "dynamic size with output_shape/SAME");
    int64_t full = (in - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1;
    int64_t total = full - out; // what the pads (net of output_padding) cut
    // output_shape or SAME_*: split the cut, the odd one at the end for
    // SAME_UPPER (and NOTSET), at the start for SAME_LOWER.
    int64_t small = total / 2, big = total - small;
    pads[i] = autoPad == "SAME_LOWER" ? big : small;
    pads[spatial + i] = autoPad == "SAME_LOWER" ? small : big;
  }
  rewriter.replaceOpWithNewOp<wt::ConvTransposeOp>(
      op, op.getY().getType(), op.getX(), op.getW(), op.getB(),
      rewriter.getDenseI64ArrayAttr(strides),
      rewriter.getDenseI64ArrayAttr(dilations),
      rewriter.getDenseI64ArrayAttr(pads),
      rewriter.getI64IntegerAttr((int64_t)op.getGroup()));
  return success();
}

//===----------------------------------------------------------------------===//
// Matmul
//===----------------------------------------------------------------------===//

LogicalResult convertGemm(onnx::GemmOp op, PatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Type resultType = op.getY().getType();
  Type elt = cast<ShapedType>(resultType).getElementType();
  double alpha = op.getAlpha().convertToDouble();
  double beta = op.getBeta().convertToDouble();
  Value c = op.getC();
  bool fuseBias = c && beta == 1.0 && alpha == 1.0;
  Value y = wt::MatmulOp::create(
      rewriter, loc, resultType, op.getA(), op.getB(),
      fuseBias ? c : Value(), /*residual=*/Value(), op.getTransA() != 0,
      op.getTransB() != 0, wt::EpilogueAttr());
  if (alpha != 1.0)
    y = wt::BinaryOp::create(rewriter, loc, resultType, y,
                             createScalarConstant(rewriter, loc, elt, alpha),
                             wt::BinaryFn::mul);
  if (c && !fuseBias && beta != 0.0) {
    if (beta != 1.0)
      c = wt::BinaryOp::create(rewriter, loc, c.getType(), c,
                               createScalarConstant(rewriter, loc, elt, beta),
                               wt::BinaryFn::mul);
    y = wt::BinaryOp::create(rewriter, loc, resultType, y, c,
                             wt::BinaryFn::add);
  }
  rewriter.replaceOp(op, y);
  return success();
}

LogicalResult convertMatMul(onnx::MatMulOp op, PatternRewriter &rewriter) {
  rewriter.replaceOpWithNewOp<wt::MatmulOp>(
      op, op.getY().getType(), op.getA(), op.getB(), Value(), Value(), false,
      false, wt::EpilogueAttr());
  return success();
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

template <typename OpTy>
LogicalResult convertPool(OpTy op, PatternRewriter &rewriter, wt::PoolFn fn,
                          std::optional<ArrayRef<int64_t>> dilationsAttr,
                          bool ceilMode, bool countIncludePad, int64_t p) {
  auto inTy = rankedType(op.getX());
  if (!inTy || inTy.getRank() < 3)
    return rewriter.notifyMatchFailure(op, "needs a ranked N x C x ... input");
  size_t spatial = inTy.getRank() - 2;
  SmallVector<int64_t> kernel(op.getKernelShape());
  if (kernel.size() != spatial)
    return rewriter.notifyMatchFailure(op, "kernel_shape has the wrong length");
  SmallVector<int64_t> strides = intsOr(op.getStrides(), ones(spatial));
  SmallVector<int64_t> dilations = intsOr(dilationsAttr, ones(spatial));
  auto pads = resolvePads(op, rewriter, op.getAutoPad(), op.getPads(), inTy,
                          kernel, strides, dilations);
  if (failed(pads))
    return failure();
  if (op->getNumResults() > 1 && !op->getResult(1).use_empty()) {
    // MaxPool's Indices: ceil_mode's output size is in the result type.
    auto outTy = rankedType(op->getResult(0));
    auto idxTy = rankedType(op->getResult(1));
    if (!outTy || !idxTy || !outTy.hasStaticShape() || !idxTy.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "MaxPool Indices need static shapes");
    bool columnMajor = false;
    if constexpr (std::is_same_v<OpTy, onnx::MaxPoolOp>)
      columnMajor = op.getStorageOrder() != 0;
    auto pool = wt::MaxPoolIndicesOp::create(rewriter, op.getLoc(), TypeRange{outTy, idxTy},
                                             op.getX(), kernel, strides, dilations, *pads,
                                             columnMajor);
    rewriter.replaceOp(op, pool->getResults());
    return success();
  }
  auto pool = wt::PoolOp::create(
      rewriter, op.getLoc(), op.getY().getType(), op.getX(), fn, kernel,
      strides, dilations, *pads, ceilMode, countIncludePad, p);
  if (op->getNumResults() > 1) {
    // Only Y is used; the op goes away with it.
    rewriter.replaceAllUsesWith(op->getResult(0), pool);
    rewriter.eraseOp(op);
    return success();
  }
  rewriter.replaceOp(op, pool);
  return success();
}

/// GlobalAveragePool / GlobalMaxPool: a reduction over the spatial axes.
template <typename OpTy>
void globalPool(LegalizationTable &table, wt::ReduceFn fn) {
  table.onOp<OpTy>(1, [fn](OpTy op, PatternRewriter &rewriter) {
    auto inTy = rankedType(op.getX());
    if (!inTy || inTy.getRank() < 3)
      return rewriter.notifyMatchFailure(op, "needs a ranked input");
    SmallVector<int64_t> axes;
    for (int64_t i = 2; i < inTy.getRank(); ++i)
      axes.push_back(i);
    rewriter.replaceOpWithNewOp<wt::ReduceOp>(op, op.getY().getType(),
                                              op.getX(), fn, axes,
                                              /*keep_dims=*/true);
    return success();
  });
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

LogicalResult convertReduce(Operation *op, PatternRewriter &rewriter,
                            wt::ReduceFn fn, std::optional<ArrayRef<int64_t>> axes,
                            bool keepDims, bool noopWithEmptyAxes) {
  Value data = op->getOperand(0);
  auto inTy = rankedType(data);
  if (!inTy)
    return rewriter.notifyMatchFailure(op, "needs a ranked input");
  SmallVector<int64_t> normalized;
  if (!axes || axes->empty()) {
    if (noopWithEmptyAxes) {
      if (data.getType() != op->getResult(0).getType())
        return rewriter.notifyMatchFailure(op, "no-op of another type");
      rewriter.replaceOp(op, data);
      return success();
    }
    for (int64_t i = 0; i < inTy.getRank(); ++i)
      normalized.push_back(i);
  } else {
    for (int64_t a : *axes) {
      auto n = normalizeAxis(a, inTy.getRank());
      if (!n)
        return rewriter.notifyMatchFailure(op, "axis out of range");
      normalized.push_back(*n);
    }
    llvm::sort(normalized);
    normalized.erase(std::unique(normalized.begin(), normalized.end()),
                     normalized.end());
  }
  rewriter.replaceOpWithNewOp<wt::ReduceOp>(op, op->getResult(0).getType(),
                                            data, fn, normalized, keepDims);
  return success();
}

template <typename OpTy>
void reduceWithAxesAttr(LegalizationTable &table, wt::ReduceFn fn) {
  table.onOp<OpTy>(1, [fn](OpTy op, PatternRewriter &rewriter) {
    return convertReduce(op, rewriter, fn, op.getAxes(), op.getKeepdims() != 0,
                         false);
  });
}

template <typename OpTy>
void argReduce(LegalizationTable &table, wt::ReduceFn fn) {
  table.onOp<OpTy>(1, [fn](OpTy op, PatternRewriter &rewriter) {
    auto inTy = rankedType(op.getData());
    if (!inTy)
      return rewriter.notifyMatchFailure(op, "needs a ranked input");
    auto axis = normalizeAxis((int64_t)op.getAxis(), inTy.getRank());
    if (!axis)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    rewriter.replaceOpWithNewOp<wt::ArgReduceOp>(
        op, op.getReduced().getType(), op.getData(), fn, *axis,
        op.getKeepdims() != 0, op.getSelectLastIndex() != 0);
    return success();
  });
}

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

/// Opset 13+: along one axis.
template <typename OpTy>
LogicalResult convertSoftmax(OpTy op, PatternRewriter &rewriter, bool log) {
  auto inTy = rankedType(op.getInput());
  if (!inTy)
    return rewriter.notifyMatchFailure(op, "needs a ranked input");
  auto axis = normalizeAxis((int64_t)op.getAxis(), inTy.getRank());
  if (!axis)
    return rewriter.notifyMatchFailure(op, "axis out of range");
  Value sm = wt::SoftmaxOp::create(rewriter, op.getLoc(), inTy, op.getInput(), *axis, log);
  rewriter.replaceOp(op, castToType(rewriter, op.getLoc(), sm, op.getOutput().getType()));
  return success();
}

/// Opsets 1-12: the input is coerced to 2-D at `axis` first.
template <typename OpTy>
LogicalResult convertSoftmaxBefore13(OpTy op, PatternRewriter &rewriter,
                                     bool log) {
  auto inTy = rankedType(op.getInput());
  if (!inTy)
    return rewriter.notifyMatchFailure(op, "needs a ranked input");
  auto axis = normalizeAxis((int64_t)op.getAxis(), inTy.getRank());
  if (!axis)
    return rewriter.notifyMatchFailure(op, "axis out of range");
  if (*axis == inTy.getRank() - 1) {
    Value sm = wt::SoftmaxOp::create(rewriter, op.getLoc(), inTy, op.getInput(), *axis, log);
    rewriter.replaceOp(op, castToType(rewriter, op.getLoc(), sm, op.getOutput().getType()));
    return success();
  }
  if (!inTy.hasStaticShape())
    return rewriter.notifyMatchFailure(op, "2-D coercion of a dynamic shape");
  int64_t rows = 1, cols = 1;
  for (int64_t i = 0; i < inTy.getRank(); ++i)
    (i < *axis ? rows : cols) *= inTy.getDimSize(i);
  auto flatTy = RankedTensorType::get({rows, cols}, inTy.getElementType());
  Location loc = op.getLoc();
  Value flat = wt::ReshapeOp::create(rewriter, loc, flatTy, op.getInput(), Value());
  Value sm = wt::SoftmaxOp::create(rewriter, loc, flatTy, flat, 1, log);
  rewriter.replaceOpWithNewOp<wt::ReshapeOp>(op, inTy, sm, Value());
  return success();
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

LogicalResult convertBatchNorm(onnx::BatchNormalizationOp op,
                               PatternRewriter &rewriter) {
  if (op.getTrainingMode() != 0)
    return convertBatchNormTraining(op, rewriter);
  if ((op.getRunningMean() && !op.getRunningMean().use_empty()) ||
      (op.getRunningVar() && !op.getRunningVar().use_empty()))
    return rewriter.notifyMatchFailure(op, "running statistics are used");
  Value y = wt::BatchNormOp::create(
      rewriter, op.getLoc(), op.getX().getType(), op.getX(), op.getScale(),
      op.getB(), op.getInputMean(), op.getInputVar(), op.getEpsilonAttr());
  rewriter.replaceAllUsesWith(op.getY(), castToType(rewriter, op.getLoc(), y, op.getY().getType()));
  rewriter.eraseOp(op);
  return success();
}

/// LayerNormalization whose Mean / InvStdDev outputs are used: the
/// computation spelled out in whittle ops so every output has a value.
LogicalResult decomposeLayerNorm(onnx::LayerNormalizationOp op, int64_t axis,
                                 PatternRewriter &rewriter) {
  auto inTy = rankedType(op.getX());
  auto statTy = rankedType(op.getMean() ? op.getMean() : op.getInvStdDev());
  if (!inTy || !statTy || !isa<FloatType>(inTy.getElementType()) ||
      statTy.getElementType() != inTy.getElementType())
    return rewriter.notifyMatchFailure(op, "needs ranked float types");
  Location loc = op.getLoc();
  Type elt = inTy.getElementType();
  SmallVector<int64_t> axes;
  for (int64_t i = axis; i < inTy.getRank(); ++i)
    axes.push_back(i);
  auto keptTy = RankedTensorType::get(statTy.getShape(), elt);
  Value mean = wt::ReduceOp::create(rewriter, loc, keptTy, op.getX(),
                                    wt::ReduceFn::mean, axes, true);
  Value centered = wt::BinaryOp::create(rewriter, loc, inTy, op.getX(), mean,
                                        wt::BinaryFn::sub);
  Value sq = wt::BinaryOp::create(rewriter, loc, inTy, centered, centered,
                                  wt::BinaryFn::mul);
  Value var = wt::ReduceOp::create(rewriter, loc, keptTy, sq, wt::ReduceFn::mean,
                                   axes, true);
  Value eps = createScalarConstant(rewriter, loc, elt,
                                   op.getEpsilon().convertToDouble());
  Value std = wt::UnaryOp::create(
      rewriter, loc, keptTy,
      wt::BinaryOp::create(rewriter, loc, keptTy, var, eps, wt::BinaryFn::add),
      wt::UnaryFn::sqrt, FloatAttr(), FloatAttr());
  Value inv = wt::UnaryOp::create(rewriter, loc, keptTy, std,
                                  wt::UnaryFn::reciprocal, FloatAttr(), FloatAttr());
  Value y = wt::BinaryOp::create(rewriter, loc, inTy, centered, inv, wt::BinaryFn::mul);
  y = wt::BinaryOp::create(rewriter, loc, op.getY().getType(), y, op.getScale(),
                           wt::BinaryFn::mul);
  if (op.getB())
    y = wt::BinaryOp::create(rewriter, loc, op.getY().getType(), y, op.getB(),
                             wt::BinaryFn::add);
  rewriter.replaceAllUsesWith(op.getY(), y);
  if (op.getMean())
    rewriter.replaceAllUsesWith(op.getMean(), mean);
  if (op.getInvStdDev())
    rewriter.replaceAllUsesWith(op.getInvStdDev(), inv);
  rewriter.eraseOp(op);
  return success();
}

LogicalResult convertLayerNorm(onnx::LayerNormalizationOp op,
                               PatternRewriter &rewriter) {
  auto inTy = rankedType(op.getX());
  if (!inTy)
    return rewriter.notifyMatchFailure(op, "needs a ranked input");
  auto axis = normalizeAxis((int64_t)op.getAxis(), inTy.getRank());
  if (!axis)
    return rewriter.notifyMatchFailure(op, "axis out of range");
  if ((op.getMean() && !op.getMean().use_empty()) ||
      (op.getInvStdDev() && !op.getInvStdDev().use_empty()))
    return decomposeLayerNorm(op, *axis, rewriter);
  Value y = wt::LayerNormOp::create(rewriter, op.getLoc(), op.getY().getType(),
                                    op.getX(), op.getScale(), op.getB(),
                                    rewriter.getI64IntegerAttr(*axis),
                                    op.getEpsilonAttr());
  rewriter.replaceAllUsesWith(op.getY(), y);
  rewriter.eraseOp(op);
  return success();
}

//===----------------------------------------------------------------------===//
// LSTM
//===----------------------------------------------------------------------===//

/// What LSTM, GRU and RNN share: direction, activations (spec defaults
/// when absent), hidden size and the batch-major layout.
struct RecurrentForm {
  wt::RnnDirection direction;
  ArrayAttr activations;
  int64_t hidden;
  bool batchMajor;
};

template <typename OpTy>
FailureOr<RecurrentForm> recurrentForm(OpTy op, PatternRewriter &rewriter,
                                       ArrayRef<const char *> defaults) {
  RecurrentForm f;
  f.batchMajor = op.getLayout() != 0;
  if (f.batchMajor)
    for (Value v : op->getOperands())
      if (isa<RankedTensorType, UnrankedTensorType>(v.getType()) &&
          !(rankedType(v) && rankedType(v).hasStaticShape()))
        return rewriter.notifyMatchFailure(op, "batch-major layout of dynamic shapes");
  // Results used (an unused optional one may be left untyped) are ranked:
  // Y rank 4, the states rank 3. The batch-major swap permutes their dims
  // (an unranked Y, left by a contradicted declaration, was indexed empty:
  // found by fuzz-pipeline).
  for (Value r : op->getResults())
    if (!r.use_empty()) {
      bool isY = r == op.getY();
      auto t = rankedType(r);
      if (!t || t.getRank() != (isY ? 4 : 3))
        return op.emitError("recurrent output ")
               << (isY ? "Y" : "state") << " has type " << r.getType()
               << ": needs a ranked tensor of rank " << (isY ? 4 : 3);
    }
  if (op.getActivationAlpha() || op.getActivationBeta())
    return rewriter.notifyMatchFailure(op, "parameterized activations");
  std::optional<wt::RnnDirection> dir = wt::symbolizeRnnDirection(op.getDirection());
  if (!dir)
    return rewriter.notifyMatchFailure(op, "unknown direction");
  f.direction = *dir;
  int64_t dirs = *dir == wt::RnnDirection::bidirectional ? 2 : 1;
  SmallVector<Attribute> acts;
  if (auto given = op.getActivations()) {
    for (Attribute a : *given)
      acts.push_back(a);
  } else {
    for (int64_t d = 0; d < dirs; ++d)
      for (const char *n : defaults)
        acts.push_back(rewriter.getStringAttr(n));
  }
  f.activations = rewriter.getArrayAttr(acts);
  if (auto h = op.getHiddenSize()) {
    f.hidden = (int64_t)*h;
  } else {
    auto rTy = rankedType(op.getR());
    if (!rTy || rTy.getRank() != 3 || rTy.isDynamicDim(2))
      return rewriter.notifyMatchFailure(op, "hidden_size unknown");
    f.hidden = rTy.getDimSize(2);
  }
  return f;
}

/// Layout 1 (batch x seq x input, states batch x dirs x H) as layout 0:
/// transposes of X and the initial states in, of the results out.
struct LayoutSwap {
  PatternRewriter &rewriter;
  Location loc;
  bool batchMajor;

  Value apply(Value v, ArrayRef<int64_t> perm) {
    return v && batchMajor ? transposeTo(rewriter, loc, v, perm) : v;
  }
  Value in(Value v) { return apply(v, {1, 0, 2}); }
  /// The layout-0 type of a result (Y is rank 4, states rank 3).
  Type resultType(Value r) {
    auto t = cast<ShapedType>(r.getType());
    if (!batchMajor || !t.hasRank()) // unranked: an unused optional result
      return t;
    SmallVector<int64_t> shape(t.getShape());
    if (shape.size() == 4)
      shape = {shape[1], shape[2], shape[0], shape[3]}; // b s d h -> s d b h
    else
      std::swap(shape[0], shape[1]); // b d h -> d b h
    return RankedTensorType::get(shape, t.getElementType());
  }
  Value out(Value v) {
    auto t = cast<ShapedType>(v.getType());
    if (!t.hasRank())
      return v;
    return t.getRank() == 4 ? apply(v, {2, 0, 1, 3}) : apply(v, {1, 0, 2});
  }
  void replace(Operation *op, Operation *recurrent) {
    // Same optional results in the same order: keep the segment sizes.
    recurrent->setAttr("resultSegmentSizes", op->getAttr("resultSegmentSizes"));
    SmallVector<Value> results;
    for (Value v : recurrent->getResults())
      results.push_back(out(v));
    rewriter.replaceOp(op, results);
  }
  SmallVector<Type> resultTypes(Operation *op) {
    SmallVector<Type> types;
    for (Value r : op->getResults())
      types.push_back(resultType(r));
    return types;
  }
};

LogicalResult convertLstm(onnx::LSTMOp op, PatternRewriter &rewriter) {
  auto f = recurrentForm(op, rewriter, {"Sigmoid", "Tanh", "Tanh"});
  if (failed(f))
    return failure();
  LayoutSwap swap{rewriter, op.getLoc(), f->batchMajor};
  auto lstm = wt::LstmOp::create(
      rewriter, op.getLoc(), swap.resultTypes(op), swap.in(op.getX()), op.getW(), op.getR(),
      op.getB(), op.getSequenceLens(), swap.in(op.getInitialH()), swap.in(op.getInitialC()),
      op.getP(), f->direction, f->hidden, f->activations, op.getClipAttr(),
      op.getInputForget() != 0);
  swap.replace(op, lstm);
  return success();
}

LogicalResult convertGru(onnx::GRUOp op, PatternRewriter &rewriter) {
  auto f = recurrentForm(op, rewriter, {"Sigmoid", "Tanh"});
  if (failed(f))
    return failure();
  LayoutSwap swap{rewriter, op.getLoc(), f->batchMajor};
  auto gru = wt::GruOp::create(rewriter, op.getLoc(), swap.resultTypes(op),
                               swap.in(op.getX()), op.getW(), op.getR(), op.getB(),
                               op.getSequenceLens(), swap.in(op.getInitialH()), f->direction,
                               f->hidden, f->activations, op.getClipAttr(),
                               op.getLinearBeforeReset() != 0);
  swap.replace(op, gru);
  return success();
}

LogicalResult convertRnn(onnx::RNNOp op, PatternRewriter &rewriter) {
  auto f = recurrentForm(op, rewriter, {"Tanh"});
  if (failed(f))
    return failure();
  LayoutSwap swap{rewriter, op.getLoc(), f->batchMajor};
  auto rnn = wt::RnnOp::create(rewriter, op.getLoc(), swap.resultTypes(op),
                               swap.in(op.getX()), op.getW(), op.getR(), op.getB(),
                               op.getSequenceLens(), swap.in(op.getInitialH()), f->direction,
                               f->hidden, f->activations, op.getClipAttr());
  swap.replace(op, rnn);
  return success();
}

//===----------------------------------------------------------------------===//
// CumSum
//===----------------------------------------------------------------------===//

LogicalResult convertCumSum(onnx::CumSumOp op, PatternRewriter &rewriter) {
  auto ty = rankedType(op.getX());
  if (!ty || ty != op.getY().getType())
    return rewriter.notifyMatchFailure(op, "needs a ranked input of the result's type");
  Value axisValue;
  int64_t axis = 0;
  if (auto a = getConstantScalar(op.getAxis())) {
    auto n = normalizeAxis((int64_t)*a, ty.getRank());
    if (!n)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    axis = *n;
  } else {
    axisValue = op.getAxis();
  }
  rewriter.replaceOpWithNewOp<wt::CumSumOp>(op, ty, op.getX(), axisValue, axis,
                                            op.getExclusive() != 0, op.getReverse() != 0);
  return success();
}

} // namespace

void whittle::conversion::populateNeuralNetLegalizations(
    LegalizationTable &table) {
  table.onOp<onnx::ConvOp>(1, convertConv);
  table.onOp<onnx::CumSumOp>(1, convertCumSum);
  table.onOp<onnx::GRUOp>(1, convertGru);
  table.onOp<onnx::RNNOp>(1, convertRnn);
  table.onOp<onnx::ConvTransposeOp>(1, convertConvTranspose);
  table.onOp<onnx::GemmOp>(1, convertGemm);
  table.onOp<onnx::MatMulOp>(1, convertMatMul);

  table.onOp<onnx::MaxPoolOp>(1, [](onnx::MaxPoolOp op, PatternRewriter &r) {
    return convertPool(op, r, wt::PoolFn::max, op.getDilations(),
                       op.getCeilMode() != 0, false, 2);
  });
  table.onOp<onnx::AveragePoolOp>(1, [](onnx::AveragePoolOp op,
                                        PatternRewriter &r) {
    return convertPool(op, r, wt::PoolFn::avg, std::nullopt,
                       op.getCeilMode() != 0, op.getCountIncludePad() != 0, 2);
  });
  table.onOp<onnx::LpPoolOp>(1, [](onnx::LpPoolOp op, PatternRewriter &r) {
    return convertPool(op, r, wt::PoolFn::lp, std::nullopt, false, false,
                       (int64_t)op.getP());
  });
  globalPool<onnx::GlobalAveragePoolOp>(table, wt::ReduceFn::mean);
  globalPool<onnx::GlobalMaxPoolOp>(table, wt::ReduceFn::max);

  reduceWithAxesAttr<onnx::ReduceMeanOp>(table, wt::ReduceFn::mean);
  reduceWithAxesAttr<onnx::ReduceMaxOp>(table, wt::ReduceFn::max);
  reduceWithAxesAttr<onnx::ReduceMinOp>(table, wt::ReduceFn::min);
  reduceWithAxesAttr<onnx::ReduceProdOp>(table, wt::ReduceFn::prod);
  reduceWithAxesAttr<onnx::ReduceL1Op>(table, wt::ReduceFn::l1);
  reduceWithAxesAttr<onnx::ReduceL2Op>(table, wt::ReduceFn::l2);
  reduceWithAxesAttr<onnx::ReduceLogSumOp>(table, wt::ReduceFn::log_sum);
  reduceWithAxesAttr<onnx::ReduceLogSumExpOp>(table, wt::ReduceFn::log_sum_exp);
  reduceWithAxesAttr<onnx::ReduceSumSquareOp>(table, wt::ReduceFn::sum_square);
  table.onOp<onnx::ReduceSumOp>(1, [](onnx::ReduceSumOp op, PatternRewriter &r) {
    std::optional<SmallVector<int64_t>> axes;
    if (op.getAxes()) {
      axes = getConstantInts(op.getAxes());
      if (!axes) {
        // Run-time axes: the static result shape is the model's.
        auto outTy = rankedType(op.getReduced());
        if (!outTy || !outTy.hasStaticShape())
          return r.notifyMatchFailure(op, "run-time axes and a dynamic result");
        r.replaceOpWithNewOp<wt::DynamicReduceOp>(op, outTy, op.getData(), op.getAxes(),
                                                  wt::ReduceFn::sum, op.getKeepdims() != 0,
                                                  op.getNoopWithEmptyAxes() != 0);
        return success();
      }
    }
    std::optional<ArrayRef<int64_t>> ref;
    if (axes)
      ref = ArrayRef<int64_t>(*axes);
    return convertReduce(op, r, wt::ReduceFn::sum, ref, op.getKeepdims() != 0,
                         op.getNoopWithEmptyAxes() != 0);
  });
  argReduce<onnx::ArgMaxOp>(table, wt::ReduceFn::max);
  argReduce<onnx::ArgMinOp>(table, wt::ReduceFn::min);

  table.onOp<onnx::SoftmaxOp>(1, [](onnx::SoftmaxOp op, PatternRewriter &r) {
    return convertSoftmaxBefore13(op, r, false);
  });
  table.onOp<onnx::SoftmaxOp>(13, [](onnx::SoftmaxOp op, PatternRewriter &r) {
    return convertSoftmax(op, r, false);
  });
  table.onOp<onnx::LogSoftmaxOp>(1, [](onnx::LogSoftmaxOp op, PatternRewriter &r) {
    return convertSoftmaxBefore13(op, r, true);
  });
  table.onOp<onnx::LogSoftmaxOp>(13, [](onnx::LogSoftmaxOp op,
                                        PatternRewriter &r) {
    return convertSoftmax(op, r, true);
  });

  table.onOp<onnx::BatchNormalizationOp>(1, convertBatchNorm);
  table.onOp<onnx::LayerNormalizationOp>(1, convertLayerNorm);
  table.onOp<onnx::LSTMOp>(1, convertLstm);
}
