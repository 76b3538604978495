//===- RewriteLog.h - what the graph passes changed -------------*- C++ -*-===//
//
// Graph passes record each rewrite they make ("whittle-fuse-epilogue",
// "residual Add"); `whittle compile --report` prints the tally. (MLIR's
// pass statistics compile to no-ops in release builds of LLVM, so the
// passes keep their own.) Thread-safe; counts accumulate until cleared.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_PASSES_REWRITELOG_H
#define WHITTLE_PASSES_REWRITELOG_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace whittle {

struct RewriteCount {
  std::string pass, what;
  int64_t count;
};

/// Adds `n` to the count of `what` done by `pass`.
void recordRewrite(llvm::StringRef pass, llvm::StringRef what, int64_t n = 1);

/// Every count recorded since the last clear, in first-recorded order.
std::vector<RewriteCount> recordedRewrites();

void clearRecordedRewrites();

} // namespace whittle

#endif // WHITTLE_PASSES_REWRITELOG_H
