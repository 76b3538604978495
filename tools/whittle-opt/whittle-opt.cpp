//===- whittle-opt.cpp - Whittle's mlir-opt -------------------------------===//
//
// Parses, verifies, transforms and prints IR of Whittle's dialects and the
// upstream dialects its pipelines use. Every Whittle pass and every upstream
// pass is registered, so IR can be read and tested between any two stages.
//
//===----------------------------------------------------------------------===//

#include "whittle/InitAllDialects.h"
#include "whittle/InitAllPasses.h"

#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  whittle::registerAllDialects(registry);
  whittle::registerAllPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "Whittle optimizer driver\n", registry));
}
