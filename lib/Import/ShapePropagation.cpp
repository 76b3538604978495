//===- ShapePropagation.cpp - shape values for ONNX inference -------------===//

#include "ShapePropagation.h"

#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace ::onnx;

namespace whittle::detail {
namespace {

/// A small integer tensor of rank 0 or 1 whose elements may be unknown.
struct PartialValue {
  std::vector<std::optional<int64_t>> elts;
  bool scalar = false;
};

using Dims = std::vector<std::optional<int64_t>>;

constexpr size_t kMaxElements = 64;

std::optional<PartialValue> fromTensor(const TensorProto &t) {
  if (t.dims_size() > 1)
    return std::nullopt;
  PartialValue v;
  v.scalar = t.dims_size() == 0;
  std::vector<int64_t> raw;
  if (t.data_type() == TensorProto::INT64) {
    if (t.has_raw_data()) {
      raw.resize(t.raw_data().size() / 8);
      memcpy(raw.data(), t.raw_data().data(), raw.size() * 8);
    } else {
      raw.assign(t.int64_data().begin(), t.int64_data().end());
    }
  } else if (t.data_type() == TensorProto::INT32) {
    if (t.has_raw_data()) {
      std::vector<int32_t> r(t.raw_data().size() / 4);
      memcpy(r.data(), t.raw_data().data(), r.size() * 4);
      raw.assign(r.begin(), r.end());
    } else {
      raw.assign(t.int32_data().begin(), t.int32_data().end());
    }
  } else {
    return std::nullopt;
  }
  if (raw.size() > kMaxElements)
    return std::nullopt;
  for (int64_t x : raw)
    v.elts.push_back(x);
  return v;
}

const AttributeProto *attr(const NodeProto &n, const char *name) {
  for (const AttributeProto &a : n.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

class Propagator {
public:
  int run(GraphProto &g) {
    GraphProto *saved = graph;
    graph = &g;
    for (const TensorProto &t : g.initializer())
      if (auto v = fromTensor(t))
        values[t.name()] = *v;
    for (const auto *list : {&g.input(), &g.value_info(), &g.output()})
      for (const ValueInfoProto &vi : *list)
        types[vi.name()] = &vi.type();
    for (NodeProto &n : *g.mutable_node()) {
      visit(n);
      // Subgraph bodies see the outer values (ONNX scoping).
      for (AttributeProto &a : *n.mutable_attribute())
        if (a.has_g())
          run(*a.mutable_g());
      if (n.op_type() == "If")
        visitIf(n);
    }
    graph = saved;
    return written;
  }

private:
  std::optional<Dims> shapeOf(const std::string &name) {
    auto it = types.find(name);
    if (it == types.end() || !it->second->has_tensor_type() ||
        !it->second->tensor_type().has_shape())
      return std::nullopt;
    Dims d;
    for (const auto &dim : it->second->tensor_type().shape().dim())
      d.push_back(dim.has_dim_value() ? std::optional<int64_t>(dim.dim_value())
                                      : std::nullopt);
    return d;
  }

  const PartialValue *value(const NodeProto &n, int i) {
    if (i >= n.input_size() || n.input(i).empty())
      return nullptr;
    auto it = values.find(n.input(i));
    return it == values.end() ? nullptr : &it->second;
  }

  /// All elements of input `i` known.
  std::optional<std::vector<int64_t>> constant(const NodeProto &n, int i) {
    const PartialValue *v = value(n, i);
    if (!v)
      return std::nullopt;
    std::vector<int64_t> out;
    for (auto e : v->elts) {
      if (!e)
        return std::nullopt;
      out.push_back(*e);
    }
    return out;
  }

  /// An If whose condition is known statically has the types of the branch
  /// it takes (ONNX's own inference gives up when the branches differ).
  void visitIf(NodeProto &n) {
    auto cond = constant(n, 0);
    if (!cond || cond->size() != 1)
      return;
    const char *branch = (*cond)[0] ? "then_branch" : "else_branch";
    const AttributeProto *body = attr(n, branch);
    if (!body || !body->has_g())
      return;
    const GraphProto &g = body->g();
    for (int i = 0; i < n.output_size() && i < g.output_size(); ++i) {
      const TypeProto &t = g.output(i).type();
      if (!t.has_tensor_type() || !t.tensor_type().has_shape())
        continue;
      Dims dims;
      std::vector<std::string> params;
      for (const auto &d : t.tensor_type().shape().dim())
        dims.push_back(d.has_dim_value() ? std::optional<int64_t>(d.dim_value())
                                         : std::nullopt);
      recordWithType(n.output(i), dims, t.tensor_type().elem_type(),
                     /*allowRankChange=*/true);
    }
  }

  void visit(const NodeProto &n) {
    if (!n.domain().empty() && n.domain() != "ai.onnx")
      return;
    const std::string &op = n.op_type();
    if (n.output_size() < 1)
      return;
    const std::string &out = n.output(0);
    if (op == "Constant") {
      if (const AttributeProto *v = attr(n, "value")) {
        if (auto pv = fromTensor(v->t()))
          values[out] = *pv;
      } else if (const AttributeProto *v = attr(n, "value_ints")) {
        PartialValue pv;
        for (int64_t x : v->ints())
          pv.elts.push_back(x);
        values[out] = pv;
      } else if (const AttributeProto *v = attr(n, "value_int")) {
        values[out] = PartialValue{{v->i()}, true};
      }
    } else if (op == "Shape") {
      auto s = shapeOf(n.input(0));
      if (!s)
        return;
      int64_t rank = s->size();
      int64_t start = 0, end = rank;
      if (const AttributeProto *a = attr(n, "start"))
        start = a->i() < 0 ? a->i() + rank : a->i();
      if (const AttributeProto *a = attr(n, "end"))
        end = a->i() < 0 ? a->i() + rank : a->i();
      start = std::max<int64_t>(0, std::min(start, rank));
      end = std::max<int64_t>(start, std::min(end, rank));
      PartialValue pv;
      pv.elts.assign(s->begin() + start, s->begin() + end);
      values[out] = pv;
    } else if (op == "Equal" || op == "Greater" || op == "Less") {
      auto a = constant(n, 0), b = constant(n, 1);
      if (!a || !b || (a->size() != b->size() && a->size() != 1 && b->size() != 1))
        return;
      PartialValue pv;
      pv.scalar = value(n, 0)->scalar && value(n, 1)->scalar;
      for (size_t i = 0; i < std::max(a->size(), b->size()); ++i) {
        int64_t x = (*a)[a->size() == 1 ? 0 : i], y = (*b)[b->size() == 1 ? 0 : i];
        pv.elts.push_back(op == "Equal" ? x == y : op == "Greater" ? x > y : x < y);
      }
      values[out] = pv;
    } else if (op == "Not") {
      if (auto a = constant(n, 0)) {
        PartialValue pv;
        pv.scalar = value(n, 0)->scalar;
        for (int64_t x : *a)
          pv.elts.push_back(!x);
        values[out] = pv;
      }
    } else if (op == "Identity" || op == "Cast") {
      if (const PartialValue *v = value(n, 0))
        values[out] = *v;
    } else if (op == "Gather") {
      const PartialValue *data = value(n, 0);
      auto idx = constant(n, 1);
      const PartialValue *idxv = value(n, 1);
      const AttributeProto *axis = attr(n, "axis");
      if (!data || data->scalar || !idx || (axis && axis->i() != 0))
        return;
      PartialValue pv;
      pv.scalar = idxv->scalar;
      for (int64_t i : *idx) {
        int64_t k = i < 0 ? i + (int64_t)data->elts.size() : i;
        if (k < 0 || k >= (int64_t)data->elts.size())
          return;
        pv.elts.push_back(data->elts[k]);
      }
      values[out] = pv;
    } else if (op == "Unsqueeze") {
      if (const PartialValue *v = value(n, 0); v && v->scalar)
        values[out] = PartialValue{v->elts, false};
    } else if (op == "Squeeze") {
      if (const PartialValue *v = value(n, 0); v && !v->scalar && v->elts.size() == 1)
        values[out] = PartialValue{v->elts, true};
    } else if (op == "Concat") {
      PartialValue pv;
      for (int i = 0; i < n.input_size(); ++i) {
        const PartialValue *v = value(n, i);
        if (!v)
          return;
        pv.elts.insert(pv.elts.end(), v->elts.begin(), v->elts.end());
      }
      values[out] = pv;
    } else if (op == "Slice") {
      const PartialValue *data = value(n, 0);
      auto starts = constant(n, 1), ends = constant(n, 2);
      // Slice-1 (before opset 10) has attributes instead of inputs.
      auto fromAttr = [&](const char *name) -> std::optional<std::vector<int64_t>> {
        if (const AttributeProto *a = attr(n, name))
          return std::vector<int64_t>(a->ints().begin(), a->ints().end());
        return std::nullopt;
      };
      if (!starts)
        starts = fromAttr("starts");
      if (!ends)
        ends = fromAttr("ends");
      if (!data || data->scalar || !starts || !ends || starts->size() != 1 ||
          ends->size() != 1)
        return;
      int64_t step = 1;
      if (auto steps = constant(n, 4))
        step = steps->at(0);
      int64_t size = data->elts.size();
      int64_t s = (*starts)[0], e = (*ends)[0];
      if (step != 1)
        return;
      s = s < 0 ? s + size : s;
      e = e < 0 ? e + size : e;
      s = std::max<int64_t>(0, std::min(s, size));
      e = std::max<int64_t>(s, std::min(e, size));
      values[out] = PartialValue{Dims(data->elts.begin() + s, data->elts.begin() + e), false};
    } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
      const PartialValue *a = value(n, 0), *b = value(n, 1);
      if (!a || !b)
        return;
      size_t len = std::max(a->elts.size(), b->elts.size());
      if ((a->elts.size() != len && a->elts.size() != 1) ||
          (b->elts.size() != len && b->elts.size() != 1))
        return;
      PartialValue pv;
      pv.scalar = a->scalar && b->scalar;
      for (size_t i = 0; i < len; ++i) {
        auto x = a->elts[a->elts.size() == 1 ? 0 : i];
        auto y = b->elts[b->elts.size() == 1 ? 0 : i];
        if (!x || !y || (op == "Div" && *y == 0)) {
          pv.elts.push_back(std::nullopt);
          continue;
        }
        // A result that overflows int64 is unknown (a hostile model's
        // values; ONNX leaves the wrapping to the run).
        int64_t r = 0;
        bool overflow;
        if (op == "Add")
          overflow = __builtin_add_overflow(*x, *y, &r);
        else if (op == "Sub")
          overflow = __builtin_sub_overflow(*x, *y, &r);
        else if (op == "Mul")
          overflow = __builtin_mul_overflow(*x, *y, &r);
        else {
          overflow = *x == std::numeric_limits<int64_t>::min() && *y == -1;
          if (!overflow)
            r = *x / *y;
        }
        pv.elts.push_back(overflow ? std::nullopt : std::optional<int64_t>(r));
      }
      values[out] = pv;
    } else if (op == "Reshape") {
      const PartialValue *shape = value(n, 1);
      if (!shape)
        return;
      auto in = shapeOf(n.input(0));
      const AttributeProto *az = attr(n, "allowzero");
      bool allowZero = az && az->i() != 0;
      Dims outDims;
      int inferAt = -1;
      for (size_t i = 0; i < shape->elts.size(); ++i) {
        auto e = shape->elts[i];
        if (e && *e == 0 && !allowZero)
          outDims.push_back(in && i < in->size() ? (*in)[i] : std::nullopt);
        else if (e && *e == -1) {
          inferAt = i;
          outDims.push_back(std::nullopt);
        } else
          outDims.push_back(e);
      }
      if (inferAt >= 0 && in) {
        // -1: total input elements over the other output dims, when the
        // unknowns cancel (the same unknown input and output dims).
        std::optional<int64_t> num = 1, den = 1;
        Dims inRest(*in);
        Dims outRest;
        for (size_t i = 0; i < outDims.size(); ++i)
          if ((int)i != inferAt)
            outRest.push_back(outDims[i]);
        for (auto it = outRest.begin(); it != outRest.end();) {
          // A dim copied by 0 from the same input position cancels.
          if (!*it) {
            size_t pos = it - outRest.begin();
            size_t orig = pos < (size_t)inferAt ? pos : pos + 1;
            auto e = shape->elts[orig];
            if (e && *e == 0 && orig < inRest.size() && !inRest[orig]) {
              inRest[orig] = 1;
              *it = 1;
            }
          }
          ++it;
        }
        // Products that overflow int64 leave the dim unknown.
        auto times = [](std::optional<int64_t> acc, std::optional<int64_t> d) {
          int64_t r;
          return acc && d && !__builtin_mul_overflow(*acc, *d, &r) ? std::optional<int64_t>(r)
                                                                   : std::nullopt;
        };
        for (auto d : inRest)
          num = times(num, d);
        for (auto d : outRest)
          den = times(den, d);
        if (num && den && *den != 0 && *num % *den == 0)
          outDims[inferAt] = *num / *den;
      }
      record(out, n.input(0), outDims);
    } else if (op == "Expand") {
      const PartialValue *shape = value(n, 1);
      auto in = shapeOf(n.input(0));
      if (!shape || !in)
        return;
      size_t rank = std::max(shape->elts.size(), in->size());
      Dims outDims(rank);
      for (size_t i = 0; i < rank; ++i) {
        std::optional<int64_t> a =
            i + in->size() >= rank ? (*in)[i + in->size() - rank] : std::optional<int64_t>(1);
        std::optional<int64_t> b = i + shape->elts.size() >= rank
                                       ? shape->elts[i + shape->elts.size() - rank]
                                       : std::optional<int64_t>(1);
        if (a && *a == 1)
          outDims[i] = b;
        else if (b && *b == 1)
          outDims[i] = a;
        else if (a && b && *a == *b)
          outDims[i] = a;
        else
          outDims[i] = a ? a : b;
      }
      record(out, n.input(0), outDims);
    } else if (op == "Split") {
      // Opset 18's num_outputs may leave a smaller last chunk, which ONNX
      // 1.12's inference rejects; compute the pieces here.
      auto in = shapeOf(n.input(0));
      if (!in)
        return;
      int64_t rank = in->size();
      const AttributeProto *axisAttr = attr(n, "axis");
      int64_t axis = axisAttr ? axisAttr->i() : 0;
      if (axis < 0)
        axis += rank;
      if (axis < 0 || axis >= rank || !(*in)[axis])
        return;
      int64_t dim = *(*in)[axis], parts = n.output_size();
      std::vector<int64_t> sizes;
      if (auto given = constant(n, 1)) {
        sizes = *given;
      } else if (const AttributeProto *s = attr(n, "split")) {
        sizes.assign(s->ints().begin(), s->ints().end());
      } else {
        int64_t chunk = (dim + parts - 1) / parts;
        for (int64_t i = 0; i < parts; ++i)
          sizes.push_back(std::max<int64_t>(0, std::min(chunk, dim - i * chunk)));
      }
      if ((int64_t)sizes.size() != parts)
        return;
      for (int64_t i = 0; i < parts; ++i) {
        Dims d(*in);
        d[axis] = sizes[i];
        record(n.output(i), n.input(0), d);
      }
    } else if (op == "ConstantOfShape") {
      if (const PartialValue *shape = value(n, 0))
        recordWithType(out, shape->elts, attr(n, "value")
                                             ? attr(n, "value")->t().data_type()
                                             : (int)TensorProto::FLOAT);
    }
  }

  /// Writes `dims` as the shape of `name` (element type from `like`) when it
  /// says more than what value_info already has.
  void record(const std::string &name, const std::string &like, const Dims &dims) {
    auto it = types.find(like);
    if (it == types.end() || !it->second->has_tensor_type())
      return;
    recordWithType(name, dims, it->second->tensor_type().elem_type());
  }

  void recordWithType(const std::string &name, const Dims &dims, int elemType,
                      bool allowRankChange = false) {
    if (elemType == 0)
      return;
    auto old = shapeOf(name);
    auto known = [](const Dims &d) {
      int k = 0;
      for (auto x : d)
        k += x.has_value();
      return k;
    };
    if (old && old->size() != dims.size() && !allowRankChange)
      return;
    if (old && old->size() == dims.size() && known(*old) >= known(dims))
      return;
    ValueInfoProto *vi = nullptr;
    for (ValueInfoProto &v : *graph->mutable_value_info())
      if (v.name() == name)
        vi = &v;
    bool isOutput = false;
    for (ValueInfoProto &v : *graph->mutable_output())
      if (v.name() == name) {
        vi = &v;
        isOutput = true;
      }
    if (!vi) {
      vi = graph->add_value_info();
      vi->set_name(name);
    }
    auto *tt = vi->mutable_type()->mutable_tensor_type();
    if (!tt->elem_type())
      tt->set_elem_type(elemType);
    auto *shape = tt->mutable_shape();
    // Keep symbolic names where ours has no value.
    std::vector<std::string> params(dims.size());
    if (shape->dim_size() == (int)dims.size())
      for (int i = 0; i < shape->dim_size(); ++i)
        params[i] = shape->dim(i).dim_param();
    shape->clear_dim();
    for (size_t i = 0; i < dims.size(); ++i) {
      auto *d = shape->add_dim();
      if (dims[i])
        d->set_dim_value(*dims[i]);
      else if (!params[i].empty())
        d->set_dim_param(params[i]);
    }
    (void)isOutput;
    types[name] = &vi->type();
    ++written;
  }

  GraphProto *graph = nullptr;
  std::map<std::string, PartialValue> values;
  std::map<std::string, const TypeProto *> types;
  int written = 0;
};

} // namespace

int propagateShapeValues(GraphProto &graph) { return Propagator().run(graph); }

} // namespace whittle::detail
