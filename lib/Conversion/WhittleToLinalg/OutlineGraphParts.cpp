//===- OutlineGraphParts.cpp - the whittle-outline-graph-parts pass -------===//
//
// One-shot bufferization's analyses, the buffer deallocation's
// simplification and LLVM's function passes all cost more than linear time
// in the length of one function: a 16,000-node graph spent most of a
// minute in them. Here a long graph function on tensors is cut, in op
// order, into parts of a bounded length, each a private function its
// predecessor's results flow into through a call. Each analysis then sees
// bounded functions, and compile time grows with the number of parts.
//
//===----------------------------------------------------------------------===//

#include "whittle/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"

#include <functional>

namespace whittle {
#define GEN_PASS_DEF_OUTLINEGRAPHPARTSPASS
#include "whittle/Conversion/Passes.h.inc"
} // namespace whittle

using namespace mlir;

namespace {

/// A constant of the graph's block: cloned into each part that reads it
/// rather than passed (its value stays visible to the part's folds).
bool isConstant(Operation *op) {
  return op->getNumOperands() == 0 && op->getNumRegions() == 0 &&
         op->hasTrait<OpTrait::ConstantLike>();
}

/// A tensor.empty, which never crosses a cut: each part that writes into
/// one makes its own (sizes passed as needed). A part returning an empty
/// it also wrote in place would hand its caller two results in one
/// buffer, which the caller's bufferization takes for two.
bool isEmpty(Operation *op) { return isa<tensor::EmptyOp>(op); }

/// Moves `ops` (consecutive ops of `func`'s block) into a new private
/// function `name` placed after `after`, calls it where they were, and
/// returns it.
func::FuncOp outline(func::FuncOp func, Operation *after, ArrayRef<Operation *> ops,
                     StringRef name) {
  Block &body = func.getBody().front();
  llvm::DenseSet<Operation *> inPart(ops.begin(), ops.end());
  // Where a value comes from, as an op of the graph's block (nullptr for
  // the graph's arguments).
  auto topOf = [&](Value v) -> Operation * {
    Operation *owner = v.getDefiningOp();
    if (!owner)
      owner = v.getParentBlock()->getParentOp();
    return owner == func ? nullptr : body.findAncestorOpInBlock(*owner);
  };
  llvm::SetVector<Value> inputs;
  // Cloned into the part (constants, empties), in the graph's order.
  llvm::SetVector<Operation *> constants;
  std::function<void(Value)> need = [&](Value v) {
    Operation *top = topOf(v);
    if (top && inPart.contains(top))
      return;
    if (top && (isConstant(top) || isEmpty(top)) && top == v.getDefiningOp()) {
      if (constants.contains(top))
        return;
      for (Value size : top->getOperands())
        need(size);
      constants.insert(top);
      return;
    }
    inputs.insert(v);
  };
  for (Operation *op : ops)
    op->walk([&](Operation *nested) {
      for (Value v : nested->getOperands())
        need(v);
    });
  SmallVector<Value> outputs;
  for (Operation *op : ops)
    for (Value r : op->getResults())
      if (llvm::any_of(r.getUses(), [&](OpOperand &use) {
            return !inPart.contains(body.findAncestorOpInBlock(*use.getOwner()));
          }))
        outputs.push_back(r);

  OpBuilder builder(func.getContext());
  builder.setInsertionPointAfter(after);
  SmallVector<Type> inputTypes, outputTypes;
  for (Value v : inputs)
    inputTypes.push_back(v.getType());
  for (Value v : outputs)
    outputTypes.push_back(v.getType());
  auto part = func::FuncOp::create(builder, ops.front()->getLoc(), name,
                                   builder.getFunctionType(inputTypes, outputTypes));
  part.setPrivate();
  // One call per part: LLVM inlining the parts back would rebuild the
  // long function this pass exists to avoid.
  part->setAttr("passthrough", builder.getArrayAttr({builder.getStringAttr("noinline")}));
  // A part never writes into what it is given: bufferization copies
  // first. Values a part receives are results of earlier parts, which
  // the caller may read again, and which may share a buffer.
  for (unsigned i = 0; i < inputTypes.size(); ++i)
    if (isa<TensorType>(inputTypes[i]))
      part.setArgAttr(i, "bufferization.writable", builder.getBoolAttr(false));
  Block *entry = part.addEntryBlock();

  // The call goes where the part's first op was.
  builder.setInsertionPoint(ops.front());
  auto call = func::CallOp::create(builder, ops.front()->getLoc(), part, inputs.getArrayRef());

  builder.setInsertionPointToStart(entry);
  IRMapping constantCopies;
  for (auto [i, v] : llvm::enumerate(inputs))
    constantCopies.map(v, entry->getArgument(i));
  for (Operation *c : constants)
    builder.clone(*c, constantCopies);
  for (Operation *op : ops)
    op->moveBefore(entry, entry->end());
  auto insidePart = [&](OpOperand &use) { return part->isProperAncestor(use.getOwner()); };
  for (auto [i, v] : llvm::enumerate(inputs))
    Value(v).replaceUsesWithIf(entry->getArgument(i), insidePart);
  for (Operation *c : constants)
    for (Value r : c->getResults())
      r.replaceUsesWithIf(constantCopies.lookup(r), insidePart);
  for (auto [r, result] : llvm::zip(outputs, call.getResults()))
    r.replaceUsesWithIf(result, [&](OpOperand &use) { return !insidePart(use); });
  builder.setInsertionPointToEnd(entry);
  func::ReturnOp::create(builder, part.getLoc(), outputs);
  return part;
}

struct OutlineGraphPartsPass
    : whittle::impl::OutlineGraphPartsPassBase<OutlineGraphPartsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (maxOps < 1) {
      getOperation().emitError("whittle-outline-graph-parts: max-ops must be at least 1");
      return signalPassFailure();
    }
    SymbolTable symbols(getOperation());
    SmallVector<func::FuncOp> funcs(getOperation().getOps<func::FuncOp>());
    for (func::FuncOp func : funcs) {
      if (func.isExternal() || !llvm::hasSingleElement(func.getBody()))
        continue;
      SmallVector<Operation *> ops;
      for (Operation &op : func.getBody().front().without_terminator())
        if (!isConstant(&op) && !isEmpty(&op))
          ops.push_back(&op);
      if ((int64_t)ops.size() <= maxOps)
        continue;
      // Parts of equal length, none longer than maxOps.
      int64_t parts = ((int64_t)ops.size() + maxOps - 1) / maxOps;
      int64_t length = ((int64_t)ops.size() + parts - 1) / parts;
      Operation *last = func;
      for (int64_t k = 0; k < parts; ++k) {
        auto chunk = ArrayRef<Operation *>(ops).slice(
            k * length, std::min<int64_t>(length, (int64_t)ops.size() - k * length));
        std::string name = (func.getSymName() + "_part" + Twine(k)).str();
        if (symbols.lookup(name)) {
          func.emitError("whittle-outline-graph-parts: symbol '") << name << "' exists";
          return signalPassFailure();
        }
        last = outline(func, last, chunk, name);
      }
      // Constants and empties only the parts read now (latest first: an
      // empty's sizes may be constants).
      for (Operation &op : llvm::make_early_inc_range(llvm::reverse(func.getBody().front())))
        if ((isConstant(&op) || isEmpty(&op)) && op.use_empty())
          op.erase();
    }
  }
};

} // namespace
