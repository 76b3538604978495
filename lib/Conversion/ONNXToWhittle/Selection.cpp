//===- Selection.cpp - TopK, Det ------------------------------------------===//
//
// One whittle op each. TopK's k is a run-time input in ONNX: the declared
// result shape, or a constant k, fixes it at compile time.
//
//===----------------------------------------------------------------------===//

#include "LegalizationTable.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace whittle;
using namespace whittle::conversion;

namespace {

LogicalResult convertTopK(onnx::TopKOp op, PatternRewriter &rewriter) {
  auto inTy = rankedType(op.getX());
  if (!inTy || !inTy.hasStaticShape())
    return rewriter.notifyMatchFailure(op, "needs a static input");
  auto axis = normalizeAxis((int64_t)op.getAxis(), inTy.getRank());
  if (!axis)
    return rewriter.notifyMatchFailure(op, "axis out of range");
  SmallVector<int64_t> shape(inTy.getShape());
  if (auto k = getConstantInts(op.getK()); k && k->size() == 1)
    shape[*axis] = (*k)[0];
  else if (auto vTy = rankedType(op.getValues()); vTy && vTy.hasStaticShape())
    shape[*axis] = vTy.getDimSize(*axis);
  else
    return rewriter.notifyMatchFailure(op, "k known only at run time");
  if (shape[*axis] < 0 || shape[*axis] > inTy.getDimSize(*axis))
    return op.emitError("TopK: k = ") << shape[*axis] << " is outside [0, "
                                      << inTy.getDimSize(*axis) << "]";
  auto vTy = RankedTensorType::get(shape, inTy.getElementType());
  auto iTy = RankedTensorType::get(shape, rewriter.getI64Type());
  auto topk = wt::TopKOp::create(rewriter, op.getLoc(), TypeRange{vTy, iTy}, op.getX(), *axis,
                                 op.getLargest() == 0);
  SmallVector<Value> results;
  for (auto [from, to] : llvm::zip(op->getResults(), topk->getResults())) {
    if (from.getType() != to.getType() &&
        !tensor::CastOp::areCastCompatible(from.getType(), to.getType()))
      return rewriter.notifyMatchFailure(op, "result types do not fit");
    Value v = to;
    if (from.getType() != to.getType())
      v = tensor::CastOp::create(rewriter, op.getLoc(), from.getType(), to);
    results.push_back(v);
  }
  rewriter.replaceOp(op, results);
  return success();
}

LogicalResult convertDet(onnx::DetOp op, PatternRewriter &rewriter) {
  auto inTy = rankedType(op.getX());
  if (!inTy || !inTy.hasStaticShape() || inTy.getRank() < 2)
    return rewriter.notifyMatchFailure(op, "needs a static [.., M, M] input");
  auto outTy = RankedTensorType::get(inTy.getShape().drop_back(2), inTy.getElementType());
  Value det = wt::DetOp::create(rewriter, op.getLoc(), outTy, op.getX());
  if (det.getType() != op.getY().getType())
    det = tensor::CastOp::create(rewriter, op.getLoc(), op.getY().getType(), det);
  rewriter.replaceOp(op, det);
  return success();
}

} // namespace

void whittle::conversion::populateSelectionLegalizations(LegalizationTable &table) {
  table.onOp<onnx::TopKOp>(1, convertTopK);
  table.onOp<onnx::DetOp>(1, convertDet);
}
