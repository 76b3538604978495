//===- ModelHandle.h - a compiled model, here or under an emulator -*- C++ -*-===//
//
// `whittle run` and `whittle bench` drive a compiled model through this
// interface. A model for this machine's CPU is loaded in-process with the C
// runtime; a model for another CPU (an AArch64 .so on x86) runs in
// whittle-exec under the target's runner (qemu-aarch64), exchanging raw
// tensors through files.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_TOOLS_WHITTLE_MODELHANDLE_H
#define WHITTLE_TOOLS_WHITTLE_MODELHANDLE_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace whittle {

struct TensorMeta {
  std::string name;
  int dtype = 0;
  std::vector<int64_t> dims;
  int64_t numElements = 0;
  /// Bytes of the tensor's buffer (at least 1).
  size_t bufferBytes() const;
};

/// Whether a buffer of `bytes` can exist on this machine (its physical
/// memory); false with `error` naming `what`.
bool fitsInMemory(uint64_t bytes, const std::string &what, std::string &error);

class ModelHandle {
public:
  virtual ~ModelHandle();

  /// Opens `path`. `runner` overrides the command prefix for foreign models
  /// (empty: the target's own, qemu for AArch64 on x86). Null with `error`.
  static std::unique_ptr<ModelHandle> open(const std::string &path,
                                           const std::string &runner,
                                           std::string &error);

  const std::vector<TensorMeta> &inputs() const { return ins; }
  const std::vector<TensorMeta> &outputs() const { return outs; }
  /// Where the model runs, for messages ("in-process", "qemu-aarch64 ...").
  virtual std::string where() const = 0;

  /// Checks a caller's tensor against input `i` as the runtime does;
  /// false with `error`.
  bool checkInput(int i, int dtype, const std::vector<int64_t> &dims,
                  std::string &error) const;

  /// Threads for later runs (0: every core).
  void setThreads(int n) { threads = n; }

  /// Whether an input or output has a dynamic dim (the run takes dims).
  bool isDynamic() const;

  /// Runs `warmup` untimed then `iters` timed runs (one plain run when
  /// `iters` is 0) on the given buffers of dims `inputDims`, filling
  /// `outputs`, their dims and the times.
  virtual bool run(const std::vector<std::vector<char>> &inputs,
                   const std::vector<std::vector<int64_t>> &inputDims,
                   std::vector<std::vector<char>> &outputs,
                   std::vector<std::vector<int64_t>> &outputDims, unsigned warmup,
                   unsigned iters, std::vector<double> &ms,
                   std::string &error) = 0;

protected:
  std::vector<TensorMeta> ins, outs;
  int threads = 0;
};

} // namespace whittle

#endif // WHITTLE_TOOLS_WHITTLE_MODELHANDLE_H
