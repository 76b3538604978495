//===- RemoveNoOps.cpp - ops that leave their input unchanged -------------===//
//
// Exporters leave behind casts to the type a tensor already has, reshapes
// to its own shape, transposes that undo each other, `x * 1` and `x + 0`.
// Each costs a full pass over memory when lowered; this pass replaces
// them by their input (and composes transpose and reshape chains).
//
//===----------------------------------------------------------------------===//

#include "PassUtils.h"

#include "whittle/Passes/Passes.h"
#include "whittle/Passes/RewriteLog.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace whittle {
#define GEN_PASS_DEF_WHITTLEREMOVENOOPSPASS
#include "whittle/Passes/Passes.h.inc"
} // namespace whittle

using namespace mlir;
using namespace whittle;
using namespace whittle::passes;

namespace {

constexpr const char *kPass = "whittle-remove-no-ops";

/// Replaces `op` by `input` (of the same type) and records it.
LogicalResult forward(PatternRewriter &rewriter, Operation *op, Value input) {
  std::string what = ("no-op " + op->getName().getStringRef()).str();
  rewriter.replaceOp(op, input);
  recordRewrite(kPass, what);
  return success();
}

struct RemoveSameTypeCast : OpRewritePattern<wt::CastOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::CastOp op, PatternRewriter &rewriter) const override {
    if (op.getInput().getType() != op.getOutput().getType())
      return rewriter.notifyMatchFailure(op, "changes the type");
    return forward(rewriter, op, op.getInput());
  }
};

struct RemoveSameShapeReshape : OpRewritePattern<wt::ReshapeOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ReshapeOp op, PatternRewriter &rewriter) const override {
    auto ty = dyn_cast<RankedTensorType>(op.getOutput().getType());
    if (!ty || !ty.hasStaticShape() || op.getInput().getType() != ty)
      return rewriter.notifyMatchFailure(op, "changes the shape");
    return forward(rewriter, op, op.getInput());
  }
};

/// reshape(reshape(x)) -> reshape(x), both to static shapes.
struct ComposeReshapes : OpRewritePattern<wt::ReshapeOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ReshapeOp op, PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<wt::ReshapeOp>();
    auto ty = dyn_cast<RankedTensorType>(op.getOutput().getType());
    auto srcTy = inner ? dyn_cast<RankedTensorType>(inner.getInput().getType())
                       : RankedTensorType();
    if (!inner || op.getShape() || inner.getShape() || !ty || !ty.hasStaticShape() || !srcTy ||
        !srcTy.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "not a chain of static reshapes");
    rewriter.replaceOpWithNewOp<wt::ReshapeOp>(op, ty, inner.getInput(), Value(), false);
    recordRewrite(kPass, "reshape chain composed");
    return success();
  }
};

struct RemoveTranspose : OpRewritePattern<wt::TransposeOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::TransposeOp op, PatternRewriter &rewriter) const override {
    if (op.getInput().getDefiningOp<wt::TransposeOp>())
      return composeTransposePair(op, rewriter, kPass);
    ArrayRef<int64_t> perm = op.getPerm();
    if (!llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())) ||
        op.getInput().getType() != op.getOutput().getType())
      return rewriter.notifyMatchFailure(op, "moves dims");
    return forward(rewriter, op, op.getInput());
  }
};

/// x + 0, 0 + x, x - 0, x * 1, 1 * x, x / 1, where the constant does not
/// broadcast x to a bigger shape.
struct RemoveIdentityArithmetic : OpRewritePattern<wt::BinaryOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::BinaryOp op, PatternRewriter &rewriter) const override {
    Type outTy = op.getOutput().getType();
    if (!isa<FloatType, IntegerType>(getElementTypeOrSelf(outTy)))
      return rewriter.notifyMatchFailure(op, "not plain arithmetic");
    double unit;
    bool commutes;
    switch (op.getFn()) {
    case wt::BinaryFn::add: unit = 0, commutes = true; break;
    case wt::BinaryFn::sub: unit = 0, commutes = false; break;
    case wt::BinaryFn::mul: unit = 1, commutes = true; break;
    case wt::BinaryFn::div: unit = 1, commutes = false; break;
    default: return rewriter.notifyMatchFailure(op, "no identity element");
    }
    if (op.getLhs().getType() == outTy && isScalar(op.getRhs(), unit, 0))
      return forward(rewriter, op, op.getLhs());
    if (commutes && op.getRhs().getType() == outTy && isScalar(op.getLhs(), unit, 0))
      return forward(rewriter, op, op.getRhs());
    return rewriter.notifyMatchFailure(op, "no identity operand");
  }
};

struct RemoveWholeSlice : OpRewritePattern<wt::SliceOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::SliceOp op, PatternRewriter &rewriter) const override {
    auto ty = dyn_cast<RankedTensorType>(op.getInput().getType());
    if (!ty || !ty.hasStaticShape() || ty != op.getOutput().getType())
      return rewriter.notifyMatchFailure(op, "shape changes or is dynamic");
    for (int64_t i = 0; i < ty.getRank(); ++i) {
      auto [start, count] = wt::sliceRange(ty.getDimSize(i), op.getStarts()[i], op.getEnds()[i],
                                           op.getSteps()[i]);
      if (start != 0 || count != ty.getDimSize(i) || op.getSteps()[i] != 1)
        return rewriter.notifyMatchFailure(op, "takes part of a dim");
    }
    return forward(rewriter, op, op.getInput());
  }
};

struct RemoveSingleConcat : OpRewritePattern<wt::ConcatOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ConcatOp op, PatternRewriter &rewriter) const override {
    if (op.getInputs().size() != 1 || op.getInputs()[0].getType() != op.getOutput().getType())
      return rewriter.notifyMatchFailure(op, "joins several tensors");
    return forward(rewriter, op, op.getInputs()[0]);
  }
};

struct RemoveZeroPad : OpRewritePattern<wt::PadOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::PadOp op, PatternRewriter &rewriter) const override {
    if (op.getPadValues() || op.getPads().empty() ||
        llvm::any_of(op.getPads(), [](int64_t p) { return p != 0; }) ||
        op.getInput().getType() != op.getOutput().getType())
      return rewriter.notifyMatchFailure(op, "pads something");
    return forward(rewriter, op, op.getInput());
  }
};

struct RemoveSameShapeBroadcast : OpRewritePattern<wt::BroadcastOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::BroadcastOp op, PatternRewriter &rewriter) const override {
    auto ty = dyn_cast<RankedTensorType>(op.getOutput().getType());
    if (op.getShape() || !ty || !ty.hasStaticShape() || op.getInput().getType() != ty)
      return rewriter.notifyMatchFailure(op, "broadcasts");
    return forward(rewriter, op, op.getInput());
  }
};

struct WhittleRemoveNoOpsPass
    : whittle::impl::WhittleRemoveNoOpsPassBase<WhittleRemoveNoOpsPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RemoveSameTypeCast, RemoveSameShapeReshape, ComposeReshapes, RemoveTranspose,
                 RemoveIdentityArithmetic, RemoveWholeSlice, RemoveSingleConcat, RemoveZeroPad,
                 RemoveSameShapeBroadcast>(&getContext());
    // Only these patterns: the dialect's folders would remove the same ops
    // without the pass seeing (and counting) them.
    GreedyRewriteConfig config;
    config.enableFolding(false);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      return signalPassFailure();
  }
};

} // namespace
