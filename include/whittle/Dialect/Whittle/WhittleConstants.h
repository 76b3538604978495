//===- WhittleConstants.h - reading and making constant tensors -*- C++ -*-===//
//
// Values of `whittle.constant` tensors (dense or dense_resource) as doubles,
// and new constants from computed values. Shared by the legalization and
// the graph passes that fold weights (batch-norm folding, constant folding).
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_DIALECT_WHITTLE_WHITTLECONSTANTS_H
#define WHITTLE_DIALECT_WHITTLE_WHITTLECONSTANTS_H

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace whittle::wt {

/// Calls `fn(index, value)` for every element of a dense or dense_resource
/// float or integer attribute; false where the data cannot be read.
bool forEachElement(mlir::ElementsAttr attr,
                    llvm::function_ref<void(int64_t, double)> fn);

/// The values of a `whittle.constant` result as doubles (at most
/// `maxElements` of them), or nullopt.
std::optional<std::vector<double>> constantValues(mlir::Value v,
                                                  int64_t maxElements = INT64_MAX);

/// The one value of a constant holding a single element or a splat.
std::optional<double> constantScalar(mlir::Value v);

/// An attribute of `type` (static shape, float or signless integer
/// elements) holding `values`: dense for small tensors, a dense_resource
/// blob named after `name` for large ones (never copied per element).
mlir::ElementsAttr makeElements(mlir::RankedTensorType type,
                                llvm::ArrayRef<double> values,
                                llvm::StringRef name = "folded");

/// The values of a row-major tensor of `shape` in the order
/// `transpose(perm)` reads them (result dim i is input dim perm[i]).
std::vector<double> transposeValues(llvm::ArrayRef<double> values, llvm::ArrayRef<int64_t> shape,
                                    llvm::ArrayRef<int64_t> perm);

/// The storage size of a constant in bytes (elements x element bytes).
int64_t elementsBytes(mlir::ElementsAttr attr);

/// `x` as an int64, saturating at the type's range (NaN gives 0): a model's
/// constant can hold any double, and a plain cast of one outside the range
/// is undefined behaviour.
inline int64_t saturatingInt64(double x) {
  if (!(x == x))
    return 0;
  if (x >= 9223372036854775807.0)
    return INT64_MAX;
  if (x <= -9223372036854775808.0)
    return INT64_MIN;
  return (int64_t)x;
}

} // namespace whittle::wt

#endif // WHITTLE_DIALECT_WHITTLE_WHITTLECONSTANTS_H
