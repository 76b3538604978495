//===- FoldTransposeIntoMatmul.cpp - transposed operands read in place ----===//
//
// A matmul reads its operands through an indexing map, so a transpose of
// the two innermost dims costs nothing there, while a separate
// whittle.transpose copies the whole tensor. Same for attention's key.
//
//===----------------------------------------------------------------------===//

#include "PassUtils.h"

#include "whittle/Passes/Passes.h"
#include "whittle/Passes/RewriteLog.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace whittle {
#define GEN_PASS_DEF_WHITTLEFOLDTRANSPOSEINTOMATMULPASS
#include "whittle/Passes/Passes.h.inc"
} // namespace whittle

using namespace mlir;
using namespace whittle;
using namespace whittle::passes;

namespace {

constexpr const char *kPass = "whittle-fold-transpose-into-matmul";

/// The input of a transpose that swaps only the two innermost dims of `v`.
Value innerSwapSource(Value v) {
  auto t = v.getDefiningOp<wt::TransposeOp>();
  if (!t)
    return {};
  ArrayRef<int64_t> perm = t.getPerm();
  int64_t r = perm.size();
  if (r < 2 || perm[r - 1] != r - 2 || perm[r - 2] != r - 1)
    return {};
  for (int64_t i = 0; i < r - 2; ++i)
    if (perm[i] != i)
      return {};
  return t.getInput();
}

struct FoldIntoMatmul : OpRewritePattern<wt::MatmulOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::MatmulOp op, PatternRewriter &rewriter) const override {
    Value lhs = innerSwapSource(op.getLhs()), rhs = innerSwapSource(op.getRhs());
    if (!lhs && !rhs)
      return rewriter.notifyMatchFailure(op, "no operand is an inner transpose");
    rewriter.replaceOpWithNewOp<wt::MatmulOp>(
        op, op.getOutput().getType(), lhs ? lhs : op.getLhs(), rhs ? rhs : op.getRhs(),
        op.getBias(), op.getResidual(), lhs ? !op.getTransposeLhs() : op.getTransposeLhs(),
        rhs ? !op.getTransposeRhs() : op.getTransposeRhs(), op.getEpilogueAttr());
    recordRewrite(kPass, "transpose into matmul", (lhs ? 1 : 0) + (rhs ? 1 : 0));
    return success();
  }
};

struct FoldIntoAttention : OpRewritePattern<wt::AttentionOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::AttentionOp op, PatternRewriter &rewriter) const override {
    Value key = innerSwapSource(op.getKey());
    if (!key)
      return rewriter.notifyMatchFailure(op, "key is not an inner transpose");
    rewriter.replaceOpWithNewOp<wt::AttentionOp>(op, op.getOutput().getType(), op.getQuery(), key,
                                                 op.getValue(), op.getMask(), op.getScale(),
                                                 !op.getKeyTransposed());
    recordRewrite(kPass, "transpose into attention key");
    return success();
  }
};

struct WhittleFoldTransposeIntoMatmulPass
    : whittle::impl::WhittleFoldTransposeIntoMatmulPassBase<WhittleFoldTransposeIntoMatmulPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldIntoMatmul, FoldIntoAttention>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
