//===- UnshareEmptyTensors.cpp - the whittle-unshare-empty-tensors pass ---===//
//
// CSE, run after the lowering to linalg, merges equal tensor.empty ops and
// equal fills of them. One buffer then stands for every destination of
// that shape, which one-shot bufferization resolves by pairwise conflict
// checks (time growing with the cube of the number of uses) and copies.
// Each use after the first gets its own clone, placed just before the
// user, so that every destination is a fresh buffer again.
//
//===----------------------------------------------------------------------===//

#include "whittle/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace whittle {
#define GEN_PASS_DEF_UNSHAREEMPTYTENSORSPASS
#include "whittle/Conversion/Passes.h.inc"
} // namespace whittle

using namespace mlir;

namespace {

/// A fill of a tensor.empty: as cheap to repeat as the empty itself.
bool isFillOfEmpty(Operation *op) {
  auto fill = dyn_cast<linalg::FillOp>(op);
  return fill && fill.hasPureTensorSemantics() &&
         fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>();
}

/// Whether `use` is the destination of a destination-style op.
bool isDestination(OpOperand &use) {
  auto dps = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
  return dps && dps.isDpsInit(&use);
}

/// Splits the uses of `op`'s result that write it (every use of a
/// tensor.empty; the destination uses of a fill) into groups of at most
/// `maxUses`, in program order. The first group keeps `op`, unless other
/// uses (a read, a return) share a fill; every other group gets a clone of
/// `op` (and, for a fill, of its tensor.empty) just before its first
/// user, or before that user's ancestor in `op`'s block: the buffer stays
/// at the loop level it had.
void unshare(Operation *op, unsigned maxUses) {
  bool isEmpty = isa<tensor::EmptyOp>(op);
  Block *block = op->getBlock();
  SmallVector<std::pair<Operation *, OpOperand *>> writes;
  bool read = false;
  for (OpOperand &use : op->getResult(0).getUses()) {
    if (isEmpty || isDestination(use))
      writes.push_back({block->findAncestorOpInBlock(*use.getOwner()), &use});
    else
      read = true;
  }
  if (writes.size() <= maxUses && !read)
    return;
  llvm::stable_sort(writes, [](auto &a, auto &b) {
    return a.first != b.first && a.first->isBeforeInBlock(b.first);
  });
  for (size_t first = read ? 0 : maxUses; first < writes.size(); first += maxUses) {
    OpBuilder builder(writes[first].first);
    IRMapping map;
    if (auto fill = dyn_cast<linalg::FillOp>(op)) {
      Value empty = fill.getOutputs()[0];
      map.map(empty, builder.clone(*empty.getDefiningOp())->getResult(0));
    }
    Value clone = builder.clone(*op, map)->getResult(0);
    for (size_t i = first; i < std::min<size_t>(first + maxUses, writes.size()); ++i)
      writes[i].second->set(clone);
  }
}

struct UnshareEmptyTensorsPass
    : whittle::impl::UnshareEmptyTensorsPassBase<UnshareEmptyTensorsPass> {
  using Base::Base;
  void runOnOperation() override {
    // Fills first: their clones bring their own empties, and the empties
    // they shared then have fewer uses.
    if (maxUses < 1) {
      getOperation().emitError("whittle-unshare-empty-tensors: max-uses must be at least 1");
      return signalPassFailure();
    }
    SmallVector<Operation *> fills, empties;
    getOperation().walk([&](Operation *op) {
      if (isFillOfEmpty(op))
        fills.push_back(op);
    });
    for (Operation *fill : fills)
      unshare(fill, maxUses);
    getOperation().walk([&](tensor::EmptyOp op) { empties.push_back(op); });
    for (Operation *empty : empties)
      unshare(empty, maxUses);
  }
};

} // namespace
