//===- LegalizationTable.cpp - handler table and shared helpers -----------===//

#include "LegalizationTable.h"

#include "whittle/Dialect/Whittle/WhittleConstants.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace whittle::conversion {

void LegalizationTable::add(StringRef opName, int64_t sinceVersion,
                            Handler handler) {
  auto &list = entries[opName];
  list.push_back({sinceVersion, std::move(handler)});
  llvm::sort(list, [](const auto &a, const auto &b) { return a.first < b.first; });
}

const Handler *LegalizationTable::lookup(StringRef opName, int64_t opset) const {
  auto it = entries.find(opName);
  if (it == entries.end())
    return nullptr;
  const Handler *best = nullptr;
  for (const auto &[since, handler] : it->second)
    if (since <= opset)
      best = &handler;
  return best;
}

const Handler *LegalizationTable::lookup(Operation *op, int64_t opset) const {
  if (auto custom = dyn_cast<onnx::CustomOp>(op))
    return lookup(customKey(custom.getDomain(), custom.getOpType()),
                  custom.getVersion());
  return lookup(op->getName().getStringRef(), opset);
}

SmallVector<StringRef> LegalizationTable::opNames() const {
  SmallVector<StringRef> names;
  for (const auto &e : entries)
    names.push_back(e.getKey().starts_with("onnx.Custom:")
                        ? onnx::CustomOp::getOperationName()
                        : e.getKey());
  llvm::sort(names);
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
  return names;
}

/// The ElementsAttr behind a constant-producing op, if any.
static ElementsAttr constantElements(Value v) {
  if (!v)
    return nullptr;
  Operation *def = v.getDefiningOp();
  if (!def)
    return nullptr;
  if (auto c = dyn_cast<wt::ConstantOp>(def))
    return c.getValue();
  if (auto c = dyn_cast<onnx::ConstantOp>(def))
    return c.getValueAttr();
  return nullptr;
}

using wt::forEachElement;

std::optional<SmallVector<int64_t>> getConstantInts(Value v) {
  ElementsAttr attr = constantElements(v);
  if (!attr || !isa<IntegerType>(attr.getElementType()))
    return std::nullopt;
  SmallVector<int64_t> out(attr.getNumElements());
  if (!forEachElement(attr, [&](int64_t i, double x) { out[i] = wt::saturatingInt64(x); }))
    return std::nullopt;
  // doubles cannot hold every int64: reread exact values where dense.
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    auto it = cast<IntegerType>(attr.getElementType());
    int64_t i = 0;
    for (APInt x : dense.getValues<APInt>())
      out[i++] = it.isUnsigned() ? (int64_t)x.getZExtValue() : x.getSExtValue();
  } else if (auto res = dyn_cast<DenseResourceElementsAttr>(attr);
             res && attr.getElementType().isSignlessInteger(64)) {
    ArrayRef<char> data = res.getRawHandle().getBlob()->getData();
    memcpy(out.data(), data.data(), out.size() * sizeof(int64_t));
  }
  return out;
}

std::optional<SmallVector<double>> getConstantFloats(Value v) {
  ElementsAttr attr = constantElements(v);
  if (!attr)
    return std::nullopt;
  SmallVector<double> out(attr.getNumElements());
  if (!forEachElement(attr, [&](int64_t i, double x) { out[i] = x; }))
    return std::nullopt;
  return out;
}

std::optional<double> getConstantScalar(Value v) {
  auto values = getConstantFloats(v);
  if (!values || values->size() != 1)
    return std::nullopt;
  return (*values)[0];
}

std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

Value createScalarConstant(PatternRewriter &rewriter, Location loc,
                           Type elementType, double value) {
  auto type = RankedTensorType::get({}, elementType);
  Attribute elt;
  if (auto ft = dyn_cast<FloatType>(elementType))
    elt = rewriter.getFloatAttr(ft, value);
  else
    elt = rewriter.getIntegerAttr(elementType, wt::saturatingInt64(value));
  return wt::ConstantOp::create(rewriter, loc,
                                cast<ElementsAttr>(DenseElementsAttr::get(type, elt)));
}

