//===- Builders.cpp - shared whittle -> linalg builders -------------------===//

#include "Lowering.h"

#include "whittle/Passes/RewriteLog.h"
#include "whittle/Dialect/Whittle/WhittleConstants.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"

#include <limits>

using namespace mlir;

namespace whittle::lowering {

RankedTensorType staticType(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.hasStaticShape() ? t : nullptr;
}

RankedTensorType rankedType(Value v) { return dyn_cast<RankedTensorType>(v.getType()); }

SmallVector<OpFoldResult> sizesOf(OpBuilder &b, Location loc, Value v) {
  return tensor::getMixedSizes(b, loc, v);
}

Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type,
                  ArrayRef<OpFoldResult> sizes) {
  SmallVector<Value> dynamic;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i)) {
      assert(i < (int64_t)sizes.size() && "a dynamic dim needs its size");
      dynamic.push_back(getValueOrCreateConstantIndexOp(b, loc, sizes[i]));
    }
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(), dynamic);
}

std::pair<Value, Value> sliceRangeAtRunTime(OpBuilder &b, Location loc, Value dim,
                                            int64_t start, int64_t end, int64_t step) {
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  // Counted from the back when negative, then clamped to [lo, hi]; int64
  // max/min stand for "to the end"/"from the start".
  auto clamp = [&](int64_t v, Value lo, Value hi) -> Value {
    if (v >= (int64_t)1 << 62)
      return hi;
    if (v <= -((int64_t)1 << 62))
      return lo;
    Value x = v < 0 ? arith::AddIOp::create(b, loc, dim, idx(v)).getResult() : idx(v);
    x = arith::MaxSIOp::create(b, loc, x, lo);
    return arith::MinSIOp::create(b, loc, x, hi);
  };
  Value s, e, len;
  if (step > 0) {
    s = clamp(start, idx(0), dim);
    e = clamp(end, idx(0), dim);
    len = arith::SubIOp::create(b, loc, e, s);
  } else {
    Value last = arith::SubIOp::create(b, loc, dim, idx(1));
    s = clamp(start, idx(0), last);
    e = clamp(end, idx(-1), last);
    len = arith::SubIOp::create(b, loc, s, e);
  }
  Value count = arith::CeilDivSIOp::create(b, loc, len, idx(step > 0 ? step : -step));
  return {s, arith::MaxSIOp::create(b, loc, count, idx(0))};
}

OpFoldResult addSizes(OpBuilder &b, Location loc, OpFoldResult x, OpFoldResult y) {
  std::optional<int64_t> cx = getConstantIntValue(x), cy = getConstantIntValue(y);
  if (cx && cy)
    return b.getIndexAttr(*cx + *cy);
  if (cx == 0)
    return y;
  if (cy == 0)
    return x;
  return arith::AddIOp::create(b, loc, getValueOrCreateConstantIndexOp(b, loc, x),
                               getValueOrCreateConstantIndexOp(b, loc, y))
      .getResult();
}

OpFoldResult checkSameSize(OpBuilder &b, Location loc, OpFoldResult found,
                           OpFoldResult expected) {
  std::optional<int64_t> f = getConstantIntValue(found), e = getConstantIntValue(expected);
  if ((f && e) || found == expected)
    return expected;
  auto i64 = b.getI64Type();
  auto asI64 = [&](OpFoldResult v) -> Value {
    return arith::IndexCastOp::create(b, loc, i64, getValueOrCreateConstantIndexOp(b, loc, v));
  };
  // The site number is given when the model is linked (Compiler.cpp): the
  // run's message then names the op.
  func::CallOp::create(b, loc, kCheckDim, TypeRange{},
                       ValueRange{asI64(found), asI64(expected),
                                  arith::ConstantIntOp::create(b, loc, i64, 0)});
  return expected;
}

