//===- Sequences.cpp - sequences of a structure known at compile time -----===//
//
// ONNX sequences built, edited and read at constant positions (the common
// case: SequenceConstruct/Insert/Erase/At, SplitToSequence,
// ConcatFromSequence, SequenceLength) are bookkeeping: this step tracks
// each sequence value as the list of tensors it holds and rewrites the
// reads into whittle ops, so no sequence reaches code generation.
// Sequences that come from graph inputs, control flow or run-time positions
// are left alone (and reported as unsupported).
//
//===----------------------------------------------------------------------===//

#include "LegalizationTable.h"
#include "whittle/Dialect/Whittle/WhittleConstants.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/DenseMap.h"

using namespace mlir;
using namespace whittle;
using namespace whittle::conversion;

namespace {

struct SequenceResolver {
  OpBuilder b;
  DenseMap<Value, SmallVector<Value>> seqs;

  explicit SequenceResolver(MLIRContext *ctx) : b(ctx) {}

  /// A constant position normalized for a sequence of `n` (`n + 1` slots for
  /// insertion); nullopt when it is not constant or out of range.
  std::optional<int64_t> position(Value pos, int64_t n, int64_t fallback) {
    if (!pos || isa<NoneType>(pos.getType()))
      return fallback;
    auto v = getConstantScalar(pos);
    if (!v)
      return std::nullopt;
    int64_t p = wt::saturatingInt64(*v); // any double: a plain cast may be UB
    if (p < 0)
      p += n;
    if (p < 0 || p > n)
      return std::nullopt;
    return p;
  }

  /// `v` with the type a reader expects (a tensor.cast between compatible
  /// shapes), or null.
  Value as(Location loc, Value v, Type type) {
    if (v.getType() == type)
      return v;
    if (!tensor::CastOp::areCastCompatible(v.getType(), type))
      return nullptr;
    return tensor::CastOp::create(b, loc, type, v);
  }

  Value reshape(Location loc, Value v, ArrayRef<int64_t> shape) {
    auto t = cast<RankedTensorType>(v.getType());
    return wt::ReshapeOp::create(b, loc, RankedTensorType::get(shape, t.getElementType()), v,
                                 Value(), false);
  }

  /// Tracks what `op` does to sequences; true when it was understood (its
  /// sequence results are tracked, its tensor results replaced).
  bool visit(Operation *op) {
    b.setInsertionPoint(op);
    Location loc = op->getLoc();
    if (auto e = dyn_cast<onnx::SequenceEmptyOp>(op)) {
      seqs[e.getOutput()] = {};
      return true;
    }
    if (auto c = dyn_cast<onnx::SequenceConstructOp>(op)) {
      seqs[c.getOutputSequence()] = SmallVector<Value>(c.getInputs());
      return true;
    }
    if (auto ins = dyn_cast<onnx::SequenceInsertOp>(op)) {
      auto it = seqs.find(ins.getInputSequence());
      if (it == seqs.end())
        return false;
      SmallVector<Value> list = it->second;
      auto p = position(ins.getPosition(), list.size(), list.size());
      if (!p)
        return false;
      list.insert(list.begin() + *p, ins.getTensor());
      seqs[ins.getOutputSequence()] = list;
      return true;
    }
    if (auto er = dyn_cast<onnx::SequenceEraseOp>(op)) {
      auto it = seqs.find(er.getInputSequence());
      if (it == seqs.end() || it->second.empty())
        return false;
      SmallVector<Value> list = it->second;
      auto p = position(er.getPosition(), list.size(), list.size() - 1);
      if (!p || *p >= (int64_t)list.size())
        return false;
      list.erase(list.begin() + *p);
      seqs[er.getOutputSequence()] = list;
      return true;
    }
    if (auto at = dyn_cast<onnx::SequenceAtOp>(op)) {
      auto it = seqs.find(at.getInputSequence());
      if (it == seqs.end())
        return false;
      auto p = position(at.getPosition(), it->second.size(), 0);
      if (!p || *p >= (int64_t)it->second.size())
        return false;
      Value v = as(loc, it->second[*p], at.getTensor().getType());
      if (!v)
        return false;
      at.getTensor().replaceAllUsesWith(v);
      return true;
    }
    if (auto len = dyn_cast<onnx::SequenceLengthOp>(op)) {
      auto ty = rankedType(len.getLength());
      if (!ty)
        return false;
      int64_t n;
      auto it = seqs.find(len.getInputSequence());
      if (it != seqs.end()) {
        n = it->second.size();
      } else if (auto split = len.getInputSequence().getDefiningOp<onnx::SplitToSequenceOp>();
                 split && rankedType(split.getSplit()) &&
                 rankedType(split.getSplit()).getRank() == 1 &&
                 rankedType(split.getSplit()).hasStaticShape()) {
        // Run-time split sizes, but as many pieces as the split has entries.
        n = rankedType(split.getSplit()).getDimSize(0);
      } else {
        return false;
      }
      Value c = wt::ConstantOp::create(
          b, loc,
          cast<ElementsAttr>(DenseElementsAttr::get(
              ty, b.getIntegerAttr(ty.getElementType(), n))));
      len.getLength().replaceAllUsesWith(c);
      return true;
    }
    if (auto cat = dyn_cast<onnx::ConcatFromSequenceOp>(op))
      return concat(cat);
    if (auto split = dyn_cast<onnx::SplitToSequenceOp>(op))
      return splitToSequence(split);
    return false;
  }

