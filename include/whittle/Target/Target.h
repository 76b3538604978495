//===- Target.h - the backend interface -------------------------*- C++ -*-===//
//
// A Target is one backend: its name, the LLVM triple, CPU and features it
// compiles for, the tuning the common CPU lowering reads (vector width,
// register count, cache sizes), and how its artifact is linked. Targets live
// in targets/<name>/ and register themselves by name; `--target host`
// resolves to the best registered CPU target for the running machine.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_TARGET_TARGET_H
#define WHITTLE_TARGET_TARGET_H

#include "llvm/ADT/StringRef.h"

#include <memory>
#include <string>
#include <vector>

namespace whittle {

/// Numbers the common CPU lowering tunes itself with.
struct TargetTuning {
  unsigned vectorBits = 128;   ///< native SIMD width
  unsigned vectorRegisters = 16;
  /// Scalable vectors (SVE): contractions are left to LLVM's scalable
  /// loop vectorizer instead of fixed-width register tiles.
  bool scalableVectors = false;
  unsigned l1DataBytes = 32 * 1024;
  /// Per core: the weights a register tile's panel group may span
  /// (whittle-lower-microkernels), and the filter size beyond which a
  /// conv is split for threads by panels (whittle-tile-for-threads).
  unsigned l2Bytes = 1024 * 1024;
  /// Threads: linalg ops of at least this many iteration points are split
  /// into at most `parallelMaxChunks` chunks (whittle-tile-for-threads).
  /// The runtime's workers poll before sleeping, so a parallel loop costs
  /// a microsecond or two: 2^14 points (MobileNetV2 and yolox-nano 5-6%
  /// faster on 2 threads than at 2^16, no slower on 1).
  int64_t parallelMinWork = 1 << 14;
  int64_t parallelMaxChunks = 64;
};

class Target {
public:
  virtual ~Target();

  /// Name used on the command line (`x86-avx512`).
  virtual llvm::StringRef name() const = 0;
  /// One line for `whittle targets`.
  virtual llvm::StringRef description() const = 0;
  /// LLVM target triple, CPU name and feature string.
  virtual std::string triple() const = 0;
  virtual std::string cpu() const = 0;
  virtual std::string features() const = 0;
  virtual TargetTuning tuning() const = 0;

  /// Command that links objects into a shared library for this target:
  /// the compiler driver and its leading arguments.
  virtual std::vector<std::string> linkerCommand() const;
  /// Command prefix that runs a program built for this target on this
  /// machine (empty when it runs natively; qemu for foreign CPUs).
  virtual std::vector<std::string> runner() const { return {}; }
  /// Whether this machine can execute this target's code directly.
  virtual bool runsNatively() const;
};

/// Registers a target under its name (called by each targets/ folder).
void registerTarget(std::unique_ptr<Target> target);

/// The target called `name`; "host" picks the best for this machine.
/// Null when unknown.
const Target *lookupTarget(llvm::StringRef name);

/// Every registered target, sorted by name.
std::vector<const Target *> allTargets();

/// Registers every target under targets/ (one line per folder).
void registerAllTargets();

} // namespace whittle

#endif // WHITTLE_TARGET_TARGET_H
