//===- FuseElementwise.cpp - elementwise chains into one loop nest --------===//
//
// After lowering, every elementwise op is its own linalg.generic: a pass
// over memory each. Merging a producer into its consumer keeps the value
// in a register instead, but only pays when the consumer reads each
// produced element once; merging into a contraction or a broadcast
// recomputes the producer for every element that reads it.
//
//===----------------------------------------------------------------------===//

#include "whittle/Conversion/PackedContraction.h"
#include "whittle/Passes/Passes.h"
#include "whittle/Passes/RewriteLog.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace whittle {
#define GEN_PASS_DEF_WHITTLEFUSEELEMENTWISEPASS
#include "whittle/Passes/Passes.h.inc"
} // namespace whittle

using namespace mlir;

namespace {

/// Fuse a single-use producer into a generic that reads each of its
/// elements exactly once.
/// Packed contractions and Winograd transforms keep their exact form
/// (whittle-lower-microkernels matches it): nothing is fused into or
/// reshaped through them.
bool isPacked(Operation *op) { return whittle::hasKernelForm(op); }

/// Largest loop body (in ops) a fusion grows. Each fusion clones both
/// bodies: without a bound, a chain of n elementwise ops costs n^2 / 2
/// clones (4,000 chained Adds took 44 s to compile); with one, compile time
/// stays linear in the graph. Real chains (GELU, SiLU, layer norm tails)
/// are far shorter.
constexpr unsigned kMaxFusedBodyOps = 256;

bool readsEachElementOnce(OpOperand *fused) {
  Operation *producer = fused->get().getDefiningOp();
  auto consumer = dyn_cast<linalg::GenericOp>(fused->getOwner());
  auto producerGeneric = dyn_cast_or_null<linalg::GenericOp>(producer);
  if (!producer || !producer->hasOneUse() || !consumer || isPacked(consumer))
    return false;
  if (llvm::hasNItemsOrMore(*consumer.getBody(), kMaxFusedBodyOps) ||
      (producerGeneric && llvm::hasNItemsOrMore(*producerGeneric.getBody(), kMaxFusedBodyOps)))
    return false;
  return consumer.getMatchingIndexingMap(fused).isPermutation();
}

struct WhittleFuseElementwisePass
    : whittle::impl::WhittleFuseElementwisePassBase<WhittleFuseElementwisePass> {
  using Base::Base;
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    auto count = [&] {
      int64_t n = 0;
      getOperation()->walk([&](linalg::GenericOp) { ++n; });
      return n;
    };
    int64_t before = count();
    RewritePatternSet patterns(ctx);
    linalg::populateElementwiseOpsFusionPatterns(patterns, readsEachElementOnce);
    linalg::ControlFusionFn singleUse = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      return producer && producer->hasOneUse() && !isPacked(producer) &&
             !isPacked(fused->getOwner());
    };
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, singleUse);
    tensor::populateBubbleUpExpandShapePatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, ctx);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, ctx);
    ctx->getLoadedDialect<linalg::LinalgDialect>()->getCanonicalizationPatterns(patterns);
    GreedyRewriteConfig config;
    config.setUseTopDownTraversal(true);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      return signalPassFailure();
    if (int64_t merged = before - count(); merged > 0)
      whittle::recordRewrite("whittle-fuse-elementwise", "loop nests merged", merged);
  }
};

} // namespace
