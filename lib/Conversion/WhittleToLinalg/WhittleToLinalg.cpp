//===- WhittleToLinalg.cpp - the convert-whittle-to-linalg pass -----------===//

#include "whittle/Conversion/Passes.h"

#include "Lowering.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace whittle {
#define GEN_PASS_DEF_CONVERTWHITTLETOLINALGPASS
#include "whittle/Conversion/Passes.h.inc"
} // namespace whittle

using namespace mlir;

namespace {

struct ConvertWhittleToLinalgPass
    : whittle::impl::ConvertWhittleToLinalgPassBase<ConvertWhittleToLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    whittle::lowering::populateElementwiseLowerings(patterns);
    whittle::lowering::populateStructuredLowerings(patterns, {wideAccumulation, packWeights, winogradTile});
    whittle::lowering::populateDataMovementLowerings(patterns);
    whittle::lowering::populateResizeLowerings(patterns);
    whittle::lowering::populateConvTransposeLowerings(patterns);
    whittle::lowering::populateIndexingLowerings(patterns);
    whittle::lowering::populateSignlessLowerings(patterns);
    whittle::lowering::populateRecurrentLowerings(patterns);
    whittle::lowering::populateSelectionLowerings(patterns);
    whittle::lowering::populateTextLowerings(patterns);
    // Runtime helpers the lowerings call, declared before any call exists.
    whittle::lowering::declareRuntimeHelpers(getOperation());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    for (auto func : getOperation().getOps<mlir::func::FuncOp>())
      whittle::lowering::makeSignlessBoundary(func);
  }
};

} // namespace
