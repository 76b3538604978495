//===- LowerStridedCopies.cpp - the whittle-lower-strided-copies pass -----===//
//
// memref.copy between contiguous buffers becomes a memcpy; any other (a
// padded conv input's interior, a slice, a concat operand) would call the
// C runner's memrefCopy, which walks the buffers one element at a time
// through generic index arithmetic. Those become linalg.copy, which turns
// into plain loops that LLVM vectorizes.
//
//===----------------------------------------------------------------------===//

#include "whittle/Conversion/Passes.h"

#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"

namespace whittle {
#define GEN_PASS_DEF_LOWERSTRIDEDCOPIESPASS
#include "whittle/Conversion/Passes.h.inc"
} // namespace whittle

using namespace mlir;

namespace {

bool contiguous(Type t) {
  auto m = dyn_cast<MemRefType>(t);
  return m && (m.getLayout().isIdentity() || memref::isStaticShapeAndContiguousRowMajor(m));
}

struct LowerStridedCopiesPass
    : whittle::impl::LowerStridedCopiesPassBase<LowerStridedCopiesPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp op) {
      auto ty = dyn_cast<MemRefType>(op.getSource().getType());
      if (ty && (!contiguous(ty) || !contiguous(op.getTarget().getType())))
        copies.push_back(op);
    });
    for (memref::CopyOp op : copies) {
      OpBuilder b(op);
      linalg::CopyOp::create(b, op.getLoc(), op.getSource(), op.getTarget());
      op.erase();
    }
  }
};

} // namespace
