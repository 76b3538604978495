//===- FuzzContext.cpp - what Whittle's fuzz targets share ----------------===//

#include "FuzzContext.h"

#include "whittle/InitAllDialects.h"
#include "whittle/InitAllPasses.h"

#include "mlir/IR/DialectRegistry.h"

namespace whittle::fuzz {

FuzzContext::FuzzContext(bool everything) {
  static bool registered = [] {
    registerAllPasses();
    return true;
  }();
  (void)registered;
  mlir::DialectRegistry registry;
  if (everything)
    registerAllDialects(registry);
  context = std::make_unique<mlir::MLIRContext>(registry,
                                                mlir::MLIRContext::Threading::DISABLED);
  if (everything)
    context->loadAllAvailableDialects();
  quiet = std::make_unique<mlir::ScopedDiagnosticHandler>(
      context.get(), [](mlir::Diagnostic &) { return mlir::success(); });
}

} // namespace whittle::fuzz
