//===- ModelNormalizer.h - opset normalization on the protobuf --*- C++ -*-===//
//
// The onnx dialect defines each operator in its newest form known to the
// installed ONNX library. Nodes written for another opset are rewritten, on
// the ModelProto, into that form before import:
//   * older forms (attributes that later became inputs, Upsample, Scatter)
//     are upgraded after ONNX shape inference, which still sees the model's
//     own opset;
//   * newer forms (opset 18+: axes as inputs, Split num_outputs, ...) are
//     downgraded before shape inference, which only knows opsets <= 17.
// Semantic differences that keep the signature (Softmax before 13) are left
// to the legalization, which reads the model's opset from the module.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_LIB_IMPORT_MODELNORMALIZER_H
#define WHITTLE_LIB_IMPORT_MODELNORMALIZER_H

#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

namespace whittle::detail {

/// The attribute `name` of `node`, or null.
const ::onnx::AttributeProto *findAttr(const ::onnx::NodeProto &node, const std::string &name);

/// "node 'NAME' (domain::OpType)", how every import message names a node.
std::string nodeLabel(const ::onnx::NodeProto &node);

/// Opset of the default domain the model imports (1 when absent).
int64_t defaultOpset(const ::onnx::ModelProto &model);

/// Newest default-domain opset the installed ONNX library knows.
int64_t maxKnownOpset();

/// Rewrites nodes of opsets newer than `maxKnownOpset()` into their
/// newest known form. Appends human-readable problems to `errors`.
void downgradeNewerForms(::onnx::GraphProto &graph, int64_t opset,
                         std::vector<std::string> &errors);

/// Rewrites nodes of older opsets into the newest known form.
void upgradeOlderForms(::onnx::GraphProto &graph, int64_t opset,
                       std::vector<std::string> &errors);

} // namespace whittle::detail

#endif // WHITTLE_LIB_IMPORT_MODELNORMALIZER_H