SmallVector<OpFoldResult> broadcastSizes(OpBuilder &b, Location loc, ValueRange inputs,
                                         RankedTensorType resultType) {
  int64_t rank = resultType.getRank();
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  auto isOne = [&](OpFoldResult v) -> Value {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                 getValueOrCreateConstantIndexOp(b, loc, v), idx(1));
  };
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < rank; ++i) {
    OpFoldResult size;
    if (!resultType.isDynamicDim(i))
      size = b.getIndexAttr(resultType.getDimSize(i));
    // numpy broadcasting at run time: each input dim that is not a static
    // 1 is either 1 or the result's size (checked when the run gets there).
    for (Value in : inputs) {
      auto t = cast<RankedTensorType>(in.getType());
      int64_t j = i - (rank - t.getRank());
      if (j < 0 || t.getDimSize(j) == 1)
        continue;
      OpFoldResult d = t.isDynamicDim(j)
                           ? OpFoldResult(tensor::DimOp::create(b, loc, in, j).getResult())
                           : OpFoldResult(b.getIndexAttr(t.getDimSize(j)));
      if (!size) {
        size = d;
        continue;
      }
      std::optional<int64_t> cs = getConstantIntValue(size), cd = getConstantIntValue(d);
      if (cs && cd)
        continue; // static dims: the verifier checked them
      OpFoldResult combined = size;
      if (!cs || *cs == 1)
        combined = arith::SelectOp::create(b, loc, isOne(size),
                                           getValueOrCreateConstantIndexOp(b, loc, d),
                                           getValueOrCreateConstantIndexOp(b, loc, size))
                       .getResult();
      OpFoldResult found = d;
      if (!cd)
        found = arith::SelectOp::create(b, loc, isOne(d),
                                        getValueOrCreateConstantIndexOp(b, loc, combined),
                                        getValueOrCreateConstantIndexOp(b, loc, d))
                    .getResult();
      size = checkSameSize(b, loc, found, combined);
    }
    sizes.push_back(size ? size : b.getIndexAttr(1));
  }
  return sizes;
}

Value broadcastAtRunTime(OpBuilder &b, Location loc, Value input,
                         ArrayRef<OpFoldResult> outSizes) {
  auto t = cast<RankedTensorType>(input.getType());
  int64_t rank = t.getRank(), off = (int64_t)outSizes.size() - rank;
  SmallVector<int64_t> dyn;
  for (int64_t j = 0; j < rank; ++j)
    if (t.isDynamicDim(j) && !isConstantIntValue(outSizes[off + j], 1))
      dyn.push_back(j);
  if (dyn.empty())
    return input;
  // Whether some dynamic dim differs from the result's: the callers check
  // each is 1 or the result's, so that is "is 1 where the result's is not",
  // and it folds to false once CSE sees both are the same size.
  SmallVector<Value> dims(rank);
  Value any;
  for (int64_t j : dyn) {
    dims[j] = tensor::DimOp::create(b, loc, input, j);
    Value out = getValueOrCreateConstantIndexOp(b, loc, outSizes[off + j]);
    Value c = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, dims[j], out);
    any = any ? arith::OrIOp::create(b, loc, any, c).getResult() : c;
  }
  auto ifOp = scf::IfOp::create(
      b, loc, any,
      [&](OpBuilder &tb, Location tl) {
        // The input repeated along its size-1 dynamic dims (a gather: rare).
        SmallVector<OpFoldResult> sizes;
        for (int64_t j = 0; j < rank; ++j)
          sizes.push_back(t.isDynamicDim(j) ? outSizes[off + j]
                                            : OpFoldResult(tb.getIndexAttr(t.getDimSize(j))));
        Value full = buildIndexedGeneric(
            tb, tl, t,
            [&](OpBuilder &nb, Location nl) -> Value {
              SmallVector<Value> at;
              for (int64_t j = 0; j < rank; ++j) {
                Value i = linalg::IndexOp::create(nb, nl, j);
                if (dims[j]) {
                  Value one = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq, dims[j],
                                                    arith::ConstantIndexOp::create(nb, nl, 1));
                  i = arith::SelectOp::create(nb, nl, one,
                                              arith::ConstantIndexOp::create(nb, nl, 0), i);
                }
                at.push_back(i);
              }
              return tensor::ExtractOp::create(nb, nl, input, at);
            },
            sizes);
        scf::YieldOp::create(tb, tl, full);
      },
      [&](OpBuilder &eb, Location el) { scf::YieldOp::create(eb, el, input); });
  return ifOp.getResult(0);
}

AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> inShape,
                       ArrayRef<int64_t> outShape) {
  size_t rank = outShape.size(), offset = rank - inShape.size();
  SmallVector<AffineExpr> exprs;
  for (size_t i = 0; i < inShape.size(); ++i)
    exprs.push_back(inShape[i] == 1 && outShape[offset + i] != 1
                        ? getAffineConstantExpr(0, ctx)
                        : getAffineDimExpr(offset + i, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange inputs, BodyFn body) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  for (Value in : inputs)
    maps.push_back(broadcastMap(ctx, cast<RankedTensorType>(in.getType()).getShape(),
                                resultType.getShape()));
  maps.push_back(b.getMultiDimIdentityMap(resultType.getRank()));
  bool dynamic = !resultType.hasStaticShape() || llvm::any_of(inputs, [](Value v) {
    return !cast<RankedTensorType>(v.getType()).hasStaticShape();
  });
  Value init;
  SmallVector<Value> operands(inputs);
  if (!dynamic) {
    init = tensor::EmptyOp::create(b, loc, resultType.getShape(), resultType.getElementType());
  } else {
    // Run-time sizes (checked compatible), and inputs whose dynamic dims
    // turn out to be 1 repeated to the result's size: the maps then read
    // every dynamic dim as is.
    SmallVector<OpFoldResult> sizes = broadcastSizes(b, loc, inputs, resultType);
    for (Value &in : operands)
      in = broadcastAtRunTime(b, loc, in, sizes);
    init = emptyTensor(b, loc, resultType, sizes);
  }
  SmallVector<utils::IteratorType> iters(resultType.getRank(),
                                         utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, resultType, operands, init, maps, iters,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value r = body(nb, nl, args.drop_back());
        linalg::YieldOp::create(nb, nl, r);
      });
  return generic.getResult(0);
}

Value buildIndexedGeneric(OpBuilder &b, Location loc, RankedTensorType resultType,
                          function_ref<Value(OpBuilder &, Location)> body,
                          ArrayRef<OpFoldResult> sizes) {
  int64_t r = resultType.getRank();
  Value init = emptyTensor(b, loc, resultType, sizes);
  return linalg::GenericOp::create(
             b, loc, resultType, ValueRange{}, init,
             SmallVector<AffineMap>{b.getMultiDimIdentityMap(r)},
             SmallVector<utils::IteratorType>(r, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nl, ValueRange) {
               linalg::YieldOp::create(nb, nl, ValueRange{body(nb, nl)});
             })
      .getResult(0);
}

Value scalarConstant(OpBuilder &b, Location loc, Type type, double value) {
  if (auto ft = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(ft, value));
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, wt::saturatingInt64(value)));
}

Value wrapIndex(OpBuilder &b, Location loc, Value i, int64_t dimSize) {
  return wrapIndex(b, loc, i, OpFoldResult(b.getIndexAttr(dimSize)));
}

Value wrapIndex(OpBuilder &b, Location loc, Value i, OpFoldResult dimSize) {
  if (!i.getType().isIndex())
    i = arith::IndexCastOp::create(b, loc, b.getIndexType(), i);
  Value size = getValueOrCreateConstantIndexOp(b, loc, dimSize);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value neg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i, zero);
  Value j = arith::SelectOp::create(b, loc, neg, arith::AddIOp::create(b, loc, i, size), i);
  Value last = arith::SubIOp::create(b, loc, size, arith::ConstantIndexOp::create(b, loc, 1));
  return arith::MaxSIOp::create(b, loc, arith::MinSIOp::create(b, loc, j, last), zero);
}

