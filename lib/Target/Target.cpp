//===- Target.cpp - target registry ---------------------------------------===//

#include "whittle/Target/Target.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <map>

namespace whittle {

Target::~Target() = default;

std::vector<std::string> Target::linkerCommand() const {
  return {"clang-22", "--target=" + triple(), "-shared", "-fPIC"};
}

bool Target::runsNatively() const {
  llvm::Triple host(llvm::sys::getProcessTriple()), mine(triple());
  if (host.getArch() != mine.getArch())
    return false;
  // Every feature the target needs must be on this CPU.
  llvm::StringMap<bool> hostFeatures = llvm::sys::getHostCPUFeatures();
  // The split's pieces point into `feats`: it must outlive them.
  std::string feats = features();
  llvm::SmallVector<llvm::StringRef> wanted;
  llvm::StringRef(feats).split(wanted, ',', -1, false);
  for (llvm::StringRef f : wanted)
    if (f.consume_front("+") && !hostFeatures.lookup(f))
      return false;
  return true;
}

static std::map<std::string, std::unique_ptr<Target>> &registry() {
  static std::map<std::string, std::unique_ptr<Target>> r;
  return r;
}

void registerTarget(std::unique_ptr<Target> target) {
  std::string name = target->name().str();
  registry()[name] = std::move(target);
}

const Target *lookupTarget(llvm::StringRef name) {
  registerAllTargets();
  if (name == "host") {
    // The most capable registered target that runs here.
    for (const char *candidate : {"x86-avx512", "x86-avx2", "x86-64",
                                  "aarch64-sve", "aarch64-neon"})
      if (const Target *t = lookupTarget(candidate); t && t->runsNatively())
        return t;
    return nullptr;
  }
  auto it = registry().find(name.str());
  return it == registry().end() ? nullptr : it->second.get();
}

std::vector<const Target *> allTargets() {
  registerAllTargets();
  std::vector<const Target *> out;
  for (auto &kv : registry())
    out.push_back(kv.second.get());
  return out;
}

} // namespace whittle
