//===- WhittleDialect.h - whittle dialect -----------------------*- C++ -*-===//
//
// The optimizer's own op set (C++ namespace whittle::wt, IR prefix
// `whittle.`).
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_DIALECT_WHITTLE_WHITTLEDIALECT_H
#define WHITTLE_DIALECT_WHITTLE_WHITTLEDIALECT_H

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Dialect.h"

#include "whittle/Dialect/Whittle/WhittleDialect.h.inc"

#endif // WHITTLE_DIALECT_WHITTLE_WHITTLEDIALECT_H