void checkScale(OpBuilder &b, Location loc, Value scale, OpFoldResult extent) {
  auto f64 = b.getF64Type();
  if (scale.getType() != f64)
    scale = arith::ExtFOp::create(b, loc, f64, scale);
  Value n = arith::IndexCastOp::create(b, loc, b.getI64Type(),
                                       getValueOrCreateConstantIndexOp(b, loc, extent));
  func::CallOp::create(b, loc, kCheckScale, TypeRange{},
                       ValueRange{scale, arith::SIToFPOp::create(b, loc, f64, n),
                                  arith::ConstantIntOp::create(b, loc, b.getI64Type(), 0)});
}

void checkIndices(OpBuilder &b, Location loc, Value indices, OpFoldResult size) {
  auto ty = cast<RankedTensorType>(indices.getType());
  auto elt = dyn_cast<IntegerType>(ty.getElementType());
  if (!elt)
    return;
  // Constant indices in range need no check.
  if (std::optional<int64_t> n = getConstantIntValue(size)) {
    DenseIntElementsAttr values;
    if (auto c = indices.getDefiningOp<wt::ConstantOp>())
      values = dyn_cast<DenseIntElementsAttr>(c.getValue());
    else
      matchPattern(indices, m_Constant(&values));
    if (values && llvm::all_of(values.getValues<APInt>(), [&](const APInt &v) {
          int64_t x = v.getSExtValue();
          return x >= -*n && x < *n;
        }))
      return;
  }
  auto i64 = b.getI64Type();
  auto scalarTy = RankedTensorType::get({}, i64);
  auto filled = [&](int64_t v) {
    Value init = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{}, i64);
    Value c = arith::ConstantIntOp::create(b, loc, i64, v);
    return linalg::FillOp::create(b, loc, ValueRange{c}, ValueRange{init}).getResult(0);
  };
  int64_t r = ty.getRank();
  AffineMap all = b.getMultiDimIdentityMap(r);
  AffineMap none = AffineMap::get(r, 0, {}, b.getContext());
  auto minMax = linalg::GenericOp::create(
      b, loc, TypeRange{scalarTy, scalarTy}, indices,
      ValueRange{filled(INT64_MAX), filled(INT64_MIN)}, SmallVector<AffineMap>{all, none, none},
      SmallVector<utils::IteratorType>(r, utils::IteratorType::reduction),
      [&](OpBuilder &nb, Location l, ValueRange a) {
        Value v = a[0];
        if (elt.getWidth() < 64)
          v = arith::ExtSIOp::create(nb, l, i64, v);
        linalg::YieldOp::create(nb, l,
                                ValueRange{arith::MinSIOp::create(nb, l, v, a[1]),
                                           arith::MaxSIOp::create(nb, l, v, a[2])});
      });
  Value lo = tensor::ExtractOp::create(b, loc, minMax.getResult(0), ValueRange{});
  Value hi = tensor::ExtractOp::create(b, loc, minMax.getResult(1), ValueRange{});
  // The site number is given when the model is linked (Compiler.cpp).
  func::CallOp::create(
      b, loc, kCheckIndex, TypeRange{},
      ValueRange{lo, hi,
                 arith::IndexCastOp::create(b, loc, i64,
                                            getValueOrCreateConstantIndexOp(b, loc, size)),
                 arith::ConstantIntOp::create(b, loc, i64, 0)});
}

bool isSignlessOrFloat(Type t) {
  if (auto s = dyn_cast<ShapedType>(t))
    t = s.getElementType();
  auto it = dyn_cast<IntegerType>(t);
  return isa<FloatType>(t) || (it && it.isSignless());
}

