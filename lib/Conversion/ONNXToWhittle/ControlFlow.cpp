//===- ControlFlow.cpp - If to scf ----------------------------------------===//
//
// ONNX If becomes scf.if on the extracted i1 condition. Its branches may
// yield types that differ from each other (ONNX only asks them to be
// compatible); each yield casts to the If's own result types.
//
//===----------------------------------------------------------------------===//

#include "LegalizationTable.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace whittle;
using namespace whittle::conversion;

namespace {

/// Moves `from` into `to` and swaps its onnx.Yield for scf.yield, casting
/// each value to `types`.
LogicalResult moveBranch(Region &from, Region &to, TypeRange types,
                         PatternRewriter &rewriter) {
  rewriter.inlineRegionBefore(from, to, to.end());
  auto yield = cast<onnx::YieldOp>(to.front().getTerminator());
  if (yield.getNumOperands() != types.size())
    return failure();
  rewriter.setInsertionPoint(yield);
  SmallVector<Value> values;
  for (auto [v, t] : llvm::zip(yield.getOperands(), types)) {
    if (v.getType() == t) {
      values.push_back(v);
      continue;
    }
    if (!tensor::CastOp::areCastCompatible(v.getType(), t))
      return failure();
    values.push_back(tensor::CastOp::create(rewriter, yield.getLoc(), t, v));
  }
  rewriter.replaceOpWithNewOp<scf::YieldOp>(yield, values);
  return success();
}

/// An If on a constant condition (shape tests, once folded) is its branch.
LogicalResult inlineTakenBranch(onnx::IfOp op, bool cond,
                                PatternRewriter &rewriter) {
  Region &taken = cond ? op.getThenBranch() : op.getElseBranch();
  auto yield = cast<onnx::YieldOp>(taken.front().getTerminator());
  if (yield.getNumOperands() != op.getNumResults())
    return rewriter.notifyMatchFailure(op, "branch yields the wrong count");
  for (auto [v, t] : llvm::zip(yield.getOperands(), op.getResultTypes()))
    if (v.getType() != t && !tensor::CastOp::areCastCompatible(v.getType(), t))
      return rewriter.notifyMatchFailure(op, "taken branch type incompatible");
  SmallVector<Value> values(yield.getOperands());
  rewriter.inlineBlockBefore(&taken.front(), op);
  rewriter.setInsertionPoint(op);
  for (auto [i, t] : llvm::enumerate(op.getResultTypes()))
    if (values[i].getType() != t)
      values[i] = tensor::CastOp::create(rewriter, op.getLoc(), t, values[i]);
  rewriter.eraseOp(yield);
  rewriter.replaceOp(op, values);
  return success();
}

LogicalResult convertIf(onnx::IfOp op, PatternRewriter &rewriter) {
  auto condTy = rankedType(op.getCond());
  if (!condTy || condTy.getNumElements() != 1)
    return rewriter.notifyMatchFailure(op, "condition is not a 1-element tensor");
  if (auto c = getConstantScalar(op.getCond()))
    return inlineTakenBranch(op, *c != 0, rewriter);
  for (Region *r : {&op.getThenBranch(), &op.getElseBranch()}) {
    auto yield = cast<onnx::YieldOp>(r->front().getTerminator());
    if (yield.getNumOperands() != op.getNumResults())
      return rewriter.notifyMatchFailure(op, "branch yields the wrong count");
    for (auto [v, t] : llvm::zip(yield.getOperands(), op.getResultTypes()))
      if (v.getType() != t &&
          !tensor::CastOp::areCastCompatible(v.getType(), t))
        return rewriter.notifyMatchFailure(op, "branch type incompatible");
  }
  Location loc = op.getLoc();
  SmallVector<Value> zeros(condTy.getRank(),
                           arith::ConstantIndexOp::create(rewriter, loc, 0));
  Value cond = tensor::ExtractOp::create(rewriter, loc, op.getCond(), zeros);
  auto ifOp = scf::IfOp::create(rewriter, loc, op.getResultTypes(), cond,
                                /*addThenBlock=*/false, /*addElseBlock=*/false);
  if (failed(moveBranch(op.getThenBranch(), ifOp.getThenRegion(),
                        op.getResultTypes(), rewriter)) ||
      failed(moveBranch(op.getElseBranch(), ifOp.getElseRegion(),
                        op.getResultTypes(), rewriter)))
    return failure(); // unreachable: checked above
  rewriter.replaceOp(op, ifOp.getResults());
  return success();
}

} // namespace

void whittle::conversion::populateControlFlowLegalizations(
    LegalizationTable &table) {
  table.onOp<onnx::IfOp>(1, convertIf);
}
