//===- ModelHandle.cpp - a compiled model, here or under an emulator ------===//

#include "ModelHandle.h"

#include "whittle/Target/Target.h"
#include "whittle/runtime.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <unistd.h>

namespace whittle {

size_t TensorMeta::bufferBytes() const {
  size_t n = numElements > 0 ? (size_t)numElements * whittle_dtype_size(dtype) : 0;
  return n ? n : 1;
}

ModelHandle::~ModelHandle() = default;

bool ModelHandle::isDynamic() const {
  for (const auto *list : {&ins, &outs})
    for (const TensorMeta &t : *list)
      for (int64_t d : t.dims)
        if (d < 0)
          return true;
  return false;
}

bool fitsInMemory(uint64_t bytes, const std::string &what, std::string &error) {
  long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || pageSize <= 0 || bytes / (uint64_t)pageSize < (uint64_t)pages)
    return true;
  error = what + " needs " + std::to_string(bytes) + " bytes, more than this machine's " +
          std::to_string((uint64_t)pages * (uint64_t)pageSize) + " bytes of memory";
  return false;
}

/// Elements of a tensor of `dims`.
static int64_t countOf(const std::vector<int64_t> &dims) {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

bool ModelHandle::checkInput(int i, int dtype, const std::vector<int64_t> &dims,
                             std::string &error) const {
  // The same checks and words as whittle_model_check_input.
  const TensorMeta &t = ins[i];
  std::string head = "input " + std::to_string(i) + " ('" + t.name + "'): ";
  if (dtype != t.dtype) {
    error = head + "element type " + std::to_string(dtype) + ", the model wants " +
            std::to_string(t.dtype);
    return false;
  }
  if (dims.size() != t.dims.size()) {
    error = head + "rank " + std::to_string(dims.size()) + ", the model wants " +
            std::to_string(t.dims.size());
    return false;
  }
  for (size_t d = 0; d < dims.size(); ++d)
    if (t.dims[d] >= 0 && dims[d] != t.dims[d]) {
      error = head + "dimension " + std::to_string(d) + " is " + std::to_string(dims[d]) +
              ", the model wants " + std::to_string(t.dims[d]);
      return false;
    }
  uint64_t bytes = std::max<size_t>(1, whittle_dtype_size(dtype));
  for (size_t d = 0; d < dims.size(); ++d) {
    if (dims[d] < 0) {
      error = head + "dimension " + std::to_string(d) + " is " + std::to_string(dims[d]) +
              ", the model wants a size >= 0";
      return false;
    }
    if (dims[d] && bytes > (uint64_t)PTRDIFF_MAX / (uint64_t)dims[d]) {
      error = head + "its dims hold more than " + std::to_string(PTRDIFF_MAX) + " bytes";
      return false;
    }
    bytes *= std::max<int64_t>(1, dims[d]);
  }
  return true;
}

namespace {

TensorMeta metaOf(const whittle_tensor_info *info) {
  TensorMeta m;
  m.name = info->name;
  m.dtype = info->dtype;
  m.dims.assign(info->dims, info->dims + info->rank);
  m.numElements = info->num_elements;
  return m;
}

//===----------------------------------------------------------------------===//
// In-process: the C runtime
//===----------------------------------------------------------------------===//

class LocalModel : public ModelHandle {
public:
  explicit LocalModel(whittle_model *model) : model(model) {
    for (int i = 0; i < whittle_model_num_inputs(model); ++i)
      ins.push_back(metaOf(whittle_model_input(model, i)));
    for (int i = 0; i < whittle_model_num_outputs(model); ++i)
      outs.push_back(metaOf(whittle_model_output(model, i)));
  }
  ~LocalModel() override { whittle_model_free(model); }

  std::string where() const override { return "in-process"; }

  bool run(const std::vector<std::vector<char>> &inputs,
           const std::vector<std::vector<int64_t>> &inputDims,
           std::vector<std::vector<char>> &outputs,
           std::vector<std::vector<int64_t>> &outputDims, unsigned warmup,
           unsigned iters, std::vector<double> &ms, std::string &error) override {
    if (whittle_model_is_dynamic(model))
      return runShaped(inputs, inputDims, outputs, outputDims, warmup, iters, ms, error);
    outputDims.clear();
    for (const TensorMeta &t : outs)
      outputDims.push_back(t.dims);
    std::vector<const void *> inPtrs;
    std::vector<void *> outPtrs;
    // String tensors travel as NUL-terminated elements; the model takes
    // and gives one pointer per element.
    std::vector<std::vector<const char *>> inStrings(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (i < ins.size() && ins[i].dtype == WHITTLE_STRING) {
        for (size_t at = 0; at < inputs[i].size(); at += strlen(inputs[i].data() + at) + 1)
          inStrings[i].push_back(inputs[i].data() + at);
        inStrings[i].resize(std::max<int64_t>(1, ins[i].numElements), "");
        inPtrs.push_back(inStrings[i].data());
      } else {
        inPtrs.push_back(inputs[i].data());
      }
    }
    outputs.resize(outs.size());
    std::vector<std::vector<char *>> outStrings(outs.size());
    for (size_t i = 0; i < outs.size(); ++i)
      if (!fitsInMemory((uint64_t)outs[i].bufferBytes(), "output '" + outs[i].name + "'",
                        error))
        return false;
    for (size_t i = 0; i < outs.size(); ++i) {
      if (outs[i].dtype == WHITTLE_STRING) {
        outStrings[i].assign(std::max<int64_t>(1, outs[i].numElements), nullptr);
        outPtrs.push_back(outStrings[i].data());
      } else {
        outputs[i].resize(outs[i].bufferBytes());
        outPtrs.push_back(outputs[i].data());
      }
    }
    auto releaseStrings = [&](bool keep) {
      for (size_t i = 0; i < outs.size(); ++i) {
        if (outs[i].dtype != WHITTLE_STRING)
          continue;
        if (keep)
          outputs[i].clear();
        for (char *&p : outStrings[i]) {
          if (keep && p)
            outputs[i].insert(outputs[i].end(), p, p + strlen(p) + 1);
          free(p);
          p = nullptr;
        }
      }
    };
    whittle_model_set_threads(model, threads);
    auto once = [&] {
      releaseStrings(false);
      if (whittle_model_run(model, (int)inPtrs.size(), inPtrs.data(),
                            (int)outPtrs.size(), outPtrs.data()) == WHITTLE_OK)
        return true;
      error = whittle_last_error();
      return false;
    };
    for (unsigned i = 0; i < warmup; ++i)
      if (!once())
        return false;
    for (unsigned i = 0; i < std::max(1u, iters); ++i) {
      auto t0 = std::chrono::steady_clock::now();
      if (!once())
        return false;
      auto t1 = std::chrono::steady_clock::now();
      if (iters)
        ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    releaseStrings(true);
    return true;
  }

private:
  /// A model with dynamic dims: whittle_model_run_shaped on the given dims;
  /// the first run allocates the outputs, later ones reuse them.
  bool runShaped(const std::vector<std::vector<char>> &inputs,
                 const std::vector<std::vector<int64_t>> &inputDims,
                 std::vector<std::vector<char>> &outputs,
                 std::vector<std::vector<int64_t>> &outputDims, unsigned warmup,
                 unsigned iters, std::vector<double> &ms, std::string &error) {
    std::vector<whittle_tensor> in(ins.size()), out(outs.size());
    std::vector<std::vector<const char *>> inStrings(ins.size());
    for (size_t i = 0; i < ins.size(); ++i) {
      in[i] = whittle_tensor{};
      for (size_t d = 0; d < inputDims[i].size() && d < WHITTLE_MAX_RANK; ++d)
        in[i].dims[d] = inputDims[i][d];
      if (ins[i].dtype == WHITTLE_STRING) {
        for (size_t at = 0; at < inputs[i].size(); at += strlen(inputs[i].data() + at) + 1)
          inStrings[i].push_back(inputs[i].data() + at);
        inStrings[i].resize(std::max<int64_t>(1, countOf(inputDims[i])), "");
        in[i].data = inStrings[i].data();
        in[i].bytes = inStrings[i].size() * sizeof(char *);
      } else {
        in[i].data = const_cast<char *>(inputs[i].data());
        in[i].bytes = inputs[i].size(); // the runtime checks it against the dims
      }
    }
    for (whittle_tensor &t : out)
      t = whittle_tensor{};
    auto release = [&] {
      for (size_t i = 0; i < outs.size(); ++i) {
        if (outs[i].dtype == WHITTLE_STRING && out[i].data)
          for (int64_t k = 0; k < countOf(outputDims.empty() ? std::vector<int64_t>{}
                                                             : outputDims[i]); ++k) {
            free(((char **)out[i].data)[k]);
            ((char **)out[i].data)[k] = nullptr;
          }
      }
    };
    auto freeAll = [&] {
      for (whittle_tensor &t : out)
        free(t.data);
    };
    whittle_model_set_threads(model, threads);
    auto once = [&] {
      release();
      bool ok = whittle_model_run_shaped(model, (int)in.size(), in.data(), (int)out.size(),
                                         out.data()) == WHITTLE_OK;
      if (!ok)
        error = whittle_last_error();
      outputDims.clear();
      for (size_t i = 0; i < outs.size(); ++i)
        outputDims.emplace_back(out[i].dims, out[i].dims + outs[i].dims.size());
      return ok;
    };
    for (unsigned i = 0; i < warmup + std::max(1u, iters); ++i) {
      auto t0 = std::chrono::steady_clock::now();
      if (!once()) {
        freeAll();
        return false;
      }
      auto t1 = std::chrono::steady_clock::now();
      if (iters && i >= warmup)
        ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    outputs.assign(outs.size(), {});
    for (size_t i = 0; i < outs.size(); ++i) {
      int64_t n = countOf(outputDims[i]);
      if (outs[i].dtype == WHITTLE_STRING) {
        for (int64_t k = 0; k < n; ++k) {
          const char *p = ((char **)out[i].data)[k];
          if (!p)
            p = "";
          outputs[i].insert(outputs[i].end(), p, p + strlen(p) + 1);
        }
      } else {
        const char *p = (const char *)out[i].data;
        outputs[i].assign(p, p + n * whittle_dtype_size(outs[i].dtype));
      }
    }
    release();
    freeAll();
    return true;
  }

  whittle_model *model;
};

//===----------------------------------------------------------------------===//
// Out of process: whittle-exec under an emulator
//===----------------------------------------------------------------------===//

class EmulatedModel : public ModelHandle {
public:
  EmulatedModel(std::vector<std::string> runner, std::string exec,
                std::string model)
      : runner(std::move(runner)), exec(std::move(exec)), model(std::move(model)) {}

  std::string where() const override {
    std::string s;
    for (const std::string &a : runner)
      s += a + " ";
    return s + exec;
  }

  /// Runs whittle-exec with `args`; its stdout in `out`.
  bool execute(const std::vector<std::string> &args, std::string &out,
               std::string &error) {
    auto program = llvm::sys::findProgramByName(runner[0]);
    if (!program) {
      error = "'" + runner[0] + "' is not installed (needed to run this model)";
      return false;
    }
    llvm::SmallString<128> outFile, errFile;
    llvm::sys::fs::createTemporaryFile("whittle-exec", "out", outFile);
    llvm::sys::fs::createTemporaryFile("whittle-exec", "err", errFile);
    llvm::scope_exit cleanup([&] {
      llvm::sys::fs::remove(outFile);
      llvm::sys::fs::remove(errFile);
    });
    std::vector<std::string> all(runner);
    all.push_back(exec);
    all.insert(all.end(), args.begin(), args.end());
    llvm::SmallVector<llvm::StringRef> argv(all.begin(), all.end());
    std::optional<llvm::StringRef> redirects[] = {std::nullopt, llvm::StringRef(outFile),
                                                  llvm::StringRef(errFile)};
    std::string execError;
    int rc = llvm::sys::ExecuteAndWait(*program, argv, std::nullopt, redirects, 0, 0,
                                       &execError);
    auto read = [](llvm::StringRef path) {
      auto buf = llvm::MemoryBuffer::getFile(path);
      return buf ? (*buf)->getBuffer().str() : std::string();
    };
    out = read(outFile);
    if (rc != 0) {
      std::string msg = llvm::StringRef(read(errFile)).trim().str();
      error = msg.empty() ? where() + " failed" + (execError.empty() ? "" : ": " + execError)
                          : msg;
      return false;
    }
    return true;
  }

  bool describe(std::string &error) {
    std::string out;
    if (!execute({"describe", model}, out, error))
      return false;
    llvm::SmallVector<llvm::StringRef> lines;
    llvm::StringRef(out).split(lines, '\n', -1, false);
    for (llvm::StringRef line : lines) {
      llvm::SmallVector<llvm::StringRef> f;
      line.split(f, ' ', -1, false);
      if (f.size() < 2 || f[0] == "target")
        continue;
      TensorMeta m;
      int rank = 0;
      if (f.size() < 5 || f[1].getAsInteger(10, m.dtype) || f[2].getAsInteger(10, rank) ||
          (int)f.size() < 5 + rank) {
        error = "unexpected answer from whittle-exec: " + line.str();
        return false;
      }
      for (int d = 0; d < rank; ++d) {
        int64_t v = 0;
        f[3 + d].getAsInteger(10, v);
        m.dims.push_back(v);
      }
      f[3 + rank].getAsInteger(10, m.numElements);
      // The name is the rest of the line (it may contain spaces).
      size_t at = 0;
      for (int k = 0; k < 4 + rank; ++k)
        at = line.find(' ', at) + 1;
      m.name = line.substr(at).str();
      (f[0] == "input" ? ins : outs).push_back(m);
    }
    return true;
  }

  bool run(const std::vector<std::vector<char>> &inputs,
           const std::vector<std::vector<int64_t>> &inputDims,
           std::vector<std::vector<char>> &outputs,
           std::vector<std::vector<int64_t>> &outputDims, unsigned warmup,
           unsigned iters, std::vector<double> &ms, std::string &error) override {
    llvm::SmallString<128> dir;
    if (auto ec = llvm::sys::fs::createUniqueDirectory("whittle-run", dir)) {
      error = "cannot make a temporary directory: " + ec.message();
      return false;
    }
    llvm::scope_exit cleanup([&] { llvm::sys::fs::remove_directories(dir); });
    for (size_t i = 0; i < inputs.size(); ++i) {
      std::ofstream f((dir + "/in_" + llvm::Twine(i) + ".bin").str(), std::ios::binary);
      size_t n = std::min(inputs[i].size(), ins[i].bufferBytes());
      if (ins[i].numElements == 0)
        n = 0;
      if (ins[i].dtype == WHITTLE_STRING)
        n = inputs[i].size(); // the NUL-terminated elements
      if (isDynamic())
        n = inputs[i].size();
      f.write(inputs[i].data(), n);
      // The run's dims, for models with dynamic ones (in_N.dims, text).
      std::ofstream d((dir + "/in_" + llvm::Twine(i) + ".dims").str());
      for (int64_t v : inputDims[i])
        d << v << " ";
    }
    std::vector<std::string> args{"run", model, std::string(dir), std::to_string(warmup),
                                  std::to_string(iters), std::to_string(threads)};
    std::string out;
    if (!execute(args, out, error))
      return false;
    llvm::SmallVector<llvm::StringRef> lines;
    llvm::StringRef(out).split(lines, '\n', -1, false);
    for (llvm::StringRef line : lines) {
      double v;
      if (line.consume_front("ms ") && !line.trim().getAsDouble(v))
        ms.push_back(v);
    }
    outputs.resize(outs.size());
    outputDims.clear();
    for (size_t i = 0; i < outs.size(); ++i) {
      auto buf = llvm::MemoryBuffer::getFile((dir + "/out_" + llvm::Twine(i) + ".bin").str());
      if (!buf) {
        error = "whittle-exec wrote no output " + std::to_string(i);
        return false;
      }
      outputs[i].assign((*buf)->getBufferStart(), (*buf)->getBufferEnd());
      outputDims.push_back(outs[i].dims);
      if (auto dims =
              llvm::MemoryBuffer::getFile((dir + "/out_" + llvm::Twine(i) + ".dims").str())) {
        llvm::SmallVector<llvm::StringRef> f;
        (*dims)->getBuffer().split(f, ' ', -1, false);
        outputDims.back().clear();
        for (llvm::StringRef v : f) {
          int64_t x = 0;
          if (!v.trim().getAsInteger(10, x))
            outputDims.back().push_back(x);
        }
      } else if (outs[i].dtype != WHITTLE_STRING) {
        outputs[i].resize(outs[i].bufferBytes());
      }
    }
    return true;
  }

private:
  std::vector<std::string> runner;
  std::string exec, model;
};

/// ELF machine numbers of the CPUs Whittle targets.
constexpr uint16_t kElfX86_64 = 62, kElfAArch64 = 183;

uint16_t hostMachine() {
#if defined(__x86_64__)
  return kElfX86_64;
#elif defined(__aarch64__)
  return kElfAArch64;
#else
  return 0;
#endif
}

/// The ELF machine of a shared library, or 0 when it is not ELF.
uint16_t elfMachine(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  unsigned char h[20] = {0};
  if (!f.read((char *)h, sizeof h) || h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' ||
      h[3] != 'F')
    return 0;
  return (uint16_t)(h[18] | (h[19] << 8));
}

} // namespace

std::unique_ptr<ModelHandle> ModelHandle::open(const std::string &path,
                                               const std::string &runner,
                                               std::string &error) {
  uint16_t machine = elfMachine(path);
  if (machine == 0 || machine == hostMachine()) {
    if (!llvm::sys::fs::exists(path)) {
      error = "cannot load '" + path + "': no such file";
      return nullptr;
    }
    whittle_model *m = nullptr;
    if (whittle_model_load(path.c_str(), &m) != WHITTLE_OK) {
      error = whittle_last_error();
      return nullptr;
    }
    return std::make_unique<LocalModel>(m);
  }
  const char *arch = machine == kElfAArch64 ? "aarch64" : nullptr;
  if (!arch) {
    error = "'" + path + "' is for a CPU Whittle cannot run here (ELF machine " +
            std::to_string(machine) + ")";
    return nullptr;
  }
  std::vector<std::string> prefix;
  if (!runner.empty()) {
    llvm::SmallVector<llvm::StringRef> parts;
    llvm::StringRef(runner).split(parts, ' ', -1, false);
    for (llvm::StringRef p : parts)
      prefix.push_back(p.str());
  } else if (const Target *t = lookupTarget("aarch64-neon")) {
    prefix = t->runner();
  }
  if (prefix.empty()) {
    error = "no runner for " + std::string(arch) + " models: pass --runner";
    return nullptr;
  }
  std::string self = llvm::sys::fs::getMainExecutable(nullptr, nullptr);
  llvm::SmallString<256> exec(llvm::sys::path::parent_path(self));
  llvm::sys::path::append(exec, arch, "whittle-exec");
  if (!llvm::sys::fs::exists(exec)) {
    error = "'" + std::string(exec) + "' is missing: this build has no " + arch +
            " sysroot (install libc6-dev-arm64-cross and rebuild)";
    return nullptr;
  }
  auto handle = std::make_unique<EmulatedModel>(prefix, std::string(exec), path);
  if (!handle->describe(error))
    return nullptr;
  return handle;
}

} // namespace whittle
