//===- X86Targets.cpp - x86-64 baseline, AVX2 and AVX-512 -----------------===//

#include "whittle/Target/Target.h"

namespace whittle {
namespace {

class X86Target : public Target {
public:
  X86Target(const char *name, const char *desc, const char *cpu,
            const char *features, unsigned vectorBits, unsigned registers)
      : name_(name), desc_(desc), cpu_(cpu), features_(features),
        vectorBits(vectorBits), registers(registers) {}
  llvm::StringRef name() const override { return name_; }
  llvm::StringRef description() const override { return desc_; }
  std::string triple() const override { return "x86_64-unknown-linux-gnu"; }
  std::string cpu() const override { return cpu_; }
  std::string features() const override { return features_; }
  TargetTuning tuning() const override {
    TargetTuning t;
    t.vectorBits = vectorBits;
    t.vectorRegisters = registers;
    return t;
  }

private:
  const char *name_, *desc_, *cpu_, *features_;
  unsigned vectorBits, registers;
};

} // namespace

void registerX86Targets() {
  registerTarget(std::make_unique<X86Target>(
      "x86-64", "x86-64 baseline (SSE2)", "x86-64", "", 128, 16));
  registerTarget(std::make_unique<X86Target>(
      "x86-avx2", "x86-64 with AVX2 and FMA", "haswell", "+avx2,+fma", 256, 16));
  registerTarget(std::make_unique<X86Target>(
      "x86-avx512", "x86-64 with AVX-512 F/BW/VL/VNNI/BF16", "skylake-avx512",
      "+avx512f,+avx512bw,+avx512vl,+avx512vnni,+avx512bf16,+fma", 512, 32));
}

} // namespace whittle
