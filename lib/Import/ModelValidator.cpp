//===- ModelValidator.cpp - checks of an untrusted ModelProto -------------===//
//
// See ModelValidator.h. Everything here reads the protobuf and writes
// nothing; the importer stops when any problem was found.
//
//===----------------------------------------------------------------------===//

#include "ModelValidator.h"
#include "ModelNormalizer.h"

#include <onnx/defs/schema.h>

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>

using ::onnx::AttributeProto;
using ::onnx::GraphProto;
using ::onnx::ModelProto;
using ::onnx::NodeProto;
using ::onnx::TensorProto;
using ::onnx::TypeProto;
using ::onnx::ValueInfoProto;

namespace whittle::detail {

bool checkedElementCount(const int64_t *dims, int rank, int64_t &count) {
  // The count of the nonzero dims must fit too: strides are products of
  // them, whatever other dim is zero.
  int64_t nonzero = 1;
  count = 1;
  for (int i = 0; i < rank; ++i) {
    int64_t d = dims[i];
    if (d < 0)
      return false;
    if (d && nonzero > (INT64_MAX >> 4) / d)
      return false;
    nonzero *= d ? d : 1;
    count *= d;
  }
  return true;
}

namespace {

bool isDefaultDomain(const NodeProto &node) {
  return node.domain().empty() || node.domain() == "ai.onnx";
}

//===----------------------------------------------------------------------===//
// Before shape inference
//===----------------------------------------------------------------------===//

class StructureChecker {
public:
  StructureChecker(std::vector<std::string> &problems, int64_t opset)
      : problems(problems), opset(opset) {}

  /// `outer`: the names visible from enclosing graphs.
  void checkGraph(const GraphProto &graph, const llvm::StringSet<> &outer = {});

private:
  void checkValueInfo(const ValueInfoProto &vi, const char *kind);
  void checkType(const TypeProto &t, const std::string &name, const char *kind);
  void checkInitializer(const TensorProto &t);
  void checkAttributes(const NodeProto &node);
  void checkInts(const NodeProto &node, const char *name, int64_t lo, int64_t hi);
  void checkAttributeTypes(const NodeProto &node);
  void problem(std::string p) { problems.push_back(std::move(p)); }

