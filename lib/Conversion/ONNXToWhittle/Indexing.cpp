//===- Indexing.cpp - GatherElements, GatherND, ScatterElements, ScatterND ===//
//
// One whittle op each; axes are normalized here. Scatter reductions the
// whittle op does not know leave the ONNX op alone. Built on them:
//   ReverseSequence: a gather along the time axis whose index is
//     len[b] - 1 - t inside each sequence and t past its end;
//   MaxUnpool: the values scattered into a zero tensor at MaxPool's
//     flattened indices.
//
//===----------------------------------------------------------------------===//

#include "LegalizationTable.h"

using namespace mlir;
using namespace whittle;
using namespace whittle::conversion;

namespace {

LogicalResult convertGatherElements(onnx::GatherElementsOp op,
                                    PatternRewriter &rewriter) {
  auto inTy = rankedType(op.getData());
  if (!inTy)
    return rewriter.notifyMatchFailure(op, "needs a ranked input");
  auto axis = normalizeAxis((int64_t)op.getAxis(), inTy.getRank());
  if (!axis)
    return rewriter.notifyMatchFailure(op, "axis out of range");
  rewriter.replaceOpWithNewOp<wt::GatherElementsOp>(
      op, op.getOutput().getType(), op.getData(), op.getIndices(), *axis);
  return success();
}

LogicalResult convertGatherNd(onnx::GatherNDOp op, PatternRewriter &rewriter) {
  rewriter.replaceOpWithNewOp<wt::GatherNdOp>(op, op.getOutput().getType(),
                                              op.getData(), op.getIndices(),
                                              (int64_t)op.getBatchDims());
  return success();
}

std::optional<wt::ScatterReduction> scatterReduction(StringRef name) {
  if (name.empty())
    return wt::ScatterReduction::none;
  return wt::symbolizeScatterReduction(name);
}

LogicalResult convertScatterElements(onnx::ScatterElementsOp op,
                                     PatternRewriter &rewriter) {
  auto dataTy = rankedType(op.getData());
  auto red = scatterReduction(op.getReduction());
  if (!dataTy || !red)
    return rewriter.notifyMatchFailure(op, "needs a ranked input and a known reduction");
  auto axis = normalizeAxis((int64_t)op.getAxis(), dataTy.getRank());
  if (!axis)
    return rewriter.notifyMatchFailure(op, "axis out of range");
  Value r = wt::ScatterElementsOp::create(rewriter, op.getLoc(), op.getData().getType(),
                                          op.getData(), op.getIndices(), op.getUpdates(),
                                          *axis, *red);
  rewriter.replaceOp(op, castToType(rewriter, op.getLoc(), r, op.getOutput().getType()));
  return success();
}

LogicalResult convertScatterNd(onnx::ScatterNDOp op, PatternRewriter &rewriter) {
  auto red = scatterReduction(op.getReduction());
  if (!red)
    return rewriter.notifyMatchFailure(op, "unknown reduction");
  Value r = wt::ScatterNdOp::create(rewriter, op.getLoc(), op.getData().getType(), op.getData(),
                                    op.getIndices(), op.getUpdates(), *red);
  rewriter.replaceOp(op, castToType(rewriter, op.getLoc(), r, op.getOutput().getType()));
  return success();
}


LogicalResult convertReverseSequence(onnx::ReverseSequenceOp op,
                                     PatternRewriter &rewriter) {
  auto ty = rankedType(op.getInput());
  auto lensTy = rankedType(op.getSequenceLens());
  if (!ty || !ty.hasStaticShape() || ty.getRank() < 2 || !lensTy)
    return rewriter.notifyMatchFailure(op, "needs a static input");
  int64_t batchAxis = op.getBatchAxis(), timeAxis = op.getTimeAxis();
  if (batchAxis == timeAxis || batchAxis < 0 || timeAxis < 0 || batchAxis > 1 ||
      timeAxis > 1)
    return rewriter.notifyMatchFailure(op, "batch and time axes must be 0 and 1");
  Location loc = op.getLoc();
  auto i64 = rewriter.getI64Type();
  int64_t steps = ty.getDimSize(timeAxis), batch = ty.getDimSize(batchAxis);
  SmallVector<int64_t> timeShape(ty.getRank(), 1), batchShape(ty.getRank(), 1);
  timeShape[timeAxis] = steps;
  batchShape[batchAxis] = batch;
  Value t = reshapeTo(rewriter, loc, createIota(rewriter, loc, steps, i64), timeShape);
  Value lens = op.getSequenceLens();
  if (lensTy.getElementType() != i64)
    lens = wt::CastOp::create(rewriter, loc, RankedTensorType::get(lensTy.getShape(), i64),
                              lens);
  lens = reshapeTo(rewriter, loc, lens, batchShape);
  SmallVector<int64_t> planeShape(ty.getRank(), 1);
  planeShape[timeAxis] = steps;
  planeShape[batchAxis] = batch;
  auto planeTy = RankedTensorType::get(planeShape, i64);
  Value one = createScalarConstant(rewriter, loc, i64, 1);
  Value reversed = wt::BinaryOp::create(
      rewriter, loc, planeTy,
      wt::BinaryOp::create(rewriter, loc, batchShape == planeShape ? planeTy
                                                                   : lens.getType(),
                           lens, one, wt::BinaryFn::sub),
      t, wt::BinaryFn::sub);
  Value inside = wt::BinaryOp::create(rewriter, loc,
                                      RankedTensorType::get(planeShape, rewriter.getI1Type()),
                                      t, lens, wt::BinaryFn::lt);
  Value index = wt::SelectOp::create(rewriter, loc, planeTy, inside, reversed, t);
  index = wt::BroadcastOp::create(rewriter, loc, RankedTensorType::get(ty.getShape(), i64),
                                  index, Value());
  rewriter.replaceOpWithNewOp<wt::GatherElementsOp>(op, op.getY().getType(), op.getInput(),
                                                    index, timeAxis);
  return success();
}

LogicalResult convertMaxUnpool(onnx::MaxUnpoolOp op, PatternRewriter &rewriter) {
  auto xTy = rankedType(op.getX());
  auto iTy = rankedType(op.getI());
  auto outTy = rankedType(op.getOutput());
  if (!xTy || !xTy.hasStaticShape() || !iTy || !outTy || !outTy.hasStaticShape())
    return rewriter.notifyMatchFailure(op, "needs static shapes");
  Location loc = op.getLoc();
  int64_t n = xTy.getNumElements(), total = outTy.getNumElements();
  int64_t rank = xTy.getRank(), spatial = rank - 2;
  ArrayRef<int64_t> kernel = op.getKernelShape();
  SmallVector<int64_t> strides = intsOr(op.getStrides(), SmallVector<int64_t>(spatial, 1));
  SmallVector<int64_t> pads = intsOr(op.getPads(), SmallVector<int64_t>(2 * spatial, 0));
  if (rank < 3 || (int64_t)kernel.size() != spatial || (int64_t)strides.size() != spatial ||
      (int64_t)pads.size() != 2 * spatial || outTy.getRank() != rank)
    return rewriter.notifyMatchFailure(op, "kernel, strides or pads of the wrong length");
  // The indices count in the default output shape; an explicit output_shape
  // places each (n, c, spatial..) coordinate in the larger tensor.
  SmallVector<int64_t> defaults(xTy.getShape().take_front(2));
  for (int64_t i = 0; i < spatial; ++i)
    defaults.push_back((xTy.getDimSize(i + 2) - 1) * strides[i] + kernel[i] - pads[i] -
                       pads[i + spatial]);
  Value index = reshapeTo(rewriter, loc, op.getI(), {n});
  if (ArrayRef<int64_t>(defaults) != outTy.getShape()) {
    auto i64 = rewriter.getI64Type();
    auto idxTy = RankedTensorType::get({n}, i64);
    Value rest = index, flat;
    int64_t scale = 1;
    for (int64_t d = rank - 1; d >= 0; --d) {
      Value dim = createScalarConstant(rewriter, loc, i64, defaults[d]);
      Value coord = wt::BinaryOp::create(rewriter, loc, idxTy, rest, dim, wt::BinaryFn::mod);
      rest = wt::BinaryOp::create(rewriter, loc, idxTy, rest, dim, wt::BinaryFn::div);
      Value term = wt::BinaryOp::create(rewriter, loc, idxTy, coord,
                                        createScalarConstant(rewriter, loc, i64, scale),
                                        wt::BinaryFn::mul);
      flat = flat ? wt::BinaryOp::create(rewriter, loc, idxTy, flat, term, wt::BinaryFn::add)
                  : term;
      scale *= outTy.getDimSize(d);
    }
    index = flat;
  }
  auto flatTy = RankedTensorType::get({total}, outTy.getElementType());
  Value zeros = wt::ConstantOp::create(
      rewriter, loc,
      cast<ElementsAttr>(DenseElementsAttr::get(flatTy, rewriter.getZeroAttr(
                                                            outTy.getElementType()))));
  Value flat = wt::ScatterElementsOp::create(
      rewriter, loc, flatTy, zeros, index,
      reshapeTo(rewriter, loc, op.getX(), {n}), 0, wt::ScatterReduction::none);
  rewriter.replaceOp(op, reshapeTo(rewriter, loc, flat, outTy.getShape()));
  return success();
}

} // namespace

void whittle::conversion::populateIndexingLegalizations(LegalizationTable &table) {
  table.onOp<onnx::GatherElementsOp>(1, convertGatherElements);
  table.onOp<onnx::GatherNDOp>(1, convertGatherNd);
  table.onOp<onnx::ScatterElementsOp>(1, convertScatterElements);
  table.onOp<onnx::ScatterNDOp>(1, convertScatterNd);
  table.onOp<onnx::ReverseSequenceOp>(1, convertReverseSequence);
  table.onOp<onnx::MaxUnpoolOp>(1, convertMaxUnpool);
}