Value createIota(PatternRewriter &rewriter, Location loc, int64_t n,
                 Type elementType) {
  auto type = RankedTensorType::get({n}, elementType);
  if (n > kMaxGeneratedConstantBytes / 8) {
    auto i64 = RankedTensorType::get({n}, rewriter.getI64Type());
    Value ones = wt::BroadcastOp::create(
        rewriter, loc, i64, createScalarConstant(rewriter, loc, rewriter.getI64Type(), 1),
        Value());
    auto sum = wt::CumSumOp::create(rewriter, loc, i64, ones, Value());
    sum.setExclusive(true);
    if (elementType == i64.getElementType())
      return sum;
    return wt::CastOp::create(rewriter, loc, type, sum);
  }
  SmallVector<Attribute> values;
  for (int64_t i = 0; i < n; ++i)
    values.push_back(isa<FloatType>(elementType)
                         ? (Attribute)rewriter.getFloatAttr(elementType, (double)i)
                         : (Attribute)rewriter.getIntegerAttr(elementType, i));
  return wt::ConstantOp::create(rewriter, loc,
                                cast<ElementsAttr>(DenseElementsAttr::get(type, values)));
}

Value reshapeTo(PatternRewriter &rewriter, Location loc, Value v,
                ArrayRef<int64_t> shape) {
  auto ty = cast<RankedTensorType>(v.getType());
  if (ty.getShape() == shape)
    return v;
  return wt::ReshapeOp::create(rewriter, loc,
                               RankedTensorType::get(shape, ty.getElementType()), v,
                               Value(), false);
}

Value transposeTo(PatternRewriter &rewriter, Location loc, Value v,
                  ArrayRef<int64_t> perm) {
  auto ty = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(ty.getDimSize(p));
  return wt::TransposeOp::create(rewriter, loc,
                                 RankedTensorType::get(shape, ty.getElementType()), v,
                                 rewriter.getDenseI64ArrayAttr(perm));
}

Value toScalar(PatternRewriter &rewriter, Location loc, Value v) {
  return reshapeTo(rewriter, loc, v, {});
}

SmallVector<int64_t> intsOr(std::optional<ArrayRef<int64_t>> attr,
                            ArrayRef<int64_t> fallback) {
  if (attr)
    return SmallVector<int64_t>(attr->begin(), attr->end());
  return SmallVector<int64_t>(fallback.begin(), fallback.end());
}

FailureOr<SmallVector<int64_t>>
resolvePads(Operation *op, PatternRewriter &rewriter, StringRef autoPad,
            std::optional<ArrayRef<int64_t>> pads, RankedTensorType inputType,
            ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
            ArrayRef<int64_t> dilations) {
  size_t spatial = kernel.size();
  if (autoPad == "NOTSET" || autoPad.empty()) {
    SmallVector<int64_t> p = intsOr(pads, SmallVector<int64_t>(2 * spatial, 0));
    if (p.size() != 2 * spatial)
      return rewriter.notifyMatchFailure(op, "pads has the wrong length");
    return p;
  }
  if (autoPad == "VALID")
    return SmallVector<int64_t>(2 * spatial, 0);
  if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER")
    return rewriter.notifyMatchFailure(op, "unknown auto_pad");
  SmallVector<int64_t> p(2 * spatial, 0);
  for (size_t i = 0; i < spatial; ++i) {
    int64_t in = inputType.getDimSize(2 + i);
    if (ShapedType::isDynamic(in))
      return rewriter.notifyMatchFailure(op, "SAME padding of a dynamic dim");
    int64_t out = (in + strides[i] - 1) / strides[i];
    int64_t span = (kernel[i] - 1) * dilations[i] + 1;
    int64_t total = std::max<int64_t>(0, (out - 1) * strides[i] + span - in);
    int64_t small = total / 2, big = total - small;
    p[i] = autoPad == "SAME_UPPER" ? small : big;
    p[spatial + i] = autoPad == "SAME_UPPER" ? big : small;
  }
  return p;
}

} // namespace whittle::conversion