  std::vector<std::string> &problems;
  int64_t opset;
};

/// Each attribute the operator's schema declares has the schema's type (a
/// FLOAT `keepdims` reached an accessor that read it as an integer: SEGV,
/// found by fuzz-pipeline). ONNX's own checker refuses such models too.
void StructureChecker::checkAttributeTypes(const NodeProto &node) {
  const ::onnx::OpSchema *schema = ::onnx::OpSchemaRegistry::Schema(
      node.op_type(), (int)std::min<int64_t>(opset, INT32_MAX), "");
  if (!schema)
    return;
  for (const AttributeProto &a : node.attribute()) {
    auto it = schema->attributes().find(a.name());
    if (it == schema->attributes().end() || a.type() == AttributeProto::UNDEFINED ||
        a.type() == it->second.type)
      continue;
    problem(nodeLabel(node) + ": attribute '" + a.name() + "' has type " +
            AttributeProto::AttributeType_Name(a.type()) + ", the operator's schema says " +
            AttributeProto::AttributeType_Name(it->second.type));
  }
}

void StructureChecker::checkType(const TypeProto &t, const std::string &name,
                                 const char *kind) {
  if (t.has_sequence_type())
    return checkType(t.sequence_type().elem_type(), name, kind);
  if (t.has_optional_type())
    return checkType(t.optional_type().elem_type(), name, kind);
  if (!t.has_tensor_type() || !t.tensor_type().has_shape())
    return;
  const auto &dims = t.tensor_type().shape().dim();
  std::vector<int64_t> known;
  for (int i = 0; i < dims.size(); ++i) {
    if (!dims[i].has_dim_value())
      continue;
    if (dims[i].dim_value() < 0) {
      problem(std::string(kind) + " '" + name + "' declares dimension " + std::to_string(i) +
              " as " + std::to_string(dims[i].dim_value()) + " (dims are >= 0)");
      return;
    }
    known.push_back(dims[i].dim_value());
  }
  int64_t count;
  if (!checkedElementCount(known.data(), (int)known.size(), count))
    problem(std::string(kind) + " '" + name +
            "' declares dims whose element count overflows int64");
}

void StructureChecker::checkValueInfo(const ValueInfoProto &vi, const char *kind) {
  checkType(vi.type(), vi.name(), kind);
}

void StructureChecker::checkInitializer(const TensorProto &t) {
  std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
  for (int64_t d : dims)
    if (d < 0) {
      problem("initializer '" + t.name() + "' has dimension " + std::to_string(d) +
              " (dims are >= 0)");
      return;
    }
  int64_t count;
  if (!checkedElementCount(dims.data(), (int)dims.size(), count))
    problem("initializer '" + t.name() + "' has dims whose element count overflows int64");
}

void StructureChecker::checkInts(const NodeProto &node, const char *name, int64_t lo,
                                 int64_t hi) {
  const AttributeProto *a = findAttr(node, name);
  if (!a)
    return;
  auto check = [&](int64_t v) {
    if (v >= lo && v <= hi)
      return true;
    problem(nodeLabel(node) + ": attribute '" + name + "' has value " + std::to_string(v) +
            ", outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return false;
  };
  if (a->type() == AttributeProto::INT || a->has_i()) {
    check(a->i());
    return;
  }
  for (int64_t v : a->ints())
    if (!check(v))
      return;
}

void StructureChecker::checkAttributes(const NodeProto &node) {
  const std::string &op = node.op_type();
  const int64_t big = kMaxAttributeExtent;
  static const llvm::StringSet<> windowed = {
      "Conv",    "ConvTranspose", "ConvInteger", "QLinearConv", "MaxPool",
      "AveragePool", "LpPool",    "MaxUnpool",   "DeformConv",  "Col2Im"};
  if (windowed.contains(op)) {
    checkInts(node, "kernel_shape", 1, big);
    checkInts(node, "strides", 1, big);
    checkInts(node, "dilations", 1, big);
    checkInts(node, "pads", 0, big);
    checkInts(node, "group", 1, big);
    checkInts(node, "output_padding", 0, big);
    checkInts(node, "output_shape", 0, big);
    // Per-dim lists agree with each other.
    const AttributeProto *k = findAttr(node, "kernel_shape");
    size_t n = k ? (size_t)k->ints_size() : 0;
    for (const char *name : {"strides", "dilations"}) {
      const AttributeProto *a = findAttr(node, name);
      if (k && a && (size_t)a->ints_size() != n)
        problem(nodeLabel(node) + ": attribute '" + name + "' has " +
                std::to_string(a->ints_size()) + " values, kernel_shape has " +
                std::to_string(n));
    }
    const AttributeProto *pads = findAttr(node, "pads");
    if (k && pads && (size_t)pads->ints_size() != 2 * n)
      problem(nodeLabel(node) + ": attribute 'pads' has " + std::to_string(pads->ints_size()) +
              " values, 2 x kernel_shape's " + std::to_string(n) + " are needed");
  }
  if (op == "LRN")
    checkInts(node, "size", 1, big);
  if (op == "SpaceToDepth" || op == "DepthToSpace")
    checkInts(node, "blocksize", 1, big);
  if (op == "Split")
    checkInts(node, "split", 0, INT64_MAX);
  if (op == "Transpose")
    if (const AttributeProto *perm = findAttr(node, "perm")) {
      int n = perm->ints_size();
      std::vector<bool> seen(n > 0 ? n : 0, false);
      for (int64_t v : perm->ints()) {
        if (v < 0 || v >= n || seen[v]) {
          problem(nodeLabel(node) + ": attribute 'perm' is not a permutation of 0.." +
                  std::to_string(n - 1));
          break;
        }
        seen[v] = true;
      }
    }
  if (op == "Upsample" || op == "Resize")
    if (const AttributeProto *scales = findAttr(node, "scales"))
      for (float s : scales->floats())
        if (!std::isfinite(s) || s <= 0) {
          problem(nodeLabel(node) + ": attribute 'scales' holds " + std::to_string(s) +
                  " (scales are finite and > 0)");
          break;
        }
}

void StructureChecker::checkGraph(const GraphProto &graph, const llvm::StringSet<> &outer) {
  // Every name is produced once: by a graph input, an initializer (which
  // may also be listed as an input) or one node output. Every name a node
  // reads is produced before it (ONNX's topological order), here or in an
  // enclosing graph: shape inference dereferences the type of each input
  // unchecked (a MaxUnpool reading an undefined name crashed it).
  llvm::StringSet<> produced, inputs;
  for (const ValueInfoProto &vi : graph.input()) {
    checkValueInfo(vi, "graph input");
    if (!inputs.insert(vi.name()).second)
      problem("graph input '" + vi.name() + "' is listed twice");
    produced.insert(vi.name());
  }
  llvm::StringSet<> initializers;
  for (const TensorProto &t : graph.initializer()) {
    checkInitializer(t);
    if (!initializers.insert(t.name()).second)
      problem("initializer '" + t.name() + "' is defined twice");
    produced.insert(t.name());
  }
  for (const ValueInfoProto &vi : graph.value_info())
    checkValueInfo(vi, "value");
  for (const NodeProto &node : graph.node()) {
    for (const std::string &in : node.input())
      if (!in.empty() && !produced.contains(in) && !outer.contains(in))
        problem(nodeLabel(node) + ": input '" + in +
                "' is not produced by any earlier node, initializer or graph input");
    if (isDefaultDomain(node)) {
      checkAttributeTypes(node);
      checkAttributes(node);
    }
    bool hasSubgraph = llvm::any_of(node.attribute(), [](const AttributeProto &a) {
      return a.has_g() || a.graphs_size();
    });
    if (hasSubgraph) {
      llvm::StringSet<> visible(outer);
      for (const auto &name : produced)
        visible.insert(name.getKey());
      for (const AttributeProto &a : node.attribute()) {
        if (a.has_g())
          checkGraph(a.g(), visible);
        for (const GraphProto &g : a.graphs())
          checkGraph(g, visible);
      }
    }
    for (const std::string &out : node.output())
      if (!out.empty() && !produced.insert(out).second)
        problem(nodeLabel(node) + ": output '" + out +
                "' is already produced by a graph input, an initializer or another node");
  }
  llvm::StringSet<> outputs;
  for (const ValueInfoProto &vi : graph.output()) {
    checkValueInfo(vi, "graph output");
    if (!outputs.insert(vi.name()).second)
      problem("graph output '" + vi.name() + "' is listed twice");
  }
}

//===----------------------------------------------------------------------===//
// After shape inference
//===----------------------------------------------------------------------===//

class RankChecker {
public:
  explicit RankChecker(std::vector<std::string> &problems) : problems(problems) {}
  void checkGraph(const GraphProto &graph);

private:
  /// Rank of `name`, -1 when unknown.
  int rankOf(const std::string &name) const {
    auto it = ranks.find(name);
    return it == ranks.end() ? -1 : it->second;
  }
  int inputRank(const NodeProto &node, int i) const {
    return i < node.input_size() && !node.input(i).empty() ? rankOf(node.input(i)) : -1;
  }
  void needRank(const NodeProto &node, int i, int lo, int hi, const char *what);
  /// Output `i`'s declared rank, when known, is `rank` (>= 0).
  void needOutputRank(const NodeProto &node, int i, int rank, const char *what);
  void checkAxis(const NodeProto &node, const char *name, int rank, bool inclusive);
  void checkNode(const NodeProto &node);
  void problem(std::string p) { problems.push_back(std::move(p)); }

  std::vector<std::string> &problems;
  llvm::StringMap<int> ranks;
};

void RankChecker::needRank(const NodeProto &node, int i, int lo, int hi, const char *what) {
  int r = inputRank(node, i);
  if (r < 0 || (r >= lo && r <= hi))
    return;
  std::string want = lo == hi ? std::to_string(lo)
                     : hi >= 64 ? "at least " + std::to_string(lo)
                                : std::to_string(lo) + " to " + std::to_string(hi);
  problem(nodeLabel(node) + ": input " + std::to_string(i) + " ('" + node.input(i) + "', " +
          what + ") has rank " + std::to_string(r) + ", the operator needs rank " + want);
}

void RankChecker::needOutputRank(const NodeProto &node, int i, int rank, const char *what) {
  if (i >= node.output_size() || node.output(i).empty() || rank < 0)
    return;
  int r = rankOf(node.output(i));
  if (r >= 0 && r != rank)
    problem(nodeLabel(node) + ": output " + std::to_string(i) + " ('" + node.output(i) + "', " +
            what + ") is declared with rank " + std::to_string(r) + ", the operator gives rank " +
            std::to_string(rank));
}

/// An axis attribute (or each of an axes list) lies in [-rank, rank) (or
/// [-rank, rank] when `inclusive`), and a list names no axis twice.
void RankChecker::checkAxis(const NodeProto &node, const char *name, int rank,
                            bool inclusive) {
  const AttributeProto *a = findAttr(node, name);
  if (!a || rank < 0)
    return;
  std::vector<int64_t> values;
  if (a->type() == AttributeProto::INT || a->has_i())
    values.push_back(a->i());
  else
    values.assign(a->ints().begin(), a->ints().end());
  int64_t hi = inclusive ? rank : rank - 1;
  std::vector<bool> seen(rank + 1, false);
  for (int64_t v : values) {
    if (v < -rank || v > hi) {
      problem(nodeLabel(node) + ": attribute '" + name + "' is " + std::to_string(v) +
              ", outside [" + std::to_string(-rank) + ", " + std::to_string(hi) +
              "] for rank " + std::to_string(rank));
      return;
    }
    int64_t k = v < 0 ? v + rank : v;
    if (values.size() > 1 && seen[k]) {
      problem(nodeLabel(node) + ": attribute '" + name + "' names axis " + std::to_string(k) +
              " twice");
      return;
    }
    seen[k] = true;
  }
}

void RankChecker::checkNode(const NodeProto &node) {
  const std::string &op = node.op_type();
  int r0 = inputRank(node, 0);
  static const llvm::StringSet<> windowed = {"Conv",    "ConvTranspose", "ConvInteger",
                                             "MaxPool", "AveragePool",   "LpPool",
                                             "GlobalAveragePool", "GlobalMaxPool",
                                             "GlobalLpPool", "MaxUnpool"};
  if (windowed.contains(op)) {
    needRank(node, 0, 3, 64, "X");
    if (op == "Conv" || op == "ConvTranspose" || op == "ConvInteger") {
      needRank(node, 1, r0 < 0 ? 3 : r0, r0 < 0 ? 64 : r0, "W");
      if (op != "ConvInteger")
        needRank(node, 2, 1, 1, "B");
    }
    const AttributeProto *k = findAttr(node, "kernel_shape");
    if (k && r0 >= 3 && k->ints_size() != r0 - 2)
      problem(nodeLabel(node) + ": attribute 'kernel_shape' has " +
              std::to_string(k->ints_size()) + " values for an input of rank " +
              std::to_string(r0));
  }
  if (op == "QLinearConv")
    needRank(node, 0, 3, 64, "x");
  if (op == "LSTM" || op == "GRU" || op == "RNN") {
    needRank(node, 0, 3, 3, "X");
    needRank(node, 1, 3, 3, "W");
    needRank(node, 2, 3, 3, "R");
    needRank(node, 3, 2, 2, "B");
    needRank(node, 4, 1, 1, "sequence_lens");
    needRank(node, 5, 3, 3, "initial_h");
    if (op == "LSTM") {
      needRank(node, 6, 3, 3, "initial_c");
      needRank(node, 7, 2, 2, "P");
    }
    // Y is [seq, dirs, batch, hidden], the states [dirs, batch, hidden]
    // (a Y declared with a state's rank was refused only at code
    // generation, as an unsupported op).
    needOutputRank(node, 0, 4, "Y");
    needOutputRank(node, 1, 3, "Y_h");
    if (op == "LSTM")
      needOutputRank(node, 2, 3, "Y_c");
  }
  if (op == "BatchNormalization" || op == "InstanceNormalization")
    needRank(node, 0, 2, 64, "X");
  if (op == "Gemm") {
    needRank(node, 0, 2, 2, "A");
    needRank(node, 1, 2, 2, "B");
  }
  if (op == "MatMul" || op == "MatMulInteger") {
    needRank(node, 0, 1, 64, "A");
    needRank(node, 1, 1, 64, "B");
    // The lowerings trust the declared result (one declared a rank short
    // and crashed the matmul lowering; found by fuzz-pipeline).
    int r1 = inputRank(node, 1);
    if (r0 >= 1 && r1 >= 1)
      needOutputRank(node, 0,
                     r0 == 1 && r1 == 1 ? 0
                     : r0 == 1          ? r1 - 1
                     : r1 == 1          ? r0 - 1
                                        : std::max(r0, r1),
                     "Y");
  }
  if (op == "TopK") {
    needOutputRank(node, 0, r0, "Values");
    needOutputRank(node, 1, r0, "Indices");
  }
  if (op == "Transpose")
    if (const AttributeProto *perm = findAttr(node, "perm"))
      if (r0 >= 0 && perm->ints_size() != r0)
        problem(nodeLabel(node) + ": attribute 'perm' has " + std::to_string(perm->ints_size()) +
                " values for an input of rank " + std::to_string(r0));
  static const llvm::StringSet<> axisOfInput = {
      "Gather",     "GatherElements", "Softmax",     "LogSoftmax",  "Hardmax",
      "Split",      "ArgMax",         "ArgMin",      "Compress",    "LayerNormalization",
      "ScatterElements", "TopK",      "Unique",      "QuantizeLinear", "DequantizeLinear",
      "ReverseSequence", "Concat",    "ConcatFromSequence"};
  if (axisOfInput.contains(op) && op != "ReverseSequence")
    checkAxis(node, "axis", r0, op == "ConcatFromSequence");
  if (op == "Flatten")
    checkAxis(node, "axis", r0, /*inclusive=*/true);
  if (op == "ReverseSequence") {
    checkAxis(node, "batch_axis", r0, false);
    checkAxis(node, "time_axis", r0, false);
  }
  if (op.rfind("Reduce", 0) == 0 || op == "Squeeze")
    checkAxis(node, "axes", r0, false);
  if (op == "Unsqueeze")
    if (const AttributeProto *axes = findAttr(node, "axes"))
      checkAxis(node, "axes", r0 < 0 ? -1 : r0 + axes->ints_size(), false);
}

void RankChecker::checkGraph(const GraphProto &graph) {
  auto record = [&](const ValueInfoProto &vi) {
    const TypeProto &t = vi.type();
    if (t.has_tensor_type() && t.tensor_type().has_shape())
      ranks[vi.name()] = t.tensor_type().shape().dim_size();
  };
  for (const auto *list : {&graph.input(), &graph.value_info(), &graph.output()})
    for (const ValueInfoProto &vi : *list)
      record(vi);
  for (const TensorProto &t : graph.initializer())
    ranks[t.name()] = t.dims_size();
  for (const NodeProto &node : graph.node()) {
    if (isDefaultDomain(node))
      checkNode(node);
    for (const AttributeProto &a : node.attribute()) {
      if (a.has_g())
        checkGraph(a.g());
      for (const GraphProto &g : a.graphs())
        checkGraph(g);
    }
  }
}

} // namespace

void validateModel(const ModelProto &model, std::vector<std::string> &problems) {
  int64_t opset = defaultOpset(model);
  if (opset > kNewestSupportedOpset)
    problems.push_back("the model imports ONNX opset " + std::to_string(opset) +
                       "; the newest Whittle supports is " +
                       std::to_string(kNewestSupportedOpset));
  StructureChecker(problems, opset).checkGraph(model.graph());
}

void validateRanks(const GraphProto &graph, std::vector<std::string> &problems) {
  RankChecker(problems).checkGraph(graph);
}

} // namespace whittle::detail
