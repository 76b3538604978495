//===- ONNXToWhittle.cpp - the convert-onnx-to-whittle pass ---------------===//
//
// Builds the handler table, wraps each table entry in a RewritePattern for
// its op name, and applies them greedily. Types do not change across this
// legalization (both dialects use builtin tensors), so a handler replaces an
// onnx op by whittle ops producing exactly the onnx op's result types.
//
//===----------------------------------------------------------------------===//

#include "whittle/Conversion/Passes.h"

#include "LegalizationTable.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <map>

namespace whittle {
#define GEN_PASS_DEF_CONVERTONNXTOWHITTLEPASS
#include "whittle/Conversion/Passes.h.inc"
} // namespace whittle

using namespace mlir;
using namespace whittle;
using namespace whittle::conversion;

namespace {

/// Dispatches one onnx op name to the table's handler for the model opset.
class TableLegalization : public RewritePattern {
public:
  TableLegalization(StringRef opName, MLIRContext *ctx,
                    const LegalizationTable &table, int64_t opset)
      : RewritePattern(opName, /*benefit=*/1, ctx), table(table), opset(opset) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    const Handler *handler = table.lookup(op, opset);
    if (!handler)
      return rewriter.notifyMatchFailure(op, "no handler at this opset");
    // An attribute the dialect's form of the op does not define (one a newer
    // opset added, say) could change its meaning: leave such ops alone.
    if (!isa<onnx::CustomOp>(op))
      for (NamedAttribute attr : op->getDiscardableAttrs())
        return rewriter.notifyMatchFailure(
            op, "attribute '" + attr.getName().str() + "' is not understood");
    return (*handler)(op, rewriter);
  }

private:
  const LegalizationTable &table;
  int64_t opset;
};

/// The model's default-domain opset, from the importer's module attribute.
int64_t moduleOpset(ModuleOp module) {
  auto opsets = module->getAttrOfType<DictionaryAttr>(
      onnx::ONNXDialect::getOpsetImportAttrName());
  if (opsets)
    if (auto v = opsets.getAs<IntegerAttr>("ai.onnx"))
      return v.getInt();
  return 17; // hand-written IR without the attribute: newest known form
}

struct ConvertONNXToWhittlePass
    : whittle::impl::ConvertONNXToWhittlePassBase<ConvertONNXToWhittlePass> {
  using Base::Base;

  LogicalResult initialize(MLIRContext *ctx) override {
    table = LegalizationTable();
    populateElementwiseLegalizations(table);
    populateNeuralNetLegalizations(table);
    populateDataMovementLegalizations(table);
    populateControlFlowLegalizations(table);
    populateQuantizationLegalizations(table);
    populateIndexingLegalizations(table);
    populateLossLegalizations(table);
    populateGeneratorLegalizations(table);
    populateRearrangeLegalizations(table);
    populateNormalizationLegalizations(table);
    populateQuantArithmeticLegalizations(table);
    populateSelectionLegalizations(table);
    populateTextLegalizations(table);
    populateSpectralLegalizations(table);
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    int64_t opset = moduleOpset(module);
    // Sequences of a compile-time structure become plain tensors first.
    for (auto func : module.getOps<func::FuncOp>())
      resolveStaticSequences(func);
    RewritePatternSet patterns(ctx);
    for (StringRef name : table.opNames())
      patterns.add<TableLegalization>(name, ctx, table, opset);
    // Each iteration legalizes every op it reaches, new ones included: a
    // model converges in a few. A bound turns a pattern that keeps
    // changing the IR (one once created ops and then failed, on a fuzzed
    // TopK) into the error below instead of a hang.
    GreedyRewriteConfig config;
    config.setMaxIterations(64);
    if (failed(applyPatternsGreedily(module, std::move(patterns), config))) {
      module.emitError("onnx-to-whittle legalization did not converge");
      return signalPassFailure();
    }
    if (!reportUnlegalized)
      return;
    std::map<std::string, std::pair<int, Operation *>> left;
    module.walk([&](Operation *op) {
      if (isa<onnx::ONNXDialect>(op->getDialect()) &&
          !isa<onnx::YieldOp, onnx::NoValueOp>(op)) {
        std::string name = op->getName().stripDialect().str();
        if (auto custom = dyn_cast<onnx::CustomOp>(op))
          name = (custom.getDomain().empty() ? "" : custom.getDomain().str() + "::") +
                 custom.getOpType().str();
        auto &e = left[name];
        if (!e.first++)
          e.second = op;
      }
    });
    for (auto &[name, entry] : left)
      entry.second->emitWarning()
          << "not legalized to whittle: " << name << " (" << entry.first
          << (entry.first == 1 ? " op)" : " ops)");
  }

  LegalizationTable table;
};

} // namespace
