//===- ModelNormalizer.cpp - opset normalization on the protobuf ----------===//
//
// Each rewrite follows the ONNX specification's changelog for one operator.
// Attributes that became inputs turn into new initializers named after the
// node; inputs that later versions added are folded into attributes when
// they are constants.
//
//===----------------------------------------------------------------------===//

#include "ModelNormalizer.h"

#include <onnx/defs/schema.h>

#include <map>
#include <optional>
#include <set>

using namespace ::onnx;

namespace whittle::detail {

const AttributeProto *findAttr(const NodeProto &node, const std::string &name) {
  for (const AttributeProto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

std::string nodeLabel(const NodeProto &node) {
  return "node '" + (node.name().empty() ? std::string("<unnamed>") : node.name()) + "' (" +
         (node.domain().empty() ? "" : node.domain() + "::") + node.op_type() + ")";
}

namespace {

//===----------------------------------------------------------------------===//
// Small protobuf helpers
//===----------------------------------------------------------------------===//

void removeAttr(NodeProto &node, const std::string &name) {
  auto *attrs = node.mutable_attribute();
  for (int i = 0; i < attrs->size(); ++i)
    if (attrs->Get(i).name() == name) {
      attrs->DeleteSubrange(i, 1);
      return;
    }
}

void setIntAttr(NodeProto &node, const std::string &name, int64_t v) {
  removeAttr(node, name);
  AttributeProto *a = node.add_attribute();
  a->set_name(name);
  a->set_type(AttributeProto::INT);
  a->set_i(v);
}

void setStringAttr(NodeProto &node, const std::string &name,
                   const std::string &v) {
  removeAttr(node, name);
  AttributeProto *a = node.add_attribute();
  a->set_name(name);
  a->set_type(AttributeProto::STRING);
  a->set_s(v);
}

void setIntsAttr(NodeProto &node, const std::string &name,
                 const std::vector<int64_t> &v) {
  removeAttr(node, name);
  AttributeProto *a = node.add_attribute();
  a->set_name(name);
  a->set_type(AttributeProto::INTS);
  for (int64_t x : v)
    a->add_ints(x);
}

/// Name for a tensor a rewrite adds to the graph.
std::string freshName(const NodeProto &node, const std::string &what) {
  static int counter = 0;
  std::string base = node.name().empty()
                         ? (node.output_size() ? node.output(0) : "node")
                         : node.name();
  return base + ".whittle_" + what + "_" + std::to_string(counter++);
}

std::string addInt64Initializer(GraphProto &graph, const NodeProto &node,
                                const std::string &what,
                                const std::vector<int64_t> &values,
                                bool scalar = false) {
  TensorProto *t = graph.add_initializer();
  t->set_name(freshName(node, what));
  t->set_data_type(TensorProto::INT64);
  if (!scalar)
    t->add_dims((int64_t)values.size());
  for (int64_t v : values)
    t->add_int64_data(v);
  return t->name();
}

std::string addFloatInitializer(GraphProto &graph, const NodeProto &node,
                                const std::string &what,
                                const std::vector<float> &values, bool scalar) {
  TensorProto *t = graph.add_initializer();
  t->set_name(freshName(node, what));
  t->set_data_type(TensorProto::FLOAT);
  if (!scalar)
    t->add_dims((int64_t)values.size());
  for (float v : values)
    t->add_float_data(v);
  return t->name();
}

/// Sets input `idx` of `node`, padding skipped optional inputs with "".
void setInput(NodeProto &node, int idx, const std::string &name) {
  while (node.input_size() <= idx)
    node.add_input("");
  node.set_input(idx, name);
}

/// Reads an integer constant (initializer or Constant node output).
std::optional<std::vector<int64_t>> constantInts(const GraphProto &graph,
                                                 const std::string &name) {
  auto fromTensor = [](const TensorProto &t) -> std::optional<std::vector<int64_t>> {
    std::vector<int64_t> out;
    if (t.data_type() == TensorProto::INT64) {
      if (t.has_raw_data()) {
        const std::string &raw = t.raw_data();
        out.resize(raw.size() / 8);
        memcpy(out.data(), raw.data(), out.size() * 8);
      } else {
        out.assign(t.int64_data().begin(), t.int64_data().end());
      }
      return out;
    }
    if (t.data_type() == TensorProto::INT32) {
      if (t.has_raw_data()) {
        const std::string &raw = t.raw_data();
        std::vector<int32_t> tmp(raw.size() / 4);
        memcpy(tmp.data(), raw.data(), tmp.size() * 4);
        out.assign(tmp.begin(), tmp.end());
      } else {
        out.assign(t.int32_data().begin(), t.int32_data().end());
      }
      return out;
    }
    return std::nullopt;
  };
  for (const TensorProto &t : graph.initializer())
    if (t.name() == name)
      return fromTensor(t);
  for (const NodeProto &n : graph.node())
    if (n.op_type() == "Constant" && n.output_size() == 1 &&
        n.output(0) == name) {
      if (const AttributeProto *v = findAttr(n, "value"))
        return fromTensor(v->t());
      if (const AttributeProto *v = findAttr(n, "value_ints"))
        return std::vector<int64_t>(v->ints().begin(), v->ints().end());
      if (const AttributeProto *v = findAttr(n, "value_int"))
        return std::vector<int64_t>{v->i()};
    }
  return std::nullopt;
}

/// Moves an INTS attribute into input `idx` as an int64 initializer.
void intsAttrToInput(GraphProto &graph, NodeProto &node,
                     const std::string &attr, int idx) {
  const AttributeProto *a = findAttr(node, attr);
  if (!a)
    return;
  std::vector<int64_t> v(a->ints().begin(), a->ints().end());
  setInput(node, idx, addInt64Initializer(graph, node, attr, v));
  removeAttr(node, attr);
}

/// Moves a constant int64 input `idx` into an INTS attribute. Returns false
/// when the input is present but not constant.
bool inputToIntsAttr(const GraphProto &graph, NodeProto &node, int idx,
                     const std::string &attr) {
  if (node.input_size() <= idx || node.input(idx).empty())
    return true;
  auto v = constantInts(graph, node.input(idx));
  if (!v)
    return false;
  setIntsAttr(node, attr, *v);
  node.mutable_input()->DeleteSubrange(idx, node.input_size() - idx);
  return true;
}

const std::set<std::string> &reduceOpsWithAxesInput18() {
  static const std::set<std::string> ops = {
      "ReduceMean",   "ReduceMax",    "ReduceMin",
      "ReduceProd",   "ReduceL1",     "ReduceL2",
      "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"};
  return ops;
}

/// Pad-18's `axes` (parked in the whittle_pad_axes attribute) expanded
/// into full-rank pads, once the data's rank is known.
void expandPadAxes(GraphProto &graph, NodeProto &node, bool reportMissingRank,
                   std::vector<std::string> &errors) {
  const AttributeProto *axesAttr = findAttr(node, "whittle_pad_axes");
  if (!axesAttr)
    return;
  std::vector<int64_t> axes(axesAttr->ints().begin(), axesAttr->ints().end());
  int64_t rank = -1;
  for (const auto *list : {&graph.value_info(), &graph.input()})
    for (const auto &vi : *list)
      if (vi.name() == node.input(0) && vi.type().tensor_type().has_shape())
        rank = vi.type().tensor_type().shape().dim_size();
  for (const TensorProto &t : graph.initializer())
    if (t.name() == node.input(0))
      rank = t.dims_size();
  auto pads = constantInts(graph, node.input(1));
  if (rank < 0 || !pads) {
    if (reportMissingRank)
      errors.push_back(nodeLabel(node) + ": opset-18 Pad 'axes' needs the data's rank");
    return;
  }
  std::vector<int64_t> full(2 * rank, 0);
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (a < 0 || a >= rank)
      continue;
    full[a] = (*pads)[i];
    full[rank + a] = (*pads)[axes.size() + i];
  }
  node.set_input(1, addInt64Initializer(graph, node, "pads", full));
  removeAttr(node, "whittle_pad_axes");
}

} // namespace

int64_t defaultOpset(const ModelProto &model) {
  for (const OperatorSetIdProto &o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      return o.version();
  return 1;
}

int64_t maxKnownOpset() {
  auto range = OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  auto it = range.find(ONNX_DOMAIN);
  return it == range.end() ? 17 : it->second.second;
}

//===----------------------------------------------------------------------===//
// Newer forms -> newest known form
//===----------------------------------------------------------------------===//

void downgradeNewerForms(GraphProto &graph, int64_t opset,
                         std::vector<std::string> &errors) {
  if (opset <= maxKnownOpset())
    return;
  for (NodeProto &node : *graph.mutable_node()) {
    for (AttributeProto &a : *node.mutable_attribute()) {
      if (a.has_g())
        downgradeNewerForms(*a.mutable_g(), opset, errors);
      for (GraphProto &g : *a.mutable_graphs())
        downgradeNewerForms(g, opset, errors);
    }
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      continue;
    const std::string &op = node.op_type();
    // Reduce*-18: `axes` became an optional input.
    if (reduceOpsWithAxesInput18().count(op)) {
      const AttributeProto *noop = findAttr(node, "noop_with_empty_axes");
      bool hasAxes = node.input_size() > 1 && !node.input(1).empty();
      if (!hasAxes && noop && noop->i() == 1) {
        node.set_op_type("Identity");
        node.clear_attribute();
        node.mutable_input()->DeleteSubrange(1, node.input_size() - 1);
        continue;
      }
      if (!inputToIntsAttr(graph, node, 1, "axes"))
        errors.push_back(nodeLabel(node) +
                         ": opset-18 'axes' must be a constant to import");
      removeAttr(node, "noop_with_empty_axes");
      continue;
    }
    // Split-18: `num_outputs` is the number of outputs; the legalization
    // splits into that many ceil-sized chunks, as opset 18 specifies.
    if (op == "Split") {
      removeAttr(node, "num_outputs");
      continue;
    }
    // Attributes later opsets added whose defaults keep the old meaning.
    auto dropIfDefault = [&](const char *name, auto isDefault) {
      if (const AttributeProto *a = findAttr(node, name)) {
        if (isDefault(*a))
          removeAttr(node, name);
      }
    };
    auto allOnes = [](const AttributeProto &a) {
      for (int64_t v : a.ints())
        if (v != 1)
          return false;
      return true;
    };
    if (op == "AveragePool" || op == "LpPool") {
      dropIfDefault("dilations", allOnes); // opset 19 / 18
      dropIfDefault("ceil_mode", [](const AttributeProto &a) { return a.i() == 0; });
    }
    if (op == "Cast" || op == "CastLike" || op == "QuantizeLinear")
      removeAttr(node, "saturate"); // opset 19: only affects float8 types
    if (op == "GridSample")
      if (const AttributeProto *m = findAttr(node, "mode")) {
        // Opset 20 renamed the modes.
        std::string v = m->s() == "linear" ? "bilinear"
                        : m->s() == "cubic" ? "bicubic" : m->s();
        setStringAttr(node, "mode", v);
      }
    // Pad-18: optional `axes` input selecting which dims `pads` covers.
    if (op == "Pad" && node.input_size() > 3 && !node.input(3).empty()) {
      auto axes = constantInts(graph, node.input(3));
      auto pads = node.input_size() > 1 ? constantInts(graph, node.input(1))
                                        : std::nullopt;
      if (axes && pads && pads->size() == 2 * axes->size()) {
        // The rank is needed to expand; where the model does not declare
        // it, it is known once shapes are inferred, so the axes wait in an
        // attribute for the upgrade step.
        setIntsAttr(node, "whittle_pad_axes", *axes);
        node.mutable_input()->DeleteSubrange(3, node.input_size() - 3);
        expandPadAxes(graph, node, /*reportMissingRank=*/false, errors);
      } else {
        errors.push_back(nodeLabel(node) +
                         ": opset-18 Pad 'axes' and 'pads' must be constants");
      }
      continue;
    }
    // Resize-18/19: new attributes; the defaults match the opset-13 form.
    if (op == "Resize") {
      const AttributeProto *anti = findAttr(node, "antialias");
      if (anti && anti->i() != 0)
        errors.push_back(nodeLabel(node) + ": Resize antialias=1 is not supported");
      removeAttr(node, "antialias");
      const AttributeProto *policy = findAttr(node, "keep_aspect_ratio_policy");
      if (policy && policy->s() != "stretch")
        errors.push_back(nodeLabel(node) +
                         ": Resize keep_aspect_ratio_policy other than "
                         "'stretch' is not supported");
      removeAttr(node, "keep_aspect_ratio_policy");
      if (findAttr(node, "axes"))
        errors.push_back(nodeLabel(node) + ": Resize 'axes' is not supported");
      const AttributeProto *mode = findAttr(node, "coordinate_transformation_mode");
      if (mode && mode->s() == "half_pixel_symmetric")
        errors.push_back(nodeLabel(node) +
                         ": Resize half_pixel_symmetric is not supported");
      continue;
    }
  }
}

//===----------------------------------------------------------------------===//
// Older forms -> newest known form
//===----------------------------------------------------------------------===//

/// The rank of `name` where the graph declares it (input, initializer or
/// value_info), else -1.
int64_t declaredRank(const GraphProto &graph, const std::string &name) {
  for (const TensorProto &t : graph.initializer())
    if (t.name() == name)
      return t.dims_size();
  for (const auto *list : {&graph.input(), &graph.value_info(), &graph.output()})
    for (const ValueInfoProto &v : *list)
      if (v.name() == name && v.type().has_tensor_type() &&
          v.type().tensor_type().has_shape())
        return v.type().tensor_type().shape().dim_size();
  return -1;
}

/// Opset 1-6 `broadcast=1, axis=k`: B's dims line up with A's from k on.
/// Numpy broadcasting aligns trailing dims, so B gets trailing unit dims
/// from an Unsqueeze placed before the node. Returns the new node, if any.
std::optional<NodeProto> alignLegacyBroadcast(GraphProto &graph, NodeProto &node,
                                              std::vector<std::string> &errors) {
  const AttributeProto *axisAttr = findAttr(node, "axis");
  int64_t axis = axisAttr ? axisAttr->i() : 0;
  removeAttr(node, "axis");
  removeAttr(node, "broadcast");
  if (node.input_size() < 2)
    return std::nullopt;
  int64_t ra = declaredRank(graph, node.input(0)), rb = declaredRank(graph, node.input(1));
  if (ra < 0 || rb < 0) {
    errors.push_back(nodeLabel(node) +
                     ": legacy broadcast with 'axis' on values of unknown rank");
    return std::nullopt;
  }
  if (axis < 0)
    axis += ra;
  int64_t trailing = ra - axis - rb;
  if (trailing <= 0)
    return std::nullopt;
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < trailing; ++i)
    axes.push_back(rb + i);
  NodeProto unsq;
  unsq.set_op_type("Unsqueeze");
  unsq.set_name(node.name() + "_broadcast_axis");
  unsq.add_input(node.input(1));
  unsq.add_input(addInt64Initializer(graph, node, "broadcast_axes", axes));
  unsq.add_output(freshName(node, "aligned"));
  // Declare the aligned shape where B's is declared: shape inference ran
  // before this rewrite.
  for (const ValueInfoProto &v : graph.input())
    if (v.name() == node.input(1) && v.type().has_tensor_type()) {
      ValueInfoProto *info = graph.add_value_info();
      *info = v;
      info->set_name(unsq.output(0));
      auto *shape = info->mutable_type()->mutable_tensor_type()->mutable_shape();
      for (int64_t i = 0; i < trailing; ++i)
        shape->add_dim()->set_dim_value(1);
    }
  node.set_input(1, unsq.output(0));
  return unsq;
}

void upgradeOlderForms(GraphProto &graph, int64_t opset,
                       std::vector<std::string> &errors) {
  // Nodes to insert before node i, added once the walk is over.
  std::vector<std::pair<int, NodeProto>> inserts;
  for (int index = 0; index < graph.node_size(); ++index) {
    NodeProto &node = *graph.mutable_node(index);
    for (AttributeProto &a : *node.mutable_attribute()) {
      if (a.has_g())
        upgradeOlderForms(*a.mutable_g(), opset, errors);
      for (GraphProto &g : *a.mutable_graphs())
        upgradeOlderForms(g, opset, errors);
    }
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      continue;
    const std::string &op = node.op_type();
    if (op == "Reshape" && opset < 5) {
      intsAttrToInput(graph, node, "shape", 1);
    } else if (op == "Pad" && opset < 11) {
      intsAttrToInput(graph, node, "pads", 1);
      if (const AttributeProto *v = findAttr(node, "value")) {
        if (v->f() != 0.0f)
          setInput(node, 2,
                   addFloatInitializer(graph, node, "value", {v->f()}, true));
        removeAttr(node, "value");
      }
    } else if (op == "Slice" && opset < 10) {
      intsAttrToInput(graph, node, "starts", 1);
      intsAttrToInput(graph, node, "ends", 2);
      intsAttrToInput(graph, node, "axes", 3);
    } else if (op == "TopK" && opset < 10) {
      if (const AttributeProto *k = findAttr(node, "k")) {
        setInput(node, 1, addInt64Initializer(graph, node, "k", {k->i()}));
        removeAttr(node, "k");
      }
    } else if (op == "Clip" && opset < 11) {
      const AttributeProto *mn = findAttr(node, "min");
      const AttributeProto *mx = findAttr(node, "max");
      if (mn)
        setInput(node, 1, addFloatInitializer(graph, node, "min", {mn->f()}, true));
      if (mx)
        setInput(node, 2, addFloatInitializer(graph, node, "max", {mx->f()}, true));
      removeAttr(node, "min");
      removeAttr(node, "max");
    } else if (op == "Split" && opset < 13) {
      intsAttrToInput(graph, node, "split", 1);
    } else if ((op == "ReduceSum" || op == "Squeeze" || op == "Unsqueeze") &&
               opset < 13) {
      intsAttrToInput(graph, node, "axes", 1);
    } else if (op == "Dropout" && opset < 12) {
      if (const AttributeProto *r = findAttr(node, "ratio")) {
        setInput(node, 1, addFloatInitializer(graph, node, "ratio", {r->f()}, true));
        removeAttr(node, "ratio");
      }
      removeAttr(node, "is_test");
    } else if (op == "BatchNormalization" && opset < 9) {
      const AttributeProto *spatial = findAttr(node, "spatial");
      if (spatial && spatial->i() != 1)
        errors.push_back(nodeLabel(node) +
                         ": BatchNormalization spatial=0 is not supported");
      removeAttr(node, "spatial");
      removeAttr(node, "is_test");
      removeAttr(node, "consumed_inputs");
    } else if (op == "Upsample" || (op == "Resize" && opset < 11)) {
      // Upsample and Resize-10 map output index i to input i / scale.
      if (const AttributeProto *s = findAttr(node, "scales")) {
        std::vector<float> scales(s->floats().begin(), s->floats().end());
        setInput(node, 1, addFloatInitializer(graph, node, "scales", scales, false));
        removeAttr(node, "scales");
      }
      std::string scales = node.input_size() > 1 ? node.input(1) : "";
      node.set_op_type("Resize");
      node.mutable_input()->DeleteSubrange(1, node.input_size() - 1);
      setInput(node, 1, "");      // roi
      setInput(node, 2, scales);  // scales
      std::string mode = "nearest";
      if (const AttributeProto *m = findAttr(node, "mode"))
        mode = m->s() == "bilinear" ? "linear" : m->s();
      setStringAttr(node, "mode", mode);
      setStringAttr(node, "coordinate_transformation_mode", "asymmetric");
      if (mode == "nearest")
        setStringAttr(node, "nearest_mode", "floor");
    } else if (op == "Scatter") {
      node.set_op_type("ScatterElements");
    } else if (opset < 7) {
      // Opset 1-6 broadcasting attributes; numpy broadcasting from 7 on.
      if (const AttributeProto *b = findAttr(node, "broadcast")) {
        if (b->i() != 0 && findAttr(node, "axis")) {
          if (auto unsq = alignLegacyBroadcast(graph, node, errors))
            inserts.emplace_back(index, std::move(*unsq));
        } else {
          removeAttr(node, "broadcast");
        }
      }
      removeAttr(node, "consumed_inputs");
    }
    if (op == "Pad")
      expandPadAxes(graph, node, /*reportMissingRank=*/true, errors);
  }
  if (inserts.empty())
    return;
  std::vector<NodeProto> nodes(graph.node().begin(), graph.node().end());
  graph.clear_node();
  size_t next = 0;
  for (int i = 0; i < (int)nodes.size(); ++i) {
    for (; next < inserts.size() && inserts[next].first == i; ++next)
      *graph.add_node() = inserts[next].second;
    *graph.add_node() = nodes[i];
  }
}

} // namespace whittle::detail