bool isSignTyped(Type t) {
  if (auto s = dyn_cast<ShapedType>(t))
    t = s.getElementType();
  if (isa<onnx::StringType>(t))
    return true;
  auto it = dyn_cast<IntegerType>(t);
  return it && !it.isSignless();
}

bool isUnsignedInt(Type t) {
  if (auto s = dyn_cast<ShapedType>(t))
    t = s.getElementType();
  auto it = dyn_cast<IntegerType>(t);
  return it && it.isUnsigned();
}

Type signlessType(Type t) {
  auto convert = [](Type e) -> Type {
    if (isa<onnx::StringType>(e))
      return IntegerType::get(e.getContext(), 64); // a pointer to the bytes
    auto it = dyn_cast<IntegerType>(e);
    return it && !it.isSignless() ? IntegerType::get(e.getContext(), it.getWidth()) : e;
  };
  if (auto s = dyn_cast<ShapedType>(t))
    return s.clone(convert(s.getElementType()));
  return convert(t);
}

Value signlessView(OpBuilder &b, Location loc, Value v) {
  if (!isSignTyped(v.getType()))
    return v;
  return wt::StorageCastOp::create(b, loc, signlessType(v.getType()), v);
}

Value restoreSign(OpBuilder &b, Location loc, Value v, Type type) {
  if (v.getType() == type)
    return v;
  return wt::StorageCastOp::create(b, loc, type, v);
}

Value maxOf(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::MaximumFOp::create(b, loc, x, y);
  return isUnsigned ? arith::MaxUIOp::create(b, loc, x, y).getResult()
                    : arith::MaxSIOp::create(b, loc, x, y).getResult();
}

Value minOf(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::MinimumFOp::create(b, loc, x, y);
  return isUnsigned ? arith::MinUIOp::create(b, loc, x, y).getResult()
                    : arith::MinSIOp::create(b, loc, x, y).getResult();
}

Value extremeValue(OpBuilder &b, Location loc, Type type, bool isUnsigned,
                   bool high) {
  if (auto ft = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc, b.getFloatAttr(ft, high ? std::numeric_limits<double>::infinity()
                                        : -std::numeric_limits<double>::infinity()));
  unsigned w = cast<IntegerType>(type).getWidth();
  APInt v = isUnsigned ? (high ? APInt::getMaxValue(w) : APInt::getMinValue(w))
                       : (high ? APInt::getSignedMaxValue(w)
                               : APInt::getSignedMinValue(w));
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, v));
}

Value loopNestCarrying(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Value init,
                       function_ref<Value(OpBuilder &, Location, ValueRange, Value)> body) {
  SmallVector<Value> lbs, ubs, steps;
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d : shape) {
    lbs.push_back(zero);
    ubs.push_back(arith::ConstantIndexOp::create(b, loc, d));
    steps.push_back(one);
  }
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, ubs, steps, ValueRange{init},
      [&](OpBuilder &nb, Location nl, ValueRange ivs, ValueRange args) {
        return scf::ValueVector{body(nb, nl, ivs, args[0])};
      });
  return nest.results.empty() ? init : nest.results[0];
}

static Value addOf(OpBuilder &b, Location l, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::AddFOp::create(b, l, x, y);
  return arith::AddIOp::create(b, l, x, y);
}

static Value mulOf(OpBuilder &b, Location l, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return arith::MulFOp::create(b, l, x, y);
  return arith::MulIOp::create(b, l, x, y);
}

bool reductionSupported(wt::ReduceFn fn, Type elt) {
  if (isa<FloatType>(elt))
    return true;
  return isa<IntegerType>(elt) && fn != wt::ReduceFn::l2 && fn != wt::ReduceFn::log_sum &&
         fn != wt::ReduceFn::log_sum_exp;
}

