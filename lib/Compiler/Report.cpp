//===- Report.cpp - what the graph optimizer did, for --report ------------===//

#include "Report.h"

#include "whittle/Dialect/ONNX/ONNXOps.h"
#include "whittle/Dialect/Whittle/WhittleConstants.h"
#include "whittle/Dialect/Whittle/WhittleOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Format.h"

#include <set>

using namespace mlir;

namespace whittle {

namespace {

/// The kind an op is counted under: its name, the function of elementwise
/// and reduction ops, and what a conv or matmul has fused.
std::string kindOf(Operation *op) {
  std::string kind = op->getName().getStringRef().str();
  auto fused = [&](Value bias, Value residual, wt::EpilogueAttr epilogue) {
    if (bias)
      kind += " +bias";
    if (residual)
      kind += " +residual";
    if (epilogue)
      kind += " +" + wt::stringifyUnaryFn(epilogue.getFn()).str();
  };
  if (auto u = dyn_cast<wt::UnaryOp>(op))
    kind += " " + wt::stringifyUnaryFn(u.getFn()).str();
  else if (auto b = dyn_cast<wt::BinaryOp>(op))
    kind += " " + wt::stringifyBinaryFn(b.getFn()).str();
  else if (auto r = dyn_cast<wt::ReduceOp>(op))
    kind += " " + wt::stringifyReduceFn(r.getFn()).str();
  else if (auto c = dyn_cast<wt::ConvOp>(op)) {
    fused(c.getBias(), c.getResidual(), c.getEpilogueAttr());
    if (c.getChannelsLast())
      kind += " (channels-last)";
  }
  else if (auto m = dyn_cast<wt::MatmulOp>(op))
    fused(m.getBias(), m.getResidual(), m.getEpilogueAttr());
  return kind;
}

} // namespace

GraphCensus takeCensus(ModuleOp module) {
  GraphCensus census;
  module.walk([&](Operation *op) {
    if (isa<ModuleOp, func::FuncOp, func::ReturnOp>(op))
      return;
    ElementsAttr value;
    if (auto c = dyn_cast<wt::ConstantOp>(op))
      value = c.getValue();
    else if (auto c = dyn_cast<onnx::ConstantOp>(op))
      value = dyn_cast_or_null<ElementsAttr>(c->getAttr("value"));
    if (value) {
      ++census.constants;
      census.constantBytes += wt::elementsBytes(value);
      return;
    }
    ++census.ops[kindOf(op)];
    ++census.totalOps;
  });
  return census;
}

void printReport(llvm::raw_ostream &os, const OptimizationReport &r) {
  os << "== optimization report: " << r.model << " (-O" << r.optLevel << ")\n\n";
  os << "ops by kind (constants counted apart)\n";
  std::set<std::string> kinds;
  for (const GraphCensus *c : {&r.imported, &r.legalized, &r.optimized})
    for (auto &[k, n] : c->ops)
      kinds.insert(k);
  size_t width = 24;
  for (const std::string &k : kinds)
    width = std::max(width, k.size() + 2);
  auto cell = [&](const GraphCensus &c, const std::string &k) {
    auto it = c.ops.find(k);
    return it == c.ops.end() ? std::string("-") : std::to_string(it->second);
  };
  os << "  " << llvm::left_justify("kind", width) << llvm::right_justify("imported", 10)
     << llvm::right_justify("legalized", 11) << llvm::right_justify("optimized", 11) << "\n";
  for (const std::string &k : kinds)
    os << "  " << llvm::left_justify(k, width) << llvm::right_justify(cell(r.imported, k), 10)
       << llvm::right_justify(cell(r.legalized, k), 11)
       << llvm::right_justify(cell(r.optimized, k), 11) << "\n";
  os << "  " << llvm::left_justify("total ops", width)
     << llvm::right_justify(std::to_string(r.imported.totalOps), 10)
     << llvm::right_justify(std::to_string(r.legalized.totalOps), 11)
     << llvm::right_justify(std::to_string(r.optimized.totalOps), 11) << "\n";
  auto mb = [](int64_t bytes) { return llvm::format("%.2f MB", bytes / 1e6); };
  os << "\nconstants\n";
  os << "  imported:  " << r.imported.constants << " tensors, " << mb(r.imported.constantBytes)
     << "\n";
  os << "  legalized: " << r.legalized.constants << " tensors, " << mb(r.legalized.constantBytes)
     << "\n";
  os << "  optimized: " << r.optimized.constants << " tensors, " << mb(r.optimized.constantBytes)
     << "\n";
  os << "\nrewrites by pass\n";
  if (r.rewrites.empty())
    os << "  (none)\n";
  for (const RewriteCount &c : r.rewrites)
    os << "  " << llvm::left_justify(c.pass, 36) << llvm::left_justify(c.what, 34)
       << llvm::right_justify(std::to_string(c.count), 6) << "\n";
  if (r.genericsBefore >= 0)
    os << "\nelementwise fusion (whittle-fuse-elementwise): " << r.genericsBefore
       << " loop nests -> " << r.genericsAfter << "\n";
  os << "\n";
}

} // namespace whittle
