//===- CollapseShortRows.cpp - the whittle-collapse-short-rows pass -------===//
//
// An elementwise loop nest whose innermost loop is short (a channels-last
// tensor with 16 channels, a packed accumulator's 16-column panels) is
// unrolled by LLVM into scalar code before the loop vectorizer sees it.
// Where its operands are contiguous across the inner loops, those loops
// merge into one long loop (the operands reshaped, which bufferization
// makes views), which vectorizes.
//
//===----------------------------------------------------------------------===//

#include "whittle/Conversion/PackedContraction.h"
#include "whittle/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace whittle {
#define GEN_PASS_DEF_COLLAPSESHORTROWSPASS
#include "whittle/Conversion/Passes.h.inc"
} // namespace whittle

using namespace mlir;

namespace {

/// Innermost loops shorter than this are merged with their neighbours.
constexpr int64_t kShortRow = 64;

/// The loops of an all-parallel static generic with a short innermost loop
/// that can merge: runs of adjacent loops that every operand reads
/// contiguously, from the innermost outwards.
SmallVector<ReassociationIndices> shortRowGroups(linalg::LinalgOp op) {
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic || whittle::hasKernelForm(generic) ||
      !generic.hasPureTensorSemantics() || generic.getNumReductionLoops() != 0)
    return {};
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ranges.size() < 2 || llvm::any_of(ranges, ShapedType::isDynamic) ||
      ranges.back() >= kShortRow)
    return {};
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  // Plain reads (no constant indices, no scalars, no loop indices in the
  // body): what the collapse rewrite handles.
  if (llvm::any_of(maps, [](AffineMap m) {
        return m.getNumResults() == 0 || !m.isProjectedPermutation(/*allowZeroInResults=*/false);
      }) ||
      !generic.getBody()->getOps<linalg::IndexOp>().empty())
    return {};
  SmallVector<ReassociationIndices> groups;
  int64_t end = ranges.size();
  while (end > 0) {
    int64_t start = end - 1;
    while (start > 0) {
      ReassociationIndices group;
      for (int64_t i = start - 1; i < end; ++i)
        group.push_back(i);
      if (!linalg::areDimSequencesPreserved(maps, group))
        break;
      --start;
    }
    if (end - start > 1) {
      ReassociationIndices group;
      for (int64_t i = start; i < end; ++i)
        group.push_back(i);
      groups.insert(groups.begin(), group);
    }
    end = start;
  }
  return groups;
}

struct CollapseShortRowsPass
    : whittle::impl::CollapseShortRowsPassBase<CollapseShortRowsPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateCollapseDimensions(patterns, shortRowGroups);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
