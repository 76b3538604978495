//===- RewriteLog.cpp - what the graph passes changed ---------------------===//

#include "whittle/Passes/RewriteLog.h"

#include <mutex>

namespace {
std::mutex logMutex;
std::vector<whittle::RewriteCount> &entries() {
  static std::vector<whittle::RewriteCount> log;
  return log;
}
} // namespace

void whittle::recordRewrite(llvm::StringRef pass, llvm::StringRef what, int64_t n) {
  std::lock_guard<std::mutex> lock(logMutex);
  for (RewriteCount &e : entries())
    if (e.pass == pass && e.what == what) {
      e.count += n;
      return;
    }
  entries().push_back({pass.str(), what.str(), n});
}

std::vector<whittle::RewriteCount> whittle::recordedRewrites() {
  std::lock_guard<std::mutex> lock(logMutex);
  return entries();
}

void whittle::clearRecordedRewrites() {
  std::lock_guard<std::mutex> lock(logMutex);
  entries().clear();
}
