//===- Report.h - what the graph optimizer did, for --report ----*- C++ -*-===//
//
// `whittle compile --report` prints op counts by kind for the imported
// graph, the legalized one and the optimized one, the rewrites each graph
// pass made, constant bytes before and after, and how many elementwise
// loop nests fusion merged.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_LIB_COMPILER_REPORT_H
#define WHITTLE_LIB_COMPILER_REPORT_H

#include "whittle/Passes/RewriteLog.h"

#include "mlir/IR/BuiltinOps.h"

#include <map>
#include <string>

namespace whittle {

/// One snapshot of a graph: ops by kind, and its constants.
struct GraphCensus {
  /// "whittle.conv +bias relu", "whittle.binary add", "onnx.Conv" -> count.
  std::map<std::string, int64_t> ops;
  int64_t totalOps = 0, constants = 0, constantBytes = 0;
};

/// Counts the ops of the graph function(s) in `module` (not func/return).
GraphCensus takeCensus(mlir::ModuleOp module);

struct OptimizationReport {
  std::string model;
  unsigned optLevel = 2;
  GraphCensus imported, legalized, optimized;
  std::vector<RewriteCount> rewrites;
  /// linalg.generic ops before and after elementwise fusion (-1: not run).
  int64_t genericsBefore = -1, genericsAfter = -1;
};

void printReport(llvm::raw_ostream &os, const OptimizationReport &report);

} // namespace whittle

#endif // WHITTLE_LIB_COMPILER_REPORT_H
