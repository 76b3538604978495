//===- whittle.cpp - the Whittle command-line driver ----------------------===//
//
//   whittle import model.onnx [-o out.mlir] [--input-shape name=1x3x224x224]
//                              [--legalize] [--summary] [--elide-weights]
//
// Every failure is a message on stderr and exit code 1; nothing aborts.
//
//===----------------------------------------------------------------------===//

#include "whittle/Conversion/Passes.h"
#include "whittle/Dialect/ONNX/ONNXOps.h"
#include "whittle/Import/ONNXImporter.h"
#include "whittle/InitAllDialects.h"
#include "whittle/Passes/Passes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <map>

using namespace mlir;
namespace cl = llvm::cl;

namespace {

cl::SubCommand importCmd("import",
                         "Import an ONNX model into the onnx dialect");

cl::opt<std::string> importInput(cl::Positional, cl::desc("<model.onnx>"),
                                 cl::Required, cl::sub(importCmd));
cl::opt<std::string> importOutput("o", cl::desc("Output file (default stdout)"),
                                  cl::value_desc("file"), cl::init("-"),
                                  cl::sub(importCmd));
cl::list<std::string> inputShapes(
    "input-shape",
    cl::desc("Pin a graph input's shape: name=1x3x224x224 (? keeps a dim "
             "dynamic); repeatable"),
    cl::value_desc("name=dims"), cl::sub(importCmd));
cl::opt<bool> legalize("legalize",
                       cl::desc("Legalize to the whittle dialect and warn "
                                "about operators left in onnx"),
                       cl::sub(importCmd));
cl::opt<bool> summary("summary",
                      cl::desc("Print a summary (inputs, outputs, operators, "
                               "parameters) instead of the IR"),
                      cl::sub(importCmd));
cl::opt<bool> elideWeights("elide-weights",
                           cl::desc("Print large weights as elided blobs"),
                           cl::sub(importCmd));

/// Prints diagnostics as "whittle: error: <where>: <message>".
void installDiagnosticPrinter(MLIRContext &ctx) {
  ctx.getDiagEngine().registerHandler([](Diagnostic &diag) {
    auto &os = llvm::errs();
    const char *sev = diag.getSeverity() == DiagnosticSeverity::Error     ? "error"
                      : diag.getSeverity() == DiagnosticSeverity::Warning ? "warning"
                      : diag.getSeverity() == DiagnosticSeverity::Note    ? "note"
                                                                          : "remark";
    auto printLoc = [&](Location loc) {
      if (auto name = dyn_cast<NameLoc>(loc)) {
        if (auto file = dyn_cast<FileLineColLoc>(name.getChildLoc()))
          os << file.getFilename().getValue() << ": ";
        os << "at '" << name.getName().getValue() << "': ";
      } else if (auto file = dyn_cast<FileLineColLoc>(loc)) {
        os << file.getFilename().getValue();
        if (file.getLine())
          os << ":" << file.getLine() << ":" << file.getColumn();
        os << ": ";
      }
    };
    os << "whittle: " << sev << ": ";
    printLoc(diag.getLocation());
    os << diag.str() << "\n";
    for (Diagnostic &note : diag.getNotes()) {
      os << "whittle: note: ";
      printLoc(note.getLocation());
      os << note.str() << "\n";
    }
    return success();
  });
}

std::string typeString(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  t.print(os);
  return s;
}

void printSummary(ModuleOp module, llvm::raw_ostream &os) {
  auto func = *module.getOps<mlir::func::FuncOp>().begin();
  os << "model: " << importInput << "\n";
  if (auto producer = module->getAttrOfType<StringAttr>("onnx.producer"))
    os << "producer: " << producer.getValue() << "\n";
  if (auto opsets = module->getAttrOfType<DictionaryAttr>(
          whittle::onnx::ONNXDialect::getOpsetImportAttrName())) {
    os << "opsets:";
    for (NamedAttribute a : opsets)
      os << " " << a.getName().getValue()
         << "=" << cast<IntegerAttr>(a.getValue()).getInt();
    os << "\n";
  }
  os << "inputs:\n";
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    auto name = func.getArgAttrOfType<StringAttr>(i, "onnx.name");
    os << "  " << (name ? name.getValue() : "?") << " : "
       << typeString(func.getArgument(i).getType()) << "\n";
  }
  os << "outputs:\n";
  for (unsigned i = 0; i < func.getNumResults(); ++i) {
    auto name = func.getResultAttrOfType<StringAttr>(i, "onnx.name");
    os << "  " << (name ? name.getValue() : "?") << " : "
       << typeString(func.getResultTypes()[i]) << "\n";
  }
  std::map<std::string, int> ops;
  int64_t params = 0, bytes = 0, tensors = 0, total = 0;
  module.walk([&](Operation *op) {
    if (isa<mlir::func::FuncOp, mlir::func::ReturnOp, ModuleOp>(op))
      return;
    for (NamedAttribute a : op->getAttrs())
      if (auto e = dyn_cast<ElementsAttr>(a.getValue())) {
        params += e.getNumElements();
        bytes += e.getNumElements() *
                 std::max<int64_t>(1, e.getElementType().getIntOrFloatBitWidth() / 8);
        ++tensors;
      }
    std::string name = op->getName().getStringRef().str();
    if (auto custom = dyn_cast<whittle::onnx::CustomOp>(op))
      name = "onnx.Custom(" +
             (custom.getDomain().empty() ? std::string("ai.onnx")
                                         : custom.getDomain().str()) +
             "::" + custom.getOpType().str() + ")";
    ++ops[name];
    ++total;
  });
  os << "operators: " << total << "\n";
  for (auto &[name, n] : ops)
    os << "  " << name << " " << n << "\n";
  os << "constants: " << tensors << " tensors, " << params << " elements, "
     << llvm::format("%.2f", bytes / 1048576.0) << " MiB\n";
}

int runImport(MLIRContext &ctx) {
  whittle::ImportOptions options;
  for (const std::string &flag : inputShapes) {
    std::string err = whittle::parseInputShapeFlag(flag, options);
    if (!err.empty()) {
      llvm::errs() << "whittle: error: " << err << "\n";
      return 1;
    }
  }
  OwningOpRef<ModuleOp> module =
      whittle::importONNXFile(importInput, &ctx, options);
  if (!module)
    return 1;
  if (legalize) {
    PassManager pm(&ctx);
    whittle::ConvertONNXToWhittlePassOptions opts;
    opts.reportUnlegalized = true;
    pm.addPass(whittle::createConvertONNXToWhittlePass(opts));
    if (failed(pm.run(*module)))
      return 1;
  }
  std::string err;
  auto out = openOutputFile(importOutput, &err);
  if (!out) {
    llvm::errs() << "whittle: error: " << err << "\n";
    return 1;
  }
  if (summary) {
    printSummary(*module, out->os());
  } else {
    OpPrintingFlags flags;
    if (elideWeights)
      flags.elideLargeElementsAttrs(16).elideLargeResourceString(64);
    module->print(out->os(), flags);
  }
  out->keep();
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(
      argc, argv,
      "Whittle: an ahead-of-time compiler that makes ONNX models small and "
      "fast\n\n  whittle import model.onnx [-o out.mlir] [--summary]\n");
  DialectRegistry registry;
  whittle::registerAllDialects(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  ctx.printOpOnDiagnostic(false);
  installDiagnosticPrinter(ctx);
  if (importCmd)
    return runImport(ctx);
  llvm::errs() << "whittle: error: no command given; try 'whittle --help'\n";
  return 1;
}
