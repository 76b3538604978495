//===- TileForThreads.cpp - the whittle-tile-for-threads pass -------------===//
//
// Large linalg ops become an scf.forall over chunks of their first parallel
// dimension longer than one (the batch is often 1: then channels or rows);
// the innermost loop is split only into runs long enough to vectorize.
// Small ops stay whole: waking threads costs more than they save. Dynamic
// extents are split too (chunk sizes computed at run time).
//
//===----------------------------------------------------------------------===//

#include "whittle/Conversion/PackedContraction.h"
#include "whittle/Conversion/Passes.h"

#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Interfaces/TilingInterface.h"

namespace whittle {
#define GEN_PASS_DEF_TILEFORTHREADSPASS
#include "whittle/Conversion/Passes.h.inc"
} // namespace whittle

using namespace mlir;

namespace {

struct TileForThreadsPass
    : whittle::impl::TileForThreadsPassBase<TileForThreadsPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> candidates;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!op.hasPureTensorSemantics() || op->getParentOfType<scf::ForallOp>() ||
          !isa<TilingInterface>(op.getOperation()))
        return;
      candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : candidates) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      // A dynamic extent counts as kNominal in the work estimate (it is
      // known only at run time).
      constexpr int64_t kNominal = 64;
      int64_t work = 1;
      for (int64_t r : ranges)
        work *= ShapedType::isDynamic(r) ? kNominal : r;
      // A contraction (a reduction over products of two or more inputs)
      // does a multiply-add (vectorized, register-tiled) per point, far
      // less time per point than an elementwise op's memory traffic: it
      // needs kReductionFactor times the points before waking threads
      // pays. A reduction of one input (softmax's max and sum, layer
      // norm's mean) runs a serial chain of adds per row: no cheaper per
      // point than an elementwise op.
      constexpr int64_t kReductionFactor = 16;
      bool contraction = op.getNumReductionLoops() > 0 && op.getNumDpsInputs() >= 2;
      if (work < (contraction ? minWork * kReductionFactor : minWork))
        continue;
      // The first static parallel dim longer than one, else the first
      // dynamic one (a dynamic batch is often 1 at run time); the
      // contiguous dim last, static, in chunks of whole vectors' worth
      // (kMinInner), so it still vectorizes.
      constexpr int64_t kMinInner = 64;
      SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
      // The last parallel dim is the output's contiguous one.
      int64_t last = -1, dim = -1, chunks = 0;
      for (int64_t d = 0; d < (int64_t)ranges.size(); ++d)
        if (iters[d] == utils::IteratorType::parallel)
          last = d;
      for (int64_t d = 0; d < last && dim < 0; ++d)
        if (iters[d] == utils::IteratorType::parallel && !ShapedType::isDynamic(ranges[d]) &&
            ranges[d] >= 2) {
          dim = d;
          chunks = std::min<int64_t>(ranges[d], maxChunks);
        }
      for (int64_t d = 0; d < last && dim < 0; ++d)
        if (iters[d] == utils::IteratorType::parallel && ShapedType::isDynamic(ranges[d])) {
          dim = d;
          chunks = maxChunks;
        }
      // A packed contraction's rows are split only into chunks of whole
      // register tiles (kMinRows); with fewer rows, its weight panels are.
      constexpr int64_t kMinRows = 16;
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      int64_t nbChunks = 1, packedNb = -1;
      if (auto packed = generic ? whittle::packedContractionDims(generic) : std::nullopt) {
        using whittle::kMaxTilePanels;
        packedNb = packed->nb;
        int64_t panels = ranges[packed->nb];
        // A conv (two or more reduction loops) whose filter is larger than
        // the L2 cache (3x3 over 512 channels, 9.4 MB): chunks of output
        // rows would each stream all of it for a few outputs; chunks of
        // panels (in groups of a register tile's kMaxTilePanels) read their
        // own filter panels once, kernel row by kernel row (the microkernel
        // blocks that reduction), for every output.
        auto wTy = dyn_cast<ShapedType>(generic.getDpsInputs()[1].getType());
        if (op.getNumReductionLoops() >= 2 && wTy && wTy.hasStaticShape() &&
            wTy.getNumElements() * (int64_t)sizeof(float) > l2Bytes &&
            !ShapedType::isDynamic(panels) && panels / kMaxTilePanels >= 2) {
          dim = packed->nb;
          chunks = std::min<int64_t>(panels / kMaxTilePanels, maxChunks);
        }
        if (dim == packed->m)
          chunks = std::min<int64_t>(chunks, ranges[dim] / kMinRows);
        if (dim != packed->nb && chunks < 2) {
          dim = packed->nb;
          chunks = std::min<int64_t>(ranges[dim], maxChunks);
        }
        if (ShapedType::isDynamic(ranges[dim]) || chunks < 2)
          continue;
        // Few chunks of rows (a 7x7 map's 7 output rows) leave threads
        // idle at the end (4 + 3 on two): the panels are split as well,
        // in groups of a register tile's panels (kMaxTilePanels).
        constexpr int64_t kFewChunks = 8;
        if (dim != packed->nb && chunks < kFewChunks && !ShapedType::isDynamic(panels))
          if (int64_t panelChunks = panels / kMaxTilePanels; panelChunks >= 2)
            nbChunks = std::min<int64_t>(panelChunks, maxChunks / chunks);
      }
      if (dim < 0 && last >= 0 && !ShapedType::isDynamic(ranges[last]) &&
          ranges[last] / kMinInner >= 2) {
        dim = last;
        chunks = std::min<int64_t>(ranges[last] / kMinInner, maxChunks);
      }
      if (dim < 0)
        continue;
      // As many chunks as the chunk size needs: 112 rows in at most 64
      // chunks are 56 chunks of 2, not 64 chunks of which 8 are empty (the
      // threads' static shares of the chunks would then be unequal).
      auto used = [&](int64_t d, int64_t n) -> int64_t {
        if (ShapedType::isDynamic(ranges[d]))
          return n;
        int64_t size = llvm::divideCeil(ranges[d], n);
        return llvm::divideCeil(ranges[d], size);
      };
      SmallVector<OpFoldResult> threads(ranges.size(), rewriter.getIndexAttr(0));
      threads[dim] = rewriter.getIndexAttr(used(dim, chunks));
      if (nbChunks > 1)
        threads[packedNb] = rewriter.getIndexAttr(used(packedNb, nbChunks));
      scf::SCFTilingOptions options;
      options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
      options.setNumThreads(threads);
      rewriter.setInsertionPoint(op);
      FailureOr<scf::SCFTilingResult> tiled =
          scf::tileUsingSCF(rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled))
        continue;
      rewriter.replaceOp(op, tiled->replacements);
    }
  }
};

} // namespace
