//===- Indexing.cpp - GatherElements, GatherND, ScatterElements, ScatterND ===//
//
// One whittle op each; axes are normalized here. Scatter reductions the
// whittle op does not know leave the ONNX op alone.
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
  rewriter.replaceOpWithNewOp<wt::ScatterElementsOp>(
      op, op.getOutput().getType(), op.getData(), op.getIndices(),
      op.getUpdates(), *axis, *red);
  return success();
}

LogicalResult convertScatterNd(onnx::ScatterNDOp op, PatternRewriter &rewriter) {
  auto red = scatterReduction(op.getReduction());
  if (!red)
    return rewriter.notifyMatchFailure(op, "unknown reduction");
  rewriter.replaceOpWithNewOp<wt::ScatterNdOp>(op, op.getOutput().getType(),
                                               op.getData(), op.getIndices(),
                                               op.getUpdates(), *red);
  return success();
}

} // namespace

void whittle::conversion::populateIndexingLegalizations(LegalizationTable &table) {
  table.onOp<onnx::GatherElementsOp>(1, convertGatherElements);
  table.onOp<onnx::GatherNDOp>(1, convertGatherNd);
  table.onOp<onnx::ScatterElementsOp>(1, convertScatterElements);
  table.onOp<onnx::ScatterNDOp>(1, convertScatterNd);
}
