//===- ApproximateMath.cpp - the whittle-approximate-math pass ------------===//
//
// exp, erf and tanh on f32 become MLIR's polynomial approximations: plain
// arithmetic the loop vectorizer widens, instead of a libm call per element
// (softmax, GELU, SiLU and sigmoid otherwise run one scalar call per value).
//
//===----------------------------------------------------------------------===//

#include "whittle/Conversion/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace whittle {
#define GEN_PASS_DEF_APPROXIMATEMATHPASS
#include "whittle/Conversion/Passes.h.inc"
} // namespace whittle

using namespace mlir;

namespace {

struct ApproximateMathPass : whittle::impl::ApproximateMathPassBase<ApproximateMathPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns, [](StringRef name) {
      return name == "math.exp" || name == "math.erf" || name == "math.tanh";
    });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