Reduction reduction(OpBuilder &b, Location loc, wt::ReduceFn fn, Type elt,
                    bool isUnsigned) {
  bool isFloat = isa<FloatType>(elt);
  Reduction r{scalarConstant(b, loc, elt, 0.0), addOf};
  switch (fn) {
  case wt::ReduceFn::sum: case wt::ReduceFn::mean: case wt::ReduceFn::log_sum:
    break;
  case wt::ReduceFn::max:
    r.init = extremeValue(b, loc, elt, isUnsigned, /*high=*/false);
    r.combine = [=](OpBuilder &nb, Location l, Value acc, Value x) {
      return maxOf(nb, l, acc, x, isUnsigned);
    };
    break;
  case wt::ReduceFn::min:
    r.init = extremeValue(b, loc, elt, isUnsigned, /*high=*/true);
    r.combine = [=](OpBuilder &nb, Location l, Value acc, Value x) {
      return minOf(nb, l, acc, x, isUnsigned);
    };
    break;
  case wt::ReduceFn::prod:
    r.init = scalarConstant(b, loc, elt, 1.0);
    r.combine = mulOf;
    break;
  case wt::ReduceFn::l1:
    r.combine = [=](OpBuilder &nb, Location l, Value acc, Value x) -> Value {
      Value a = isFloat ? math::AbsFOp::create(nb, l, x).getResult()
                : isUnsigned ? x
                             : math::AbsIOp::create(nb, l, x).getResult();
      return addOf(nb, l, acc, a);
    };
    break;
  case wt::ReduceFn::l2: case wt::ReduceFn::sum_square:
    r.combine = [](OpBuilder &nb, Location l, Value acc, Value x) {
      return addOf(nb, l, acc, mulOf(nb, l, x, x));
    };
    break;
  case wt::ReduceFn::log_sum_exp:
    r.combine = [](OpBuilder &nb, Location l, Value acc, Value x) -> Value {
      return arith::AddFOp::create(nb, l, acc, math::ExpOp::create(nb, l, x));
    };
    break;
  }
  return r;
}

bool needsFinish(wt::ReduceFn fn) {
  return fn == wt::ReduceFn::mean || fn == wt::ReduceFn::l2 ||
         fn == wt::ReduceFn::log_sum || fn == wt::ReduceFn::log_sum_exp;
}

Value finishReduction(OpBuilder &b, Location loc, wt::ReduceFn fn, Value acc,
                      Value count, bool isUnsigned) {
  switch (fn) {
  case wt::ReduceFn::mean:
    if (isa<FloatType>(acc.getType()))
      return arith::DivFOp::create(b, loc, acc, count);
    return isUnsigned ? arith::DivUIOp::create(b, loc, acc, count).getResult()
                      : arith::DivSIOp::create(b, loc, acc, count).getResult();
  case wt::ReduceFn::l2: return math::SqrtOp::create(b, loc, acc);
  case wt::ReduceFn::log_sum: case wt::ReduceFn::log_sum_exp:
    return math::LogOp::create(b, loc, acc);
  default: return acc;
  }
}

Value filled(OpBuilder &b, Location loc, RankedTensorType type, Value value,
             ArrayRef<OpFoldResult> sizes) {
  Value empty = emptyTensor(b, loc, type, sizes);
  return linalg::FillOp::create(b, loc, value, empty).getResult(0);
}

Value reshapeTo(OpBuilder &b, Location loc, Value v, RankedTensorType type,
                ArrayRef<OpFoldResult> sizes) {
  if (!type.hasStaticShape()) {
    SmallVector<Value> dims;
    for (int64_t i = 0; i < type.getRank(); ++i)
      dims.push_back(arith::IndexCastOp::create(
          b, loc, b.getI64Type(),
          type.isDynamicDim(i) ? getValueOrCreateConstantIndexOp(b, loc, sizes[i])
                               : arith::ConstantIndexOp::create(b, loc, type.getDimSize(i))));
    Value shape = tensor::FromElementsOp::create(b, loc, dims);
    return tensor::ReshapeOp::create(b, loc, type, v, shape);
  }
  auto shapeTy = RankedTensorType::get({type.getRank()}, b.getI64Type());
  Value shape = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(shapeTy, type.getShape()));
  return tensor::ReshapeOp::create(b, loc, type, v, shape);
}

