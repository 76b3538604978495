//===- whittle.cpp - the Whittle command-line driver ----------------------===//
//
//   whittle import model.onnx [-o out.mlir] [--input-shape name=1x3x224x224]
//                              [--legalize] [--summary] [--elide-weights]
//
// Every failure is a message on stderr and exit code 1; nothing aborts.
//
//===----------------------------------------------------------------------===//

#include "ModelHandle.h"

#include "whittle/Compiler/Compiler.h"
#include "whittle/Conversion/Passes.h"
#include "whittle/Import/TensorIO.h"
#include "whittle/runtime.h"
#include "whittle/Dialect/ONNX/ONNXOps.h"
#include "whittle/Import/ONNXImporter.h"
#include "whittle/InitAllDialects.h"
#include "whittle/InitAllPasses.h"
#include "whittle/Passes/Passes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <random>

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

//===----------------------------------------------------------------------===//
// compile / run / bench / targets
//===----------------------------------------------------------------------===//

cl::SubCommand compileCmd("compile", "Compile an ONNX model to a shared library");
cl::opt<std::string> compileInput(cl::Positional, cl::desc("<model.onnx>"),
                                  cl::Required, cl::sub(compileCmd));
cl::opt<std::string> compileOutput("o", cl::desc("Output file"),
                                   cl::value_desc("file"), cl::Required,
                                   cl::sub(compileCmd));
cl::opt<std::string> targetName("target", cl::desc("Target (see 'whittle targets')"),
                                cl::init("host"), cl::sub(compileCmd));
cl::list<std::string> compileShapes(
    "input-shape", cl::desc("Pin a graph input's shape: name=1x3x224x224"),
    cl::value_desc("name=dims"), cl::sub(compileCmd));
enum OptLevel { O0, O1, O2, O3 };
cl::opt<OptLevel> optLevel(
    cl::desc("Optimization level"), cl::init(O2),
    cl::values(clEnumVal(O0, "no graph optimization"), clEnumVal(O1, "cleanup passes"),
               clEnumVal(O2, "default: every pass that keeps numerics"), clEnumVal(O3, "as -O2 (reserved)")),
    cl::sub(compileCmd));
cl::opt<whittle::EmitKind> emitKind(
    "emit", cl::desc("What to write"), cl::init(whittle::EmitKind::So),
    cl::values(clEnumValN(whittle::EmitKind::Mlir, "mlir", "whittle-dialect IR"),
               clEnumValN(whittle::EmitKind::Linalg, "linalg", "IR lowered to linalg"),
               clEnumValN(whittle::EmitKind::Llvm, "llvm", "optimized LLVM IR"),
               clEnumValN(whittle::EmitKind::Asm, "asm", "assembly"),
               clEnumValN(whittle::EmitKind::Obj, "obj", "object file"),
               clEnumValN(whittle::EmitKind::So, "so", "shared library (default)")),
    cl::sub(compileCmd));

enum class Accumulate { F32, F64 };
cl::opt<Accumulate> accumulate(
    "accumulate",
    cl::desc("Accumulator of f32 convolutions and matmuls (default f32)"),
    cl::values(clEnumValN(Accumulate::F32, "f32", "f32 with fused multiply-adds (fastest)"),
               clEnumValN(Accumulate::F64, "f64",
                          "f64, rounded once: long reductions lose nothing to the "
                          "summation order (half-width vectors)")),
    cl::init(Accumulate::F32), cl::sub(compileCmd));
cl::opt<unsigned> winograd(
    "winograd",
    cl::desc("Largest output tile m of Winograd F(m x m, 3 x 3) for the 3x3 stride-1 convs "
             "that qualify, at -O2 and up: 4 (default; F(2x2, 3x3) where 4x4 tiles fit the "
             "output badly), 2, or 0 (direct convolution only)"),
    cl::init(4), cl::sub(compileCmd));
cl::opt<int64_t> maxPartOps(
    "max-part-ops",
    cl::desc("Longest graph function compiled whole, in ops after the lowering to linalg: "
             "a longer one is cut into called parts of at most this many (keeps compile "
             "time linear in the graph's size; default 2048)"),
    cl::init(2048), cl::sub(compileCmd), cl::Hidden);