  bool concat(onnx::ConcatFromSequenceOp op) {
    auto it = seqs.find(op.getInputSequence());
    auto outTy = rankedType(op.getConcatResult());
    if (it == seqs.end() || it->second.empty() || !outTy)
      return false;
    Location loc = op.getLoc();
    bool newAxis = op.getNewAxis() != 0;
    auto axis = normalizeAxis((int64_t)op.getAxis(), outTy.getRank());
    if (!axis)
      return false;
    SmallVector<Value> parts;
    for (Value v : it->second) {
      auto t = rankedType(v);
      if (!t || !t.hasStaticShape())
        return false;
      if (newAxis) {
        SmallVector<int64_t> shape(t.getShape());
        shape.insert(shape.begin() + *axis, 1);
        v = reshape(loc, v, shape);
      }
      parts.push_back(v);
    }
    // The concatenation's own static shape; the op's (maybe dynamic) type
    // by a cast.
    SmallVector<int64_t> shape(cast<RankedTensorType>(parts[0].getType()).getShape());
    shape[*axis] = 0;
    for (Value v : parts)
      shape[*axis] += cast<RankedTensorType>(v.getType()).getDimSize(*axis);
    Value r = wt::ConcatOp::create(b, loc, RankedTensorType::get(shape, outTy.getElementType()),
                                   parts, *axis);
    r = as(loc, r, outTy);
    if (!r)
      return false;
    op.getConcatResult().replaceAllUsesWith(r);
    return true;
  }

  bool splitToSequence(onnx::SplitToSequenceOp op) {
    auto inTy = rankedType(op.getInput());
    if (!inTy || !inTy.hasStaticShape())
      return false;
    auto axis = normalizeAxis((int64_t)op.getAxis(), inTy.getRank());
    if (!axis)
      return false;
    int64_t dim = inTy.getDimSize(*axis);
    SmallVector<int64_t> sizes;
    bool squeeze = false;
    Value split = op.getSplit();
    if (!split || isa<NoneType>(split.getType())) {
      sizes.assign(dim, 1);
      squeeze = op.getKeepdims() == 0;
    } else {
      auto given = getConstantInts(split);
      auto sTy = rankedType(split);
      if (!given || !sTy)
        return false;
      if (sTy.getRank() == 0) {
        for (int64_t at = 0; at < dim; at += (*given)[0])
          sizes.push_back(std::min((*given)[0], dim - at));
      } else {
        sizes = *given;
      }
    }
    Location loc = op.getLoc();
    SmallVector<Value> parts;
    int64_t offset = 0;
    for (int64_t n : sizes) {
      SmallVector<int64_t> starts(inTy.getRank(), 0), ends(inTy.getShape()),
          steps(inTy.getRank(), 1), shape(inTy.getShape());
      starts[*axis] = offset;
      ends[*axis] = offset + n;
      shape[*axis] = n;
      offset += n;
      Value v = wt::SliceOp::create(b, loc, RankedTensorType::get(shape, inTy.getElementType()),
                                    op.getInput(), b.getDenseI64ArrayAttr(starts),
                                    b.getDenseI64ArrayAttr(ends), b.getDenseI64ArrayAttr(steps));
      if (squeeze) {
        shape.erase(shape.begin() + *axis);
        v = reshape(loc, v, shape);
      }
      parts.push_back(v);
    }
    if (offset != dim)
      return false;
    seqs[op.getOutputSequence()] = parts;
    return true;
  }
};

} // namespace

void whittle::conversion::resolveStaticSequences(func::FuncOp func) {
  if (func.isExternal())
    return;
  SequenceResolver resolver(func.getContext());
  SmallVector<Operation *> understood;
  for (Operation &op : func.front())
    if (resolver.visit(&op))
      understood.push_back(&op);
  // Erase what is now dead, readers before the sequences they read.
  for (Operation *op : llvm::reverse(understood))
    if (op->use_empty())
      op->erase();
}
