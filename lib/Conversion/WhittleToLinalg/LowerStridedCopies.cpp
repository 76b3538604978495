//===- LowerStridedCopies.cpp - the whittle-lower-strided-copies pass -----===//
//
// memref.copy between contiguous buffers becomes a memcpy; any other (a
// padded conv input's interior, a slice, a concat operand) would call the
// C runner's memrefCopy, which walks the buffers one element at a time
// through generic index arithmetic. Those become linalg.copy, which turns
// into plain loops that LLVM vectorizes, split across the model's threads
// when large.
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

/// Copies of at least this many elements are split across threads.
constexpr int64_t kParallelElements = 1 << 16;

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
      Location loc = op.getLoc();
      Value src = op.getSource(), dst = op.getTarget();
      auto ty = cast<MemRefType>(src.getType());
      // A large copy outside any parallel loop is split along its first
      // static dim longer than one (an scf.parallel, which becomes an
      // OpenMP loop on the model's threads), one slice per iteration.
      int64_t dim = -1;
      if (ty.hasStaticShape() && ty.getNumElements() >= kParallelElements &&
          !op->getParentOfType<scf::ParallelOp>() && !op->getParentOfType<scf::ForallOp>())
        for (int64_t d = 0; d < ty.getRank() - 1 && dim < 0; ++d)
          if (ty.getDimSize(d) > 1)
            dim = d;
      if (dim >= 0) {
        auto par = scf::ParallelOp::create(
            b, loc, ValueRange{arith::ConstantIndexOp::create(b, loc, 0)},
            ValueRange{arith::ConstantIndexOp::create(b, loc, ty.getDimSize(dim))},
            ValueRange{arith::ConstantIndexOp::create(b, loc, 1)});
        b.setInsertionPoint(par.getBody()->getTerminator());
        Value i = par.getInductionVars()[0];
        auto slice = [&](Value v) {
          SmallVector<OpFoldResult> offsets(ty.getRank(), b.getIndexAttr(0)), sizes,
              strides(ty.getRank(), b.getIndexAttr(1));
          for (int64_t size : ty.getShape())
            sizes.push_back(b.getIndexAttr(size));
          offsets[dim] = i;
          sizes[dim] = b.getIndexAttr(1);
          return memref::SubViewOp::create(b, loc, v, offsets, sizes, strides).getResult();
        };
        src = slice(src);
        dst = slice(dst);
      }
      linalg::CopyOp::create(b, loc, src, dst);
      op.erase();
    }
  }
};

} // namespace