cl::opt<std::string> emitHeader(
    "emit-header",
    cl::desc("Also write a C header describing the model's inputs and outputs "
             "(default path: the output with .h)"),
    cl::value_desc("file"), cl::ValueOptional, cl::sub(compileCmd));
cl::opt<bool> compileReport(
    "report",
    cl::desc("Print what the graph optimizer did: ops by kind before and after, rewrites "
             "per pass, constant bytes"),
    cl::sub(compileCmd));
cl::opt<std::string> graphPasses(
    "graph-passes",
    cl::desc("Run this pass pipeline on the whittle graph instead of the -O level's "
             "(e.g. 'func.func(whittle-fold-batch-norm)'; empty: none)"),
    cl::value_desc("pipeline"), cl::sub(compileCmd));

cl::SubCommand runCmd("run", "Run a compiled model, optionally against reference outputs");
cl::SubCommand benchCmd("bench", "Time a compiled model (random inputs, or --input-dir)");
cl::opt<std::string> runModel(cl::Positional, cl::desc("<model.so>"), cl::Required,
                              cl::sub(runCmd));
cl::opt<std::string> inputDir("input-dir",
                              cl::desc("Directory with input_N.pb (run: and output_N.pb "
                                       "to compare against)"),
                              cl::sub(runCmd), cl::sub(benchCmd));
cl::opt<std::string> outputDir("output-dir", cl::desc("Write output_N.pb here"),
                               cl::sub(runCmd));
cl::opt<double> rtol("rtol", cl::desc("Relative tolerance (default 1e-3)"),
                     cl::init(1e-3), cl::sub(runCmd));
cl::opt<double> atol("atol", cl::desc("Absolute tolerance (default 1e-4)"),
                     cl::init(1e-4), cl::sub(runCmd));
cl::opt<std::string> runRunner(
    "runner",
    cl::desc("Command prefix that runs a model built for another CPU (default: "
             "the target's, 'qemu-aarch64 -L /usr/aarch64-linux-gnu -cpu max')"),
    cl::sub(runCmd));

cl::opt<std::string> benchModel(cl::Positional, cl::desc("<model.so>"),
                                cl::Required, cl::sub(benchCmd));
cl::opt<unsigned> iters("iters", cl::desc("Timed runs (default 50)"), cl::init(50),
                        cl::sub(benchCmd));
cl::opt<unsigned> warmup("warmup", cl::desc("Untimed runs first (default 5)"),
                         cl::init(5), cl::sub(benchCmd));
cl::opt<unsigned> threads("threads",
                          cl::desc("Threads for the model's parallel loops (default 0: "
                                   "every core)"),
                          cl::init(0), cl::sub(benchCmd), cl::sub(runCmd));
cl::list<std::string> runShapes(
    "input-shape",
    cl::desc("Dims of a dynamic input for random inputs: name=1x3x224x224 "
             "(default: 1 for every dynamic dim); repeatable"),
    cl::value_desc("name=dims"), cl::sub(runCmd), cl::sub(benchCmd));
cl::opt<std::string> benchRunner(
    "runner", cl::desc("Command prefix that runs a model built for another CPU"),
    cl::sub(benchCmd));

cl::SubCommand targetsCmd("targets", "List the targets");

/// Prints diagnostics as "whittle: error: <where>: <message>".
/// Errors printed so far: a command that printed one fails, whatever it
/// returned (`import --legalize` once printed a pattern's error and
/// exited 0).
int errorsPrinted = 0;

