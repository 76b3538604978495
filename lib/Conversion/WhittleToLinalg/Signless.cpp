//===- Signless.cpp - sign-typed integers through code generation ---------===//
//
// Ops that only move data (reshape, transpose, slices, gathers, select, ...)
// mean the same on any integer type: one pattern re-creates them on the
// signless view of their operands, and the usual lowering then applies.
// Sign-typed constants become signless constants. At the end of the pass
// the function's boundary is made signless too, so nothing sign-typed
// reaches bufferization or LLVM.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace whittle;
using namespace whittle::lowering;

namespace {

bool movesDataOnly(Operation *op) {
  if (isa<wt::ReshapeOp, wt::TransposeOp, wt::ConcatOp, wt::SplitOp, wt::SliceOp,
          wt::PadOp, wt::BroadcastOp, wt::GatherOp, wt::GatherElementsOp,
          wt::GatherNdOp, wt::SelectOp, wt::DynamicSliceOp>(op))
    return true;
  // Wrapping add and mul are the same bits either way; max/min are not.
  auto neutral = [](wt::ScatterReduction r) {
    return r == wt::ScatterReduction::none || r == wt::ScatterReduction::add ||
           r == wt::ScatterReduction::mul;
  };
  if (auto s = dyn_cast<wt::ScatterElementsOp>(op))
    return neutral(s.getReduction());
  if (auto s = dyn_cast<wt::ScatterNdOp>(op))
    return neutral(s.getReduction());
  return false;
}

struct SignlessDataMovement : RewritePattern {
  SignlessDataMovement(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/2, ctx) {}

  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    if (!movesDataOnly(op))
      return rewriter.notifyMatchFailure(op, "not a data-movement op");
    if (llvm::none_of(op->getOperandTypes(), isSignTyped) &&
        llvm::none_of(op->getResultTypes(), isSignTyped))
      return rewriter.notifyMatchFailure(op, "no sign-typed integers");
    Location loc = op->getLoc();
    SmallVector<Value> operands;
    for (Value v : op->getOperands())
      operands.push_back(signlessView(rewriter, loc, v));
    SmallVector<Type> types;
    for (Type t : op->getResultTypes())
      types.push_back(signlessType(t));
    OperationState state(loc, op->getName(), operands, types, op->getAttrs());
    Operation *view = rewriter.create(state);
    SmallVector<Value> results;
    for (auto [v, t] : llvm::zip(view->getResults(), op->getResultTypes()))
      results.push_back(restoreSign(rewriter, loc, v, t));
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// The same elements under the signless element type.
ElementsAttr signlessElements(ElementsAttr attr) {
  auto type = cast<ShapedType>(signlessType(attr.getType()));
  if (auto dense = dyn_cast<DenseIntElementsAttr>(attr))
    return dense.bitcast(type.getElementType());
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr))
    return DenseResourceElementsAttr::get(type, res.getRawHandle());
  return nullptr;
}

struct SignlessConstant : OpRewritePattern<wt::ConstantOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ConstantOp op, PatternRewriter &rewriter) const override {
    if (!isSignTyped(op.getType()))
      return rewriter.notifyMatchFailure(op, "not sign-typed");
    ElementsAttr value = signlessElements(op.getValue());
    if (!value)
      return rewriter.notifyMatchFailure(op, "elements of an unknown kind");
    Value c = arith::ConstantOp::create(rewriter, op.getLoc(), value);
    rewriter.replaceOp(op, restoreSign(rewriter, op.getLoc(), c, op.getType()));
    return success();
  }
};

} // namespace

void whittle::lowering::populateSignlessLowerings(RewritePatternSet &patterns) {
  patterns.add<SignlessDataMovement>(patterns.getContext());
  patterns.add<SignlessConstant>(patterns.getContext());
}

void whittle::lowering::makeSignlessBoundary(func::FuncOp func) {
  if (func.isExternal())
    return;
  Block &entry = func.front();
  for (BlockArgument arg : entry.getArguments()) {
    Type view = signlessType(arg.getType());
    if (view == arg.getType())
      continue;
    // Once the body is lowered, every use is a cast to the view.
    if (!llvm::all_of(arg.getUsers(), [&](Operation *user) {
          auto cast = dyn_cast<wt::StorageCastOp>(user);
          return cast && cast.getType() == view;
        }))
      continue;
    arg.setType(view);
    for (Operation *user : llvm::make_early_inc_range(arg.getUsers())) {
      user->getResult(0).replaceAllUsesWith(arg);
      user->erase();
    }
  }
  SmallVector<Type> resultTypes(func.getResultTypes());
  func.walk([&](func::ReturnOp ret) {
    for (OpOperand &operand : ret->getOpOperands()) {
      auto cast = operand.get().getDefiningOp<wt::StorageCastOp>();
      if (!cast || !isSignTyped(cast.getType()) ||
          cast.getInput().getType() != signlessType(cast.getType()))
        continue;
      operand.set(cast.getInput());
      if (cast->use_empty())
        cast->erase();
    }
    resultTypes.assign(ret->getOperandTypes().begin(), ret->getOperandTypes().end());
  });
  func.setType(FunctionType::get(func.getContext(), entry.getArgumentTypes(),
                                 resultTypes));
}