Value padSpatial(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> lo,
                 ArrayRef<int64_t> hi, Value padValue, int64_t firstDim) {
  if (llvm::all_of(lo, [](int64_t v) { return v == 0; }) &&
      llvm::all_of(hi, [](int64_t v) { return v == 0; }))
    return input;
  auto ty = cast<RankedTensorType>(input.getType());
  // The spatial dims start at firstDim (default: they are the trailing ones).
  size_t lead = firstDim < 0 ? ty.getRank() - lo.size() : firstDim;
  SmallVector<int64_t> low(ty.getRank(), 0), high(ty.getRank(), 0), shape(ty.getShape());
  llvm::copy(lo, low.begin() + lead);
  llvm::copy(hi, high.begin() + lead);
  for (size_t i = 0; i < lo.size(); ++i)
    if (!ty.isDynamicDim(lead + i))
      shape[lead + i] += lo[i] + hi[i];
  auto padTy = RankedTensorType::get(shape, ty.getElementType());
  return tensor::PadOp::create(b, loc, padTy, input, getAsIndexOpFoldResult(b.getContext(), low),
                               getAsIndexOpFoldResult(b.getContext(), high), padValue);
}

/// e^-v of an f32 for sigmoid, in 16 vector ops where exp's general
/// approximation takes about 25: v clamped to [-87, 87] (sigmoid is 0 or
/// 1 in f32 beyond, and 2^n below stays a normal float), -v = n ln2 + r
/// with n = round(-v log2(e)) and |r| <= ln2/2 (ln2 in two parts, Cody-Waite),
/// e^r by its degree-6 Taylor polynomial (relative error below 2e-7 on that
/// interval), 2^n added to the exponent bits.
static Value expNegF32(OpBuilder &b, Location loc, Value v) {
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  auto c = [&](double x) { return scalarConstant(b, loc, f32, x); };
  auto fma = [&](Value x, Value y, Value z) {
    return math::FmaOp::create(b, loc, x, y, z).getResult();
  };
  v = arith::MinimumFOp::create(b, loc, arith::MaximumFOp::create(b, loc, v, c(-87.0)), c(87.0));
  Value n = math::RoundEvenOp::create(b, loc, arith::MulFOp::create(b, loc, v, c(-M_LOG2E)));
  Value r = fma(n, c(-0.693359375), arith::NegFOp::create(b, loc, v));
  r = fma(n, c(2.12194440e-4), r);
  Value p = c(1.0 / 720);
  for (double k : {1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1.0, 1.0})
    p = fma(p, r, c(k));
  Value exponent = arith::ShLIOp::create(b, loc, arith::FPToSIOp::create(b, loc, i32, n),
                                         scalarConstant(b, loc, i32, 23));
  Value bits = arith::AddIOp::create(b, loc, arith::BitcastOp::create(b, loc, i32, p), exponent);
  return arith::BitcastOp::create(b, loc, f32, bits);
}

