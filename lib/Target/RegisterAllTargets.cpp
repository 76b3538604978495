//===- RegisterAllTargets.cpp - one line per targets/ folder --------------===//

#include "whittle/Target/Target.h"

namespace whittle {
void registerX86Targets();
void registerAArch64Targets();

void registerAllTargets() {
  static bool done = false;
  if (done)
    return;
  done = true;
  registerX86Targets();
  registerAArch64Targets();
}
} // namespace whittle
