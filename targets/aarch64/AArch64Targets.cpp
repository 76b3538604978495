//===- AArch64Targets.cpp - NEON and SVE ----------------------------------===//
//
// Cross-compiled from x86 with the Debian arm64 sysroot; run under
// qemu-aarch64 when the host is not AArch64.
//
//===----------------------------------------------------------------------===//

#include "whittle/Target/Target.h"

namespace whittle {
namespace {

class AArch64Target : public Target {
public:
  AArch64Target(const char *name, const char *desc, const char *cpu,
                const char *features, unsigned vectorBits)
      : name_(name), desc_(desc), cpu_(cpu), features_(features),
        vectorBits(vectorBits) {}
  llvm::StringRef name() const override { return name_; }
  llvm::StringRef description() const override { return desc_; }
  std::string triple() const override { return "aarch64-unknown-linux-gnu"; }
  std::string cpu() const override { return cpu_; }
  std::string features() const override { return features_; }
  TargetTuning tuning() const override {
    TargetTuning t;
    t.vectorBits = vectorBits;
    t.vectorRegisters = 32;
    t.scalableVectors = llvm::StringRef(features_).contains("+sve");
    return t;
  }
  std::vector<std::string> linkerCommand() const override {
    // clang finds Debian's multiarch cross layout (/usr/aarch64-linux-gnu,
    // gcc-cross) by itself; --sysroot would break its libc linker script.
    return {"clang-22", "--target=aarch64-linux-gnu", "-shared", "-fPIC"};
  }
  std::vector<std::string> runner() const override {
    if (runsNatively())
      return {};
    return {"qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", "-cpu", "max"};
  }

private:
  const char *name_, *desc_, *cpu_, *features_;
  unsigned vectorBits;
};

} // namespace

void registerAArch64Targets() {
  registerTarget(std::make_unique<AArch64Target>(
      "aarch64-neon", "AArch64 with NEON and dot product", "cortex-a76",
      "+neon,+dotprod", 128));
  registerTarget(std::make_unique<AArch64Target>(
      "aarch64-sve", "AArch64 with SVE (scalable vectors)", "neoverse-v1",
      "+neon,+sve", 128));
}

} // namespace whittle
