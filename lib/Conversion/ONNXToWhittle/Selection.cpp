//===- Selection.cpp - TopK, Det, NonZero, Compress -----------------------===//
//
// One whittle op each. TopK's k is a run-time input in ONNX: the declared
// result shape, or a constant k, fixes it at compile time. NonZero's count
// depends on the data: the declared result shape fixes it and a run that
// finds another count fails. Compress gathers at NonZero(condition).
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
  // Checked before anything is created: a pattern that creates ops and
  // then fails runs again forever (a fuzzed model hung the compiler).
  for (auto [from, to] : llvm::zip(op->getResultTypes(), TypeRange{vTy, iTy}))
    if (from != to && !tensor::CastOp::areCastCompatible(from, to))
      return op.emitError("TopK: the model declares an output of type ")
             << from << ", but the result is " << to;
  auto topk = wt::TopKOp::create(rewriter, op.getLoc(), TypeRange{vTy, iTy}, op.getX(), *axis,
                                 op.getLargest() == 0);
  SmallVector<Value> results;
  for (auto [from, to] : llvm::zip(op->getResults(), topk->getResults())) {
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


LogicalResult convertNonZero(onnx::NonZeroOp op, PatternRewriter &rewriter) {
  auto inTy = rankedType(op.getX());
  auto outTy = rankedType(op.getY());
  if (!inTy || !inTy.hasStaticShape() || inTy.getRank() < 1)
    return rewriter.notifyMatchFailure(op, "needs a static input of rank >= 1");
  if (!outTy || !outTy.hasStaticShape())
    return rewriter.notifyMatchFailure(
        op, "the count depends on the data: declare the output's shape in the model");
  rewriter.replaceOpWithNewOp<wt::NonZeroOp>(op, outTy, op.getX());
  return success();
}

LogicalResult convertCompress(onnx::CompressOp op, PatternRewriter &rewriter) {
  auto inTy = rankedType(op.getInput());
  auto condTy = rankedType(op.getCondition());
  auto outTy = rankedType(op.getOutput());
  if (!inTy || !inTy.hasStaticShape() || !condTy || !condTy.hasStaticShape() ||
      condTy.getRank() != 1)
    return rewriter.notifyMatchFailure(op, "needs a static input and 1-D condition");
  if (!outTy || !outTy.hasStaticShape())
    return rewriter.notifyMatchFailure(
        op, "the count depends on the data: declare the output's shape in the model");
  Location loc = op.getLoc();
  Value data = op.getInput();
  int64_t axis = 0;
  if (auto a = op.getAxis()) {
    auto n = normalizeAxis(*a, inTy.getRank());
    if (!n)
      return op.emitError("Compress: axis ") << *a << " is out of range";
    axis = *n;
  } else {
    data = reshapeTo(rewriter, loc, data, {inTy.getNumElements()});
  }
  int64_t kept = outTy.getDimSize(op.getAxis() ? axis : 0);
  auto i64 = rewriter.getI64Type();
  Value where = wt::NonZeroOp::create(rewriter, loc, RankedTensorType::get({1, kept}, i64),
                                      op.getCondition());
  where = reshapeTo(rewriter, loc, where, {kept});
  rewriter.replaceOpWithNewOp<wt::GatherOp>(op, outTy, data, where, axis);
  return success();
}

} // namespace

void whittle::conversion::populateSelectionLegalizations(LegalizationTable &table) {
  table.onOp<onnx::TopKOp>(1, convertTopK);
  table.onOp<onnx::DetOp>(1, convertDet);
  table.onOp<onnx::NonZeroOp>(1, convertNonZero);
  table.onOp<onnx::CompressOp>(1, convertCompress);
}