Value applyActivation(OpBuilder &b, Location loc, wt::UnaryFn fn, Value x,
                      std::optional<double> alpha, std::optional<double> beta) {
  Type t = x.getType();
  auto c = [&](double v) { return scalarConstant(b, loc, t, v); };
  // sigmoid(v) = n / (1 + e^-v) with n = 1; silu divides v instead of
  // multiplying by the sigmoid (one op fewer).
  auto sigmoidTimes = [&](Value n, Value v) {
    // A polynomial of its own (docs/passes.md): --report says where.
    if (t.isF32())
      recordRewrite("convert-whittle-to-linalg", "f32 sigmoid/SiLU by e^-x polynomial");
    Value e = t.isF32() ? expNegF32(b, loc, v)
                        : math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, v)).getResult();
    return arith::DivFOp::create(b, loc, n, arith::AddFOp::create(b, loc, c(1.0), e))
        .getResult();
  };
  auto sigmoid = [&](Value v) { return sigmoidTimes(c(1.0), v); };
  auto clamp01 = [&](Value v) {
    return arith::MaximumFOp::create(
               b, loc, c(0.0), arith::MinimumFOp::create(b, loc, c(1.0), v))
        .getResult();
  };
  switch (fn) {
  case wt::UnaryFn::relu:
    return arith::MaximumFOp::create(b, loc, x, c(0.0));
  case wt::UnaryFn::leaky_relu: {
    Value neg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, c(0.0));
    return arith::SelectOp::create(
        b, loc, neg, arith::MulFOp::create(b, loc, x, c(alpha.value_or(0.01))), x);
  }
  case wt::UnaryFn::clip: {
    Value v = x;
    if (alpha)
      v = arith::MaximumFOp::create(b, loc, v, c(*alpha));
    if (beta)
      v = arith::MinimumFOp::create(b, loc, v, c(*beta));
    return v;
  }
  case wt::UnaryFn::sigmoid:
    return sigmoid(x);
  case wt::UnaryFn::hard_sigmoid:
    return clamp01(arith::AddFOp::create(
        b, loc, arith::MulFOp::create(b, loc, x, c(alpha.value_or(0.2))),
        c(beta.value_or(0.5))));
  case wt::UnaryFn::hard_swish:
    return arith::MulFOp::create(
        b, loc, x,
        clamp01(arith::AddFOp::create(
            b, loc, arith::MulFOp::create(b, loc, x, c(1.0 / 6.0)), c(0.5))));
  case wt::UnaryFn::silu:
    return sigmoidTimes(x, x);
  case wt::UnaryFn::gelu_erf: {
    Value e = math::ErfOp::create(b, loc, arith::MulFOp::create(b, loc, x, c(M_SQRT1_2)));
    return arith::MulFOp::create(
        b, loc, arith::MulFOp::create(b, loc, x, c(0.5)),
        arith::AddFOp::create(b, loc, c(1.0), e));
  }
  case wt::UnaryFn::gelu_tanh: {
    Value x3 = arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
    Value inner = arith::MulFOp::create(
        b, loc, c(0.7978845608028654),
        arith::AddFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x3, c(0.044715))));
    return arith::MulFOp::create(
        b, loc, arith::MulFOp::create(b, loc, x, c(0.5)),
        arith::AddFOp::create(b, loc, c(1.0), math::TanhOp::create(b, loc, inner)));
  }
  case wt::UnaryFn::tanh:
    return math::TanhOp::create(b, loc, x);
  case wt::UnaryFn::elu: {
    Value neg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, c(0.0));
    Value em1 = arith::SubFOp::create(b, loc, math::ExpOp::create(b, loc, x), c(1.0));
    return arith::SelectOp::create(
        b, loc, neg, arith::MulFOp::create(b, loc, em1, c(alpha.value_or(1.0))), x);
  }
  case wt::UnaryFn::selu: {
    Value neg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, x, c(0.0));
    Value em1 = arith::SubFOp::create(b, loc, math::ExpOp::create(b, loc, x), c(1.0));
    Value v = arith::SelectOp::create(
        b, loc, neg, arith::MulFOp::create(b, loc, em1, c(alpha.value_or(1.67326))), x);
    return arith::MulFOp::create(b, loc, v, c(beta.value_or(1.0507)));
  }
  case wt::UnaryFn::softplus:
    return math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, x));
  case wt::UnaryFn::softsign:
    return arith::DivFOp::create(
        b, loc, x, arith::AddFOp::create(b, loc, c(1.0), math::AbsFOp::create(b, loc, x)));
  case wt::UnaryFn::mish:
    return arith::MulFOp::create(
        b, loc, x,
        math::TanhOp::create(
            b, loc, math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, x))));
  default:
    return nullptr;
  }
}

} // namespace whittle::lowering
