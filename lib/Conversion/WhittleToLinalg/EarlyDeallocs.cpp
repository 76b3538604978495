//===- EarlyDeallocs.cpp - the whittle-early-deallocs pass ----------------===//
//
// MLIR's ownership-based buffer deallocation frees a function's buffers at
// the end of the block that allocates them: for a model's main function,
// every intermediate buffer lives until the model returns, and the peak
// memory is the sum of them all (PP-OCRv4's detector at 480 x 960: 258 MB).
// Here each unconditional `memref.dealloc` moves up to just after the last
// op of its block that uses the buffer or a view of it, so the allocator
// reuses the memory for later buffers.
//
//===----------------------------------------------------------------------===//

#include "whittle/Conversion/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace whittle {
#define GEN_PASS_DEF_EARLYDEALLOCSPASS
#include "whittle/Conversion/Passes.h.inc"
} // namespace whittle

using namespace mlir;

namespace {

/// The last op of `block` that uses `buffer` (or a value derived from it:
/// views, casts, any memref an op computes from it) through some op nested
/// in it, besides `dealloc`; nullptr if none. `escapes` is set if the
/// buffer reaches a use that may keep it past that op (a terminator).
Operation *lastUse(Value buffer, Operation *dealloc, Block *block, bool &escapes) {
  SmallVector<Value> work{buffer};
  DenseSet<Value> seen{buffer};
  Operation *last = nullptr;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (user == dealloc)
        continue;
      if (user->hasTrait<OpTrait::IsTerminator>()) {
        escapes = true;
        return nullptr;
      }
      for (Value r : user->getResults())
        if (isa<BaseMemRefType>(r.getType()) && seen.insert(r).second)
          work.push_back(r);
      Operation *top = block->findAncestorOpInBlock(*user);
      if (!top) {
        escapes = true;
        return nullptr;
      }
      if (!last || last->isBeforeInBlock(top))
        last = top;
    }
  }
  return last;
}

struct EarlyDeallocsPass : whittle::impl::EarlyDeallocsPassBase<EarlyDeallocsPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<memref::DeallocOp> deallocs;
    getOperation().walk([&](memref::DeallocOp op) { deallocs.push_back(op); });
    // Where each dealloc goes is decided before any moves: a move spoils
    // the block's op order, and recomputing it for every dealloc made
    // the pass quadratic in the function's length.
    SmallVector<std::pair<Operation *, Operation *>> moves;
    for (memref::DeallocOp op : deallocs) {
      Value buffer = op.getMemref();
      Block *block = op->getBlock();
      // Only a buffer allocated in this block (not an argument, not one
      // whose ownership arrived through a region).
      auto alloc = buffer.getDefiningOp<memref::AllocOp>();
      if (!alloc || alloc->getBlock() != block)
        continue;
      bool escapes = false;
      Operation *last = lastUse(buffer, op, block, escapes);
      if (escapes)
        continue;
      Operation *after = last ? last : alloc.getOperation();
      if (after->isBeforeInBlock(op))
        moves.push_back({op, after});
    }
    for (auto [op, after] : moves)
      op->moveAfter(after);
  }
};

} // namespace
