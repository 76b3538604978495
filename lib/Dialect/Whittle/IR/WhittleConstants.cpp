//===- WhittleConstants.cpp - reading and making constant tensors --------===//

#include "whittle/Dialect/Whittle/WhittleConstants.h"

#include "whittle/Dialect/Whittle/WhittleOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cmath>

using namespace mlir;

namespace whittle::wt {

bool forEachElement(ElementsAttr attr, llvm::function_ref<void(int64_t, double)> fn) {
  Type elt = attr.getElementType();
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    int64_t i = 0;
    if (isa<FloatType>(elt)) {
      for (APFloat v : dense.getValues<APFloat>())
        fn(i++, v.convertToDouble());
      return true;
    }
    if (auto it = dyn_cast<IntegerType>(elt)) {
      for (APInt v : dense.getValues<APInt>())
        fn(i++, it.isUnsigned() || it.getWidth() == 1 ? (double)v.getZExtValue()
                                                      : (double)v.getSExtValue());
      return true;
    }
    return false;
  }
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob)
      return false;
    ArrayRef<char> data = blob->getData();
    int64_t n = res.getNumElements();
    auto read = [&](auto tag) {
      using T = decltype(tag);
      if ((int64_t)data.size() < n * (int64_t)sizeof(T))
        return false;
      const T *p = reinterpret_cast<const T *>(data.data());
      for (int64_t i = 0; i < n; ++i)
        fn(i, (double)p[i]);
      return true;
    };
    if (elt.isF32()) return read(float());
    if (elt.isF64()) return read(double());
    if (elt.isSignlessInteger(64)) return read(int64_t());
    if (elt.isSignlessInteger(32)) return read(int32_t());
    if (elt.isSignlessInteger(8)) return read(int8_t());
    if (elt.isUnsignedInteger(8)) return read(uint8_t());
    return false;
  }
  return false;
}

std::optional<std::vector<double>> constantValues(Value v, int64_t maxElements) {
  auto c = v ? v.getDefiningOp<ConstantOp>() : ConstantOp();
  if (!c || c.getValue().getNumElements() > maxElements)
    return std::nullopt;
  std::vector<double> out(c.getValue().getNumElements());
  if (!forEachElement(c.getValue(), [&](int64_t i, double x) { out[i] = x; }))
    return std::nullopt;
  return out;
}

std::optional<double> constantScalar(Value v) {
  auto c = v ? v.getDefiningOp<ConstantOp>() : ConstantOp();
  if (!c)
    return std::nullopt;
  if (auto splat = dyn_cast<SplatElementsAttr>(c.getValue())) {
    Type elt = splat.getElementType();
    if (isa<FloatType>(elt))
      return splat.getSplatValue<APFloat>().convertToDouble();
    if (auto it = dyn_cast<IntegerType>(elt))
      return it.isUnsigned() || it.getWidth() == 1
                 ? (double)splat.getSplatValue<APInt>().getZExtValue()
                 : (double)splat.getSplatValue<APInt>().getSExtValue();
    return std::nullopt;
  }
  auto values = constantValues(v, 1);
  if (!values || values->size() != 1)
    return std::nullopt;
  return (*values)[0];
}

ElementsAttr makeElements(RankedTensorType type, ArrayRef<double> values, StringRef name) {
  Type elt = type.getElementType();
  // One value repeated: a splat, whatever the size.
  if (!values.empty() && llvm::all_of(values, [&](double v) { return v == values[0]; }) &&
      !std::isnan(values[0])) {
    if (auto ft = dyn_cast<FloatType>(elt)) {
      APFloat f(values[0]);
      bool lost;
      f.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      return cast<ElementsAttr>(DenseElementsAttr::get(type, FloatAttr::get(ft, f)));
    }
    if (auto it = dyn_cast<IntegerType>(elt))
      return cast<ElementsAttr>(DenseElementsAttr::get(
          type, IntegerAttr::get(it, APInt(it.getWidth(), (int64_t)values[0],
                                           !it.isUnsigned() && it.getWidth() > 1, true))));
  }
  // Big float tensors go to a blob: one copy, no per-element attributes.
  if (elt.isF32() && values.size() >= 1024) {
    std::vector<float> data(values.begin(), values.end());
    AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(ArrayRef<float>(data));
    return cast<ElementsAttr>(DenseResourceElementsAttr::get(type, name, std::move(blob)));
  }
  if (auto ft = dyn_cast<FloatType>(elt)) {
    SmallVector<APFloat> ap;
    ap.reserve(values.size());
    for (double v : values) {
      APFloat f(v);
      bool lost;
      f.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      ap.push_back(f);
    }
    return cast<ElementsAttr>(DenseElementsAttr::get(type, ap));
  }
  auto it = cast<IntegerType>(elt);
  SmallVector<APInt> ap;
  ap.reserve(values.size());
  for (double v : values)
    ap.push_back(APInt(it.getWidth(), (int64_t)v, /*isSigned=*/!it.isUnsigned() && it.getWidth() > 1,
                       /*implicitTrunc=*/true));
  return cast<ElementsAttr>(DenseElementsAttr::get(type, ap));
}

std::vector<double> transposeValues(ArrayRef<double> values, ArrayRef<int64_t> shape,
                                    ArrayRef<int64_t> perm) {
  int64_t r = shape.size();
  SmallVector<int64_t> strides(r, 1), outShape;
  for (int64_t i = r - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  for (int64_t p : perm)
    outShape.push_back(shape[p]);
  std::vector<double> out(values.size());
  SmallVector<int64_t> idx(r, 0);
  int64_t in = 0;
  for (size_t o = 0; o < out.size(); ++o) {
    out[o] = values[in];
    // Next output index, odometer style, tracking the input offset.
    for (int64_t d = r - 1; d >= 0; --d) {
      in += strides[perm[d]];
      if (++idx[d] < outShape[d])
        break;
      in -= strides[perm[d]] * outShape[d];
      idx[d] = 0;
    }
  }
  return out;
}

int64_t elementsBytes(ElementsAttr attr) {
  Type elt = attr.getElementType();
  int64_t bits = elt.isIntOrFloat() ? elt.getIntOrFloatBitWidth() : 64;
  return attr.getNumElements() * ((bits + 7) / 8);
}

} // namespace whittle::wt
