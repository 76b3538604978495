//===- SplitLongBlocks.cpp - the whittle-split-long-blocks pass -----------===//
//
// A graph function is one long block: every conversion that splits it at
// an op (a loop lowered to branches) moves all the ops after that op, and
// n such conversions cost n^2. Cutting the body into blocks of a bounded
// length first makes each later split cost at most that length. Cuts are
// made from the end backwards, so that cutting itself moves each op once.
//
//===----------------------------------------------------------------------===//

#include "whittle/Conversion/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace whittle {
#define GEN_PASS_DEF_SPLITLONGBLOCKSPASS
#include "whittle/Conversion/Passes.h.inc"
} // namespace whittle

using namespace mlir;

namespace {

struct SplitLongBlocksPass : whittle::impl::SplitLongBlocksPassBase<SplitLongBlocksPass> {
  using Base::Base;
  void runOnOperation() override {
    if (maxOps < 1) {
      getOperation().emitError("whittle-split-long-blocks: max-ops must be at least 1");
      return signalPassFailure();
    }
    SmallVector<Block *> blocks;
    for (Block &block : getOperation().getBody())
      blocks.push_back(&block);
    for (Block *block : blocks) {
      // Cut before every maxOps-th op, never before the terminator.
      SmallVector<Operation *> cuts;
      int64_t index = 0;
      for (Operation &op : *block) {
        if (index > 0 && index % maxOps == 0 && !op.hasTrait<OpTrait::IsTerminator>())
          cuts.push_back(&op);
        ++index;
      }
      for (Operation *cut : llvm::reverse(cuts)) {
        Block *tail = block->splitBlock(cut);
        OpBuilder builder = OpBuilder::atBlockEnd(block);
        cf::BranchOp::create(builder, cut->getLoc(), tail);
      }
    }
  }
};

} // namespace
