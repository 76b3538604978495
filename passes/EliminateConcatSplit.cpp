//===- EliminateConcatSplit.cpp - read concat inputs and split pieces -----===//
//
// Exporters join tensors only to cut them apart again (YOLO heads, channel
// shuffles, grouped branches). A concat followed by a matching split, or a
// split whose pieces are joined back, moves every byte twice for nothing;
// the consumers can read the original tensors.
//
//===----------------------------------------------------------------------===//

#include "PassUtils.h"

#include "whittle/Passes/Passes.h"
#include "whittle/Passes/RewriteLog.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace whittle {
#define GEN_PASS_DEF_WHITTLEELIMINATECONCATSPLITPASS
#include "whittle/Passes/Passes.h.inc"
} // namespace whittle

using namespace mlir;
using namespace whittle;
using namespace whittle::passes;

namespace {

constexpr const char *kPass = "whittle-eliminate-concat-split";

/// Static sizes of each input along the concat axis, or nullopt.
std::optional<SmallVector<int64_t>> concatSizes(wt::ConcatOp concat) {
  SmallVector<int64_t> sizes;
  for (Value v : concat.getInputs()) {
    auto ty = dyn_cast<RankedTensorType>(v.getType());
    if (!ty || ty.isDynamicDim(concat.getAxis()))
      return std::nullopt;
    sizes.push_back(ty.getDimSize(concat.getAxis()));
  }
  return sizes;
}

/// split(concat(a, b, ..)) -> a, b, .. where the cuts match.
struct SplitOfConcat : OpRewritePattern<wt::SplitOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::SplitOp op, PatternRewriter &rewriter) const override {
    auto concat = op.getInput().getDefiningOp<wt::ConcatOp>();
    if (!concat || concat.getAxis() != op.getAxis())
      return rewriter.notifyMatchFailure(op, "not a split of a concat along its axis");
    auto sizes = concatSizes(concat);
    if (!sizes || ArrayRef<int64_t>(*sizes) != op.getSizes())
      return rewriter.notifyMatchFailure(op, "the cuts differ from the joins");
    for (auto [piece, in] : llvm::zip(op.getOutputs(), concat.getInputs()))
      if (piece.getType() != in.getType())
        return rewriter.notifyMatchFailure(op, "a piece's type differs from the input's");
    rewriter.replaceOp(op, concat.getInputs());
    recordRewrite(kPass, "split of a concat");
    return success();
  }
};

/// concat(split(x)) of every piece in order -> x.
struct ConcatOfSplit : OpRewritePattern<wt::ConcatOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ConcatOp op, PatternRewriter &rewriter) const override {
    auto split = op.getInputs().empty() ? wt::SplitOp()
                                        : op.getInputs()[0].getDefiningOp<wt::SplitOp>();
    if (!split || split.getAxis() != op.getAxis() ||
        split.getOutputs().size() != op.getInputs().size() ||
        split.getInput().getType() != op.getOutput().getType())
      return rewriter.notifyMatchFailure(op, "not a concat of a whole split");
    for (auto [piece, in] : llvm::zip(split.getOutputs(), op.getInputs()))
      if (piece != in)
        return rewriter.notifyMatchFailure(op, "pieces out of order or from elsewhere");
    rewriter.replaceOp(op, split.getInput());
    recordRewrite(kPass, "concat of a split");
    return success();
  }
};

/// A slice that takes exactly one concat input -> the input.
struct SliceOfConcat : OpRewritePattern<wt::SliceOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::SliceOp op, PatternRewriter &rewriter) const override {
    auto concat = op.getInput().getDefiningOp<wt::ConcatOp>();
    auto ty = dyn_cast<RankedTensorType>(op.getInput().getType());
    auto sizes = concat ? concatSizes(concat) : std::nullopt;
    if (!concat || !ty || !ty.hasStaticShape() || !sizes)
      return rewriter.notifyMatchFailure(op, "not a slice of a static concat");
    int64_t axis = concat.getAxis();
    for (int64_t d = 0; d < ty.getRank(); ++d) {
      auto [start, count] =
          wt::sliceRange(ty.getDimSize(d), op.getStarts()[d], op.getEnds()[d], op.getSteps()[d]);
      if (op.getSteps()[d] != 1)
        return rewriter.notifyMatchFailure(op, "strided");
      if (d != axis && (start != 0 || count != ty.getDimSize(d)))
        return rewriter.notifyMatchFailure(op, "cuts another dim");
      if (d != axis)
        continue;
      int64_t offset = 0;
      for (auto [in, size] : llvm::zip(concat.getInputs(), *sizes)) {
        if (offset == start && size == count && in.getType() == op.getOutput().getType()) {
          rewriter.replaceOp(op, in);
          recordRewrite(kPass, "slice of a concat");
          return success();
        }
        offset += size;
      }
    }
    return rewriter.notifyMatchFailure(op, "takes no single input");
  }
};

struct WhittleEliminateConcatSplitPass
    : whittle::impl::WhittleEliminateConcatSplitPassBase<WhittleEliminateConcatSplitPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<SplitOfConcat, ConcatOfSplit, SliceOfConcat>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
