//===- ModelValidator.h - checks of an untrusted ModelProto -----*- C++ -*-===//
//
// A model file is untrusted input. Before ONNX's own shape inference (which
// divides by strides and indexes by axes without checking) and before the
// importer builds IR, these checks refuse what no valid model holds, each
// with a message naming the node or tensor:
//   * structure: opsets newer than the newest Whittle normalizes, names
//     produced twice, negative or overflowing declared dims, initializers
//     whose element count overflows;
//   * attributes against their legal ranges: kernels, strides, dilations,
//     groups, pads, perms, split sizes, scales, block sizes;
//   * after shape inference, where ranks are known: operand ranks of ops
//     whose lowering depends on them, and axes against those ranks.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_LIB_IMPORT_MODELVALIDATOR_H
#define WHITTLE_LIB_IMPORT_MODELVALIDATOR_H

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

namespace whittle::detail {

/// Newest default-domain opset whose node forms the importer normalizes.
constexpr int64_t kNewestSupportedOpset = 22;

/// Largest value a size-like attribute (kernel, stride, dilation, pad,
/// group, block size) may take: shape arithmetic on it never overflows.
constexpr int64_t kMaxAttributeExtent = (int64_t(1) << 31) - 1;

/// Checks made before shape inference. Appends one message per problem.
void validateModel(const ::onnx::ModelProto &model, std::vector<std::string> &problems);

/// Checks made after shape inference, against the ranks it found.
void validateRanks(const ::onnx::GraphProto &graph, std::vector<std::string> &problems);

/// Element count of `dims`; false when a dim is negative or the count
/// (or its size in bytes of up to 16 per element) overflows int64.
bool checkedElementCount(const int64_t *dims, int rank, int64_t &count);

} // namespace whittle::detail

#endif // WHITTLE_LIB_IMPORT_MODELVALIDATOR_H
