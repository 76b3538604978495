//===- InitAllDialects.h - every dialect Whittle uses -----------*- C++ -*-===//

#ifndef WHITTLE_INITALLDIALECTS_H
#define WHITTLE_INITALLDIALECTS_H

#include "mlir/IR/DialectRegistry.h"

namespace whittle {

/// Registers Whittle's dialects and the upstream dialects its pipelines use.
void registerAllDialects(mlir::DialectRegistry &registry);

} // namespace whittle

#endif // WHITTLE_INITALLDIALECTS_H
