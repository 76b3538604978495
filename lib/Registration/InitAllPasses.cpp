//===- InitAllPasses.cpp - register every pass Whittle uses ---------------===//

#include "whittle/InitAllPasses.h"

#include "whittle/Conversion/Passes.h"
#include "whittle/Passes/Passes.h"

#include "mlir/InitAllPasses.h"

void whittle::registerAllPasses() {
  mlir::registerAllPasses();
  registerConversionPasses();
  registerWhittlePasses();
}