void installDiagnosticPrinter(MLIRContext &ctx) {
  ctx.getDiagEngine().registerHandler([](Diagnostic &diag) {
    auto &os = llvm::errs();
    if (diag.getSeverity() == DiagnosticSeverity::Error)
      ++errorsPrinted;
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

int fail(const std::string &msg) {
  llvm::errs() << "whittle: error: " << msg << "\n";
  return 1;
}

int runCompile(MLIRContext &ctx) {
  whittle::ImportOptions importOptions;
  for (const std::string &flag : compileShapes) {
    std::string err = whittle::parseInputShapeFlag(flag, importOptions);
    if (!err.empty())
      return fail(err);
  }
  whittle::CompileOptions options;
  options.target = whittle::lookupTarget(targetName);
  if (!options.target) {
    std::string names;
    for (const whittle::Target *t : whittle::allTargets())
      names += " " + t->name().str();
    return fail("unknown target '" + targetName + "' (targets: host" + names + ")");
  }
  options.optLevel = (unsigned)optLevel.getValue();
  options.wideAccumulation = accumulate == Accumulate::F64;
  if (winograd != 0 && winograd != 2 && winograd != 4)
    return fail("--winograd must be 0, 2 or 4");
  options.winogradTile = winograd;
  if (maxPartOps < 1)
    return fail("--max-part-ops must be at least 1");
  options.maxPartOps = maxPartOps;
  options.emit = emitKind;
  if (graphPasses.getNumOccurrences())
    options.graphPasses = graphPasses;
  if (compileReport) {
    options.report = &llvm::outs();
    options.modelName = compileInput;
  }
  if (emitHeader.getNumOccurrences()) {
    options.headerPath = emitHeader;
    if (options.headerPath.empty()) {
      llvm::SmallString<256> h(compileOutput.getValue());
      llvm::sys::path::replace_extension(h, "h");
      options.headerPath = std::string(h);
    }
  }
  OwningOpRef<ModuleOp> module =
      whittle::importONNXFile(compileInput, &ctx, importOptions);
  if (!module)
    return 1;
  if (failed(whittle::compileModule(*module, options, compileOutput)))
    return 1;
  return 0;
}

/// Deterministic inputs for runs without an input directory.
/// The ONNX backend-test data stores bfloat16 tensors as uint16 (numpy has
/// no bfloat16): where the model wants bfloat16, such a file holds its bits.
void adoptBfloat16Bits(whittle::TensorData &t, int wanted) {
  if (wanted == WHITTLE_BFLOAT16 && t.dtype == WHITTLE_UINT16)
    t.dtype = WHITTLE_BFLOAT16;
}

void randomFill(std::vector<char> &bytes, int dtype, std::mt19937 &rng) {
  std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
  size_t size = whittle_dtype_size(dtype), n = bytes.size() / std::max<size_t>(size, 1);
  for (size_t i = 0; i < n; ++i) {
    if (dtype == WHITTLE_FLOAT32) {
      float v = uni(rng);
      memcpy(bytes.data() + i * 4, &v, 4);
    } else if (dtype == WHITTLE_FLOAT64) {
      double v = uni(rng);
      memcpy(bytes.data() + i * 8, &v, 8);
    } else {
      // Integers are 0 or 1: valid ids, masks and token types for any
      // table of two or more rows (generated code refuses indices outside
      // their axis, so wider random ids would end most runs).
      for (size_t b = 0; b < size; ++b)
        bytes[i * size + b] = b == 0 ? (char)(rng() % 2) : 0;
    }
  }
}

double elementAsDouble(const char *p, int dtype) {
  switch (dtype) {
  case WHITTLE_FLOAT32: { float v; memcpy(&v, p, 4); return v; }
  case WHITTLE_FLOAT64: { double v; memcpy(&v, p, 8); return v; }
  case WHITTLE_INT64: { int64_t v; memcpy(&v, p, 8); return (double)v; }
  case WHITTLE_INT32: { int32_t v; memcpy(&v, p, 4); return v; }
  case WHITTLE_INT8: return (int8_t)*p;
  case WHITTLE_UINT8: case WHITTLE_BOOL: return (uint8_t)*p;
  case WHITTLE_INT16: { int16_t v; memcpy(&v, p, 2); return v; }
  case WHITTLE_UINT16: { uint16_t v; memcpy(&v, p, 2); return v; }
  case WHITTLE_UINT32: { uint32_t v; memcpy(&v, p, 4); return v; }
  case WHITTLE_UINT64: { uint64_t v; memcpy(&v, p, 8); return (double)v; }
  case WHITTLE_BFLOAT16: {
    uint16_t h;
    memcpy(&h, p, 2);
    uint32_t bits = (uint32_t)h << 16;
    float v;
    memcpy(&v, &bits, 4);
    return v;
  }
  case WHITTLE_FLOAT16: {
    uint16_t h;
    memcpy(&h, p, 2);
    int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    double v = exp == 0    ? std::ldexp(mant, -24)
               : exp == 31 ? (mant ? NAN : INFINITY)
                           : std::ldexp(mant + 1024, exp - 25);
    return (h & 0x8000) ? -v : v;
  }
  default: return NAN; // an element type this tool cannot read never matches
  }
}

/// Opens a model for run/bench: in-process, or under its runner when it
/// is for another CPU.
std::unique_ptr<whittle::ModelHandle> openModel(const std::string &path,
                                                const std::string &runner) {
  std::string err;
  auto m = whittle::ModelHandle::open(path, runner, err);
  if (!m)
    fail(err);
  return m;
}

/// The dims of random inputs: the model's, dynamic ones from
/// --input-shape (1 when not given). False after printing an error.
bool randomInputDims(const whittle::ModelHandle &m,
                     std::vector<std::vector<int64_t>> &dims) {
  whittle::ImportOptions given;
  for (const std::string &flag : runShapes) {
    std::string err = whittle::parseInputShapeFlag(flag, given);
    if (!err.empty()) {
      fail(err);
      return false;
    }
  }
  for (const whittle::TensorMeta &t : m.inputs()) {
    dims.push_back(t.dims);
    auto it = given.inputShapes.find(t.name);
    if (it != given.inputShapes.end()) {
      std::vector<int64_t> want(it->second.begin(), it->second.end());
      std::string err;
      if (!m.checkInput((int)(dims.size() - 1), t.dtype, want, err) ||
          llvm::is_contained(want, -1)) {
        fail("--input-shape " + t.name + ": " + (err.empty() ? "give every dim" : err));
        return false;
      }
      dims.back() = want;
    }
    for (int64_t &d : dims.back())
      if (d < 0)
        d = 1;
  }
  for (const auto &entry : given.inputShapes) {
    llvm::StringRef name = entry.getKey();
    if (llvm::none_of(m.inputs(), [&](const whittle::TensorMeta &t) { return t.name == name; })) {
      fail("--input-shape: the model has no input '" + name.str() + "'");
      return false;
    }
  }
  return true;
}

/// Buffers of random values for every input, of `dims`.
std::vector<std::vector<char>> randomInputs(const whittle::ModelHandle &m,
                                            const std::vector<std::vector<int64_t>> &dims) {
  std::mt19937 rng(1234);
  std::vector<std::vector<char>> ins;
  for (size_t i = 0; i < m.inputs().size(); ++i) {
    whittle::TensorMeta t = m.inputs()[i];
    t.numElements = 1;
    for (int64_t d : dims[i])
      t.numElements *= d;
    if (t.dtype == WHITTLE_STRING) {
      // Short lowercase words, each NUL-terminated.
      ins.emplace_back();
      for (int64_t k = 0; k < t.numElements; ++k) {
        for (int c = 0, len = 1 + (int)(rng() % 8); c < len; ++c)
          ins.back().push_back((char)('a' + rng() % 26));
        ins.back().push_back('\0');
      }
      continue;
    }
    ins.emplace_back(t.bufferBytes());
    randomFill(ins.back(), t.dtype, rng);
  }
  return ins;
}

/// The inputs of a run: `--input-dir`'s input_N.pb, or random ones (dims
/// from --input-shape). False after printing the error.
bool loadInputs(const whittle::ModelHandle &m, std::vector<std::vector<char>> &ins,
                std::vector<std::vector<int64_t>> &inDims) {
  if (inputDir.empty()) {
    if (!randomInputDims(m, inDims))
      return false;
    // Sizes from the model or --input-shape: each must fit this machine.
    for (size_t i = 0; i < m.inputs().size(); ++i) {
      whittle::TensorMeta t = m.inputs()[i];
      std::string err;
      if (!m.checkInput((int)i, t.dtype, inDims[i], err))
        return fail(err), false;
      uint64_t bytes = std::max<size_t>(1, whittle_dtype_size(t.dtype));
      for (int64_t d : inDims[i])
        bytes *= (uint64_t)d;
      if (!whittle::fitsInMemory(bytes, "input '" + t.name + "'", err))
        return fail(err), false;
    }
    ins = randomInputs(m, inDims);
    return true;
  }
  for (size_t i = 0; i < m.inputs().size(); ++i) {
    llvm::SmallString<256> path(inputDir);
    llvm::sys::path::append(path, "input_" + std::to_string(i) + ".pb");
    whittle::TensorData t;
    std::string err;
    if (!whittle::readTensorFile(std::string(path), t, err))
      return fail(err), false;
    adoptBfloat16Bits(t, m.inputs()[i].dtype);
    if (!m.checkInput((int)i, t.dtype, t.dims, err))
      return fail(std::string(path) + ": " + err), false;
    inDims.push_back(t.dims);
    ins.push_back(std::move(t.bytes));
    if (ins.back().empty())
      ins.back().resize(1); // an empty tensor still needs a non-null buffer
  }
  return true;
}

int runRun() {
  auto m = openModel(runModel, runRunner);
  if (!m)
    return 1;
  size_t nIn = m->inputs().size(), nOut = m->outputs().size();
  std::vector<std::vector<char>> ins, outs;
  std::vector<std::vector<int64_t>> inDims, outDims;
  if (!loadInputs(*m, ins, inDims))
    return 1;
  std::vector<double> noTimes;
  std::string err;
  m->setThreads((int)threads.getValue());
  if (!m->run(ins, inDims, outs, outDims, 0, 0, noTimes, err))
    return fail(err);

  bool allMatch = true, compared = false;
  for (size_t i = 0; i < nOut; ++i) {
    // The output as this run made it (dynamic dims resolved).
    whittle::TensorMeta info = m->outputs()[i];
    info.dims = outDims[i];
    info.numElements = 1;
    for (int64_t d : info.dims)
      info.numElements *= d;
    size_t size = whittle_dtype_size(info.dtype);
    if (!outputDir.empty()) {
      llvm::sys::fs::create_directories(outputDir);
      llvm::SmallString<256> path(outputDir);
      llvm::sys::path::append(path, "output_" + std::to_string(i) + ".pb");
      whittle::TensorData t;
      t.name = info.name;
      t.dtype = info.dtype;
      t.dims = info.dims;
      t.bytes = outs[i];
      if (info.dtype != WHITTLE_STRING)
        t.bytes.resize(info.numElements * size);
      if (!whittle::writeTensorFile(std::string(path), t, err))
        return fail(err);
    }
    if (inputDir.empty())
      continue;
    llvm::SmallString<256> path(inputDir);
    llvm::sys::path::append(path, "output_" + std::to_string(i) + ".pb");
    if (!llvm::sys::fs::exists(path))
      continue;
    whittle::TensorData ref;
    if (!whittle::readTensorFile(std::string(path), ref, err))
      return fail(err);
    compared = true;
    adoptBfloat16Bits(ref, info.dtype);
    int64_t n = info.numElements;
    if (info.dtype == WHITTLE_STRING && ref.dtype == info.dtype) {
      // Strings match exactly.
      std::vector<std::string> got = whittle::splitStrings(outs[i]),
                               want = whittle::splitStrings(ref.bytes);
      int64_t bad = 0;
      for (int64_t k = 0; k < n; ++k)
        bad += k >= (int64_t)got.size() || k >= (int64_t)want.size() || got[k] != want[k];
      llvm::outs() << llvm::format("output %d (%s): %lld/%lld strings differ\n", (int)i,
                                   info.name.c_str(), (long long)bad, (long long)n);
      allMatch &= bad == 0 && (int64_t)want.size() == n;
      continue;
    }
    if (ref.dtype != info.dtype || (int64_t)(ref.bytes.size() / whittle_dtype_size(ref.dtype)) != n ||
        (llvm::is_contained(m->outputs()[i].dims, -1) && ref.dims != info.dims)) {
      llvm::outs() << "output " << i << " (" << info.name
                   << "): reference has another type or shape\n";
      allMatch = false;
      continue;
    }
    double maxAbs = 0, maxRel = 0;
    int64_t bad = 0;
    for (int64_t k = 0; k < n; ++k) {
      double a = elementAsDouble(outs[i].data() + k * size, info.dtype);
      double b = elementAsDouble(ref.bytes.data() + k * size, info.dtype);
      double diff = std::fabs(a - b);
      if (std::isnan(a) != std::isnan(b))
        diff = INFINITY;
      else if (std::isnan(a))
        diff = 0;
      maxAbs = std::max(maxAbs, diff);
      if (b != 0)
        maxRel = std::max(maxRel, diff / std::fabs(b));
      if (diff > atol + rtol * std::fabs(b))
        ++bad;
    }
    llvm::outs() << llvm::format("output %d (%s): max abs err %.3g, max rel err %.3g, %lld/%lld outside tolerance\n",
                                 (int)i, info.name.c_str(), maxAbs, maxRel,
                                 (long long)bad, (long long)n);
    allMatch &= bad == 0;
  }
  if (!compared) {
    llvm::outs() << "ran " << runModel << " (" << nIn << " inputs, " << nOut
                 << " outputs); no reference outputs to compare\n";
    return 0;
  }
  llvm::outs() << (allMatch ? "PASS" : "FAIL") << " (rtol " << rtol << ", atol "
               << atol << ")\n";
  return allMatch ? 0 : 1;
}

int runBench() {
  auto m = openModel(benchModel, benchRunner);
  if (!m)
    return 1;
  std::vector<std::vector<int64_t>> inDims, outDims;
  std::vector<std::vector<char>> ins, outs;
  if (!loadInputs(*m, ins, inDims))
    return 1;
  std::vector<double> ms;
  std::string err;
  m->setThreads((int)threads.getValue());
  if (!m->run(ins, inDims, outs, outDims, warmup, std::max(1u, iters.getValue()), ms, err))
    return fail(err);
  if (ms.empty())
    return fail("no timings came back from " + m->where());
  std::sort(ms.begin(), ms.end());
  double median = ms[ms.size() / 2], p90 = ms[std::min(ms.size() - 1, ms.size() * 9 / 10)];
  std::string threadText =
      threads.getValue() ? std::to_string(threads.getValue()) : std::string("all cores");
  llvm::outs() << llvm::format("%s: %u runs, threads %s, median %.3f ms, p90 %.3f ms, min %.3f ms\n",
                               benchModel.c_str(), (unsigned)ms.size(), threadText.c_str(),
                               median, p90, ms.front());
  return 0;
}

int runTargets() {
  const whittle::Target *host = whittle::lookupTarget("host");
  for (const whittle::Target *t : whittle::allTargets())
    llvm::outs() << llvm::format("  %-14s %-28s %s%s\n", t->name().str().c_str(),
                                 t->triple().c_str(), t->description().str().c_str(),
                                 t == host ? "  [host]" : "");
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  // --mlir-print-ir-after-all and friends, to read the IR between stages.
  mlir::registerPassManagerCLOptions();
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerDefaultTimingManagerCLOptions();
  cl::ParseCommandLineOptions(
      argc, argv,
      "Whittle: an ahead-of-time compiler that makes ONNX models small and "
      "fast\n\n"
      "  whittle import  model.onnx [-o out.mlir] [--summary] [--legalize]\n"
      "  whittle compile model.onnx --target T -o model.so [-O0..-O3]\n"
      "  whittle run     model.so [--input-dir DIR] [--rtol R] [--atol A]\n"
      "  whittle bench   model.so [--iters N]\n"
      "  whittle targets\n");
  whittle::registerAllPasses();
  DialectRegistry registry;
  whittle::registerAllDialects(registry);
  MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  ctx.printOpOnDiagnostic(false);
  installDiagnosticPrinter(ctx);
  if (importCmd)
    return std::max(runImport(ctx), errorsPrinted ? 1 : 0);
  if (compileCmd)
    return std::max(runCompile(ctx), errorsPrinted ? 1 : 0);
  if (runCmd)
    return runRun();
  if (benchCmd)
    return runBench();
  if (targetsCmd)
    return runTargets();
  llvm::errs() << "whittle: error: no command given; try 'whittle --help'\n";
  return 1;
}
