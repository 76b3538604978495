//===- CheckLegalized.cpp - fail on leftover onnx ops ---------------------===//
//
// After legalization, any op of the onnx dialect is an operator Whittle
// cannot compile yet. This pass names them all at once, grouped and counted,
// so a user sees the whole gap and not only the first op.
//
//===----------------------------------------------------------------------===//

#include "whittle/Passes/Passes.h"

#include "whittle/Dialect/ONNX/ONNXOps.h"

#include <map>

namespace whittle {
#define GEN_PASS_DEF_WHITTLECHECKLEGALIZEDPASS
#include "whittle/Passes/Passes.h.inc"
} // namespace whittle

using namespace mlir;

namespace {

struct WhittleCheckLegalizedPass
    : whittle::impl::WhittleCheckLegalizedPassBase<WhittleCheckLegalizedPass> {
  using Base::Base;

  void runOnOperation() override {
    std::map<std::string, std::pair<int, Location>> leftovers;
    getOperation()->walk([&](Operation *op) {
      if (!isa<whittle::onnx::ONNXDialect>(op->getDialect()))
        return;
      std::string name = op->getName().stripDialect().str();
      if (auto custom = dyn_cast<whittle::onnx::CustomOp>(op))
        name = (custom.getDomain().empty() ? "" : custom.getDomain().str() + "::") +
               custom.getOpType().str();
      auto it = leftovers.try_emplace(name, 0, op->getLoc()).first;
      ++it->second.first;
    });
    if (leftovers.empty())
      return;
    std::string list;
    for (auto &[name, entry] : leftovers)
      list += (list.empty() ? "" : ", ") + name + " (" +
              std::to_string(entry.first) + ")";
    InFlightDiagnostic diag =
        emitError(getOperation().getLoc())
        << "unsupported ONNX operators: " << list;
    for (auto &[name, entry] : leftovers)
      diag.attachNote(entry.second) << "first " << name << " is here";
    signalPassFailure();
  }
};

} // namespace
