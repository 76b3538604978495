//===- WhittleOps.cpp - whittle dialect verifiers and folders -------------===//
//
// Verifiers check what the op's semantics need and say what is wrong in
// terms of the op's own operands; folders handle the obvious identities.
// Dynamic dimensions are accepted wherever a static one would be.
//
//===----------------------------------------------------------------------===//

#include "whittle/Dialect/Whittle/WhittleOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/STLExtras.h"

#include <limits>

using namespace mlir;
using namespace whittle::wt;

namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

bool dimsCompatible(int64_t a, int64_t b) {
  return a == kDyn || b == kDyn || a == b;
}

std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  llvm::interleave(
      shape, os, [&](int64_t d) { os << (d == kDyn ? "?" : std::to_string(d)); },
      "x");
  os << "]";
  return s;
}

RankedTensorType ranked(Value v) {
  return dyn_cast<RankedTensorType>(v.getType());
}

Type elementType(Value v) { return cast<ShapedType>(v.getType()).getElementType(); }

/// Checks that `attr` has `n` entries, naming it in the diagnostic.
LogicalResult checkSize(Operation *op, StringRef name, ArrayRef<int64_t> attr,
                        size_t n) {
  if (attr.size() != n)
    return op->emitOpError() << "'" << name << "' needs " << n
                             << " entries, has " << attr.size();
  return success();
}

LogicalResult checkAxis(Operation *op, StringRef name, int64_t axis,
                        int64_t rank) {
  if (axis < 0 || axis >= rank)
    return op->emitOpError() << "'" << name << "' " << axis
                             << " is out of range for rank " << rank
                             << " (axes are normalized to [0, rank))";
  return success();
}

/// Shared by conv and pool: the spatial output size along one axis.
int64_t windowOutput(int64_t in, int64_t k, int64_t stride, int64_t dilation,
                     int64_t padLo, int64_t padHi, bool ceilMode) {
  if (in == kDyn)
    return kDyn;
  int64_t span = (k - 1) * dilation + 1;
  int64_t num = in + padLo + padHi - span;
  if (num < 0)
    return -1;
  return (ceilMode ? (num + stride - 1) / stride : num / stride) + 1;
}

} // namespace

/// Integer values of a constant operand, if it is a small dense int tensor.
static std::optional<SmallVector<int64_t>> denseInts(Attribute attr) {
  auto dense = dyn_cast_or_null<DenseIntElementsAttr>(attr);
  if (!dense || dense.getNumElements() > 1024)
    return std::nullopt;
  auto it = cast<IntegerType>(dense.getElementType());
  SmallVector<int64_t> out;
  for (APInt v : dense.getValues<APInt>())
    out.push_back(it.isUnsigned() || it.getWidth() == 1 ? (int64_t)v.getZExtValue()
                                                        : v.getSExtValue());
  return out;
}

/// A dense int constant of `type` (static shape) holding `values`.
static Attribute makeInts(Type type, ArrayRef<int64_t> values) {
  auto st = dyn_cast<RankedTensorType>(type);
  auto it = st ? dyn_cast<IntegerType>(st.getElementType()) : IntegerType();
  if (!st || !it || !st.hasStaticShape() ||
      st.getNumElements() != (int64_t)values.size())
    return {};
  SmallVector<APInt> ap;
  for (int64_t v : values)
    ap.push_back(APInt(it.getWidth(), v, /*isSigned=*/!it.isUnsigned()));
  return DenseElementsAttr::get(st, ap);
}

/// Quantized types that differ only in scale and zero point: elementwise
/// ops and concat on them requantize to the result's parameters.
static bool sameQuantFamily(Type a, Type b) {
  auto qa = dyn_cast<quant::QuantizedType>(a);
  auto qb = dyn_cast<quant::QuantizedType>(b);
  return qa && qb && qa.getStorageType() == qb.getStorageType() &&
         qa.isSigned() == qb.isSigned() &&
         qa.getExpressedType() == qb.getExpressedType();
}

bool whittle::wt::isComparison(BinaryFn fn) {
  return fn == BinaryFn::eq || fn == BinaryFn::lt || fn == BinaryFn::le ||
         fn == BinaryFn::gt || fn == BinaryFn::ge;
}

FailureOr<SmallVector<int64_t>>
whittle::wt::broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == 1)
      out[i] = db;
    else if (db == 1)
      out[i] = da;
    else if (da == kDyn)
      out[i] = db;
    else if (db == kDyn || da == db)
      out[i] = da;
    else
      return failure();
  }
  return out;
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// ConvOp / ConvTransposeOp
//===----------------------------------------------------------------------===//

/// Checks the attributes and shapes common to both convolutions; returns the
/// number of spatial dims through `spatial`.
static LogicalResult verifyConvCommon(Operation *op, Value input, Value filter,
                                      ArrayRef<int64_t> strides,
                                      ArrayRef<int64_t> dilations,
                                      ArrayRef<int64_t> pads, int64_t groups,
                                      int64_t &spatial) {
  auto inTy = ranked(input), fTy = ranked(filter);
  spatial = -1;
  if (!inTy || !fTy)
    return success();
  if (inTy.getRank() < 3)
    return op->emitOpError("input must be N x C x spatial..., got rank ")
           << inTy.getRank();
  if (fTy.getRank() != inTy.getRank())
    return op->emitOpError("filter rank ")
           << fTy.getRank() << " differs from input rank " << inTy.getRank();
  spatial = inTy.getRank() - 2;
  if (failed(checkSize(op, "strides", strides, spatial)) ||
      failed(checkSize(op, "dilations", dilations, spatial)) ||
      failed(checkSize(op, "pads", pads, 2 * spatial)))
    return failure();
  if (groups < 1)
    return op->emitOpError("'groups' must be positive, got ") << groups;
  if (llvm::any_of(strides, [](int64_t s) { return s < 1; }) ||
      llvm::any_of(dilations, [](int64_t d) { return d < 1; }))
    return op->emitOpError("strides and dilations must be positive");
  return success();
}

LogicalResult ConvOp::verify() {
  int64_t spatial;
  if (failed(verifyConvCommon(*this, getInput(), getFilter(), getStrides(),
                              getDilations(), getPads(), getGroups(), spatial)))
    return failure();
  if (spatial < 0)
    return success();
  auto inTy = ranked(getInput()), fTy = ranked(getFilter());
  // Dims of the channels and of spatial axis i in each layout.
  bool cl = getChannelsLast();
  int64_t r = inTy.getRank();
  int64_t chan = cl ? r - 1 : 1;
  auto inSpatial = [&](int64_t i) { return cl ? 1 + i : 2 + i; };
  auto kernelDim = [&](int64_t i) { return cl ? i : 2 + i; };
  int64_t c = inTy.getDimSize(chan), m = fTy.getDimSize(cl ? r - 1 : 0),
          cg = fTy.getDimSize(cl ? r - 2 : 1), g = getGroups();
  if (c != kDyn && cg != kDyn && c != cg * g)
    return emitOpError("input has ")
           << c << " channels but the filter expects " << cg << " x " << g
           << " groups = " << cg * g;
  if (m != kDyn && m % g != 0)
    return emitOpError("filter's ")
           << m << " output channels do not divide into " << g << " groups";
  if (getBias()) {
    auto bTy = ranked(getBias());
    if (bTy && (bTy.getRank() != 1 || !dimsCompatible(bTy.getDimSize(0), m)))
      return emitOpError("bias must be a vector of ")
             << m << " elements, got " << shapeStr(bTy.getShape());
  }
  auto outTy = ranked(getOutput());
  if (!outTy)
    return success();
  if (outTy.getRank() != inTy.getRank())
    return emitOpError("result rank ") << outTy.getRank()
                                       << " differs from input rank "
                                       << inTy.getRank();
  if (!dimsCompatible(outTy.getDimSize(0), inTy.getDimSize(0)) ||
      !dimsCompatible(outTy.getDimSize(chan), m))
    return emitOpError(cl ? "result must be N x ... x " : "result must be N x ")
           << m << (cl ? "" : " x ...") << ", got " << shapeStr(outTy.getShape());
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t k = fTy.getDimSize(kernelDim(i));
    if (k == kDyn)
      continue;
    int64_t expect =
        windowOutput(inTy.getDimSize(inSpatial(i)), k, getStrides()[i],
                     getDilations()[i], getPads()[i], getPads()[spatial + i],
                     /*ceilMode=*/false);
    if (expect == -1)
      return emitOpError("window larger than the padded input on spatial axis ")
             << i;
    if (!dimsCompatible(expect, outTy.getDimSize(inSpatial(i))))
      return emitOpError("spatial axis ")
             << i << " of the result should have size " << expect << ", has "
             << outTy.getDimSize(inSpatial(i));
  }
  if (getResidual()) {
    auto rTy = ranked(getResidual());
    if (rTy && (rTy.getRank() != outTy.getRank() ||
                !llvm::all_of(llvm::zip(rTy.getShape(), outTy.getShape()),
                              [](auto p) {
                                return dimsCompatible(std::get<0>(p),
                                                      std::get<1>(p));
                              })))
      return emitOpError("residual must have the result's shape ")
             << shapeStr(outTy.getShape()) << ", got "
             << shapeStr(rTy.getShape());
  }
  return success();
}

LogicalResult ConvTransposeOp::verify() {
  int64_t spatial;
  if (failed(verifyConvCommon(*this, getInput(), getFilter(), getStrides(),
                              getDilations(), getPads(), getGroups(), spatial)))
    return failure();
  if (spatial < 0)
    return success();
  auto inTy = ranked(getInput()), fTy = ranked(getFilter());
  int64_t c = inTy.getDimSize(1), fc = fTy.getDimSize(0);
  if (!dimsCompatible(c, fc))
    return emitOpError("input has ")
           << c << " channels but the filter's first dimension is " << fc;
  return success();
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::verify() {
  auto lTy = ranked(getLhs()), rTy = ranked(getRhs());
  if (!lTy || !rTy)
    return success();
  if (lTy.getRank() == 0 || rTy.getRank() == 0)
    return emitOpError("operands must have rank 1 or more");
  if ((getTransposeLhs() && lTy.getRank() < 2) ||
      (getTransposeRhs() && rTy.getRank() < 2))
    return emitOpError("transposing needs a rank-2 or higher operand");
  int64_t kl = getTransposeLhs() ? lTy.getDimSize(lTy.getRank() - 2)
                                 : lTy.getDimSize(lTy.getRank() - 1);
  int64_t kr = rTy.getRank() == 1 ? rTy.getDimSize(0)
               : getTransposeRhs() ? rTy.getDimSize(rTy.getRank() - 1)
                                   : rTy.getDimSize(rTy.getRank() - 2);
  if (!dimsCompatible(kl, kr))
    return emitOpError("contraction sizes differ: lhs has ")
           << kl << ", rhs has " << kr;
  if (lTy.getRank() > 2 && rTy.getRank() > 2 &&
      failed(broadcastShapes(lTy.getShape().drop_back(2),
                             rTy.getShape().drop_back(2))))
    return emitOpError("batch dimensions do not broadcast: ")
           << shapeStr(lTy.getShape().drop_back(2)) << " vs "
           << shapeStr(rTy.getShape().drop_back(2));
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

LogicalResult UnaryOp::verify() {
  UnaryFn fn = getFn();
  bool boolResult = fn == UnaryFn::is_nan || fn == UnaryFn::is_inf ||
                    fn == UnaryFn::logical_not;
  Type outElt = elementType(getOutput());
  if (boolResult && !outElt.isInteger(1))
    return emitOpError("'") << stringifyUnaryFn(fn) << "' produces i1, not "
                            << outElt;
  if (!boolResult && outElt != elementType(getInput()) &&
      !sameQuantFamily(outElt, elementType(getInput())))
    return emitOpError("result element type ")
           << outElt << " differs from the input's " << elementType(getInput());
  auto inTy = ranked(getInput()), outTy = ranked(getOutput());
  if (inTy && outTy &&
      (inTy.getRank() != outTy.getRank() ||
       !llvm::all_of(llvm::zip(inTy.getShape(), outTy.getShape()), [](auto p) {
         return dimsCompatible(std::get<0>(p), std::get<1>(p));
       })))
    return emitOpError("result shape ")
           << shapeStr(outTy.getShape()) << " differs from the input's "
           << shapeStr(inTy.getShape());
  bool needsAlpha = fn == UnaryFn::leaky_relu || fn == UnaryFn::elu ||
                    fn == UnaryFn::celu || fn == UnaryFn::selu ||
                    fn == UnaryFn::hard_sigmoid ||
                    fn == UnaryFn::thresholded_relu || fn == UnaryFn::shrink;
  if (needsAlpha && !getAlpha())
    return emitOpError("'") << stringifyUnaryFn(fn) << "' needs 'alpha'";
  if ((fn == UnaryFn::selu || fn == UnaryFn::hard_sigmoid ||
       fn == UnaryFn::shrink) &&
      !getBeta())
    return emitOpError("'") << stringifyUnaryFn(fn) << "' needs 'beta'";
  return success();
}

LogicalResult BinaryOp::verify() {
  Type lElt = elementType(getLhs()), rElt = elementType(getRhs());
  Type outElt = elementType(getOutput());
  if (lElt != rElt && getFn() != BinaryFn::pow &&
      getFn() != BinaryFn::shift_left && getFn() != BinaryFn::shift_right &&
      !sameQuantFamily(lElt, rElt))
    return emitOpError("operand element types differ: ")
           << lElt << " vs " << rElt;
  if (isComparison(getFn()) ? !outElt.isInteger(1)
                            : outElt != lElt && !sameQuantFamily(outElt, lElt))
    return emitOpError("result element type ")
           << outElt << " is wrong for '" << stringifyBinaryFn(getFn())
           << "' on " << lElt;
  auto lTy = ranked(getLhs()), rTy = ranked(getRhs()),
       outTy = ranked(getOutput());
  if (!lTy || !rTy)
    return success();
  auto shape = broadcastShapes(lTy.getShape(), rTy.getShape());
  if (failed(shape))
    return emitOpError("operand shapes ")
           << shapeStr(lTy.getShape()) << " and " << shapeStr(rTy.getShape())
           << " do not broadcast";
  if (outTy && (outTy.getRank() != (int64_t)shape->size() ||
                !llvm::all_of(llvm::zip(*shape, outTy.getShape()), [](auto p) {
                  return dimsCompatible(std::get<0>(p), std::get<1>(p));
                })))
    return emitOpError("result shape ")
           << shapeStr(outTy.getShape()) << " is not the broadcast shape "
           << shapeStr(*shape);
  return success();
}

OpFoldResult BinaryOp::fold(FoldAdaptor adaptor) {
  // Integer arithmetic on small constants (shape computations).
  if (auto l = denseInts(adaptor.getLhs())) {
    if (auto r = denseInts(adaptor.getRhs())) {
      size_t n = std::max(l->size(), r->size());
      if ((l->size() == n || l->size() == 1) && (r->size() == n || r->size() == 1)) {
        SmallVector<int64_t> out;
        for (size_t i = 0; i < n; ++i) {
          int64_t a = (*l)[l->size() == 1 ? 0 : i], b = (*r)[r->size() == 1 ? 0 : i];
          // Two's-complement wrap-around, as the generated code computes
          // (a signed overflow in the folder itself would be undefined).
          auto wrap = [](uint64_t v) { return (int64_t)v; };
          switch (getFn()) {
          case BinaryFn::add: out.push_back(wrap((uint64_t)a + (uint64_t)b)); break;
          case BinaryFn::sub: out.push_back(wrap((uint64_t)a - (uint64_t)b)); break;
          case BinaryFn::mul: out.push_back(wrap((uint64_t)a * (uint64_t)b)); break;
          case BinaryFn::div:
            if (b == 0 || (b == -1 && a == INT64_MIN))
              return {};
            out.push_back(a / b);
            break;
          case BinaryFn::max: out.push_back(std::max(a, b)); break;
          case BinaryFn::min: out.push_back(std::min(a, b)); break;
          case BinaryFn::eq: out.push_back(a == b); break;
          case BinaryFn::lt: out.push_back(a < b); break;
          case BinaryFn::le: out.push_back(a <= b); break;
          case BinaryFn::gt: out.push_back(a > b); break;
          case BinaryFn::ge: out.push_back(a >= b); break;
          case BinaryFn::logical_and: out.push_back(a && b); break;
          case BinaryFn::logical_or: out.push_back(a || b); break;
          default: return {};
          }
        }
        if (Attribute folded = makeInts(getOutput().getType(), out))
          return folded;
      }
    }
  }
  // x + 0, x - 0, x * 1, x / 1 with a splat constant and no broadcasting.
  if (getLhs().getType() != getOutput().getType())
    return {};
  auto rhs = dyn_cast_or_null<SplatElementsAttr>(adaptor.getRhs());
  if (!rhs)
    return {};
  auto isValue = [&](double v) {
    Type t = rhs.getElementType();
    if (isa<FloatType>(t))
      return rhs.getSplatValue<APFloat>().convertToDouble() == v;
    if (isa<IntegerType>(t))
      return rhs.getSplatValue<APInt>().getSExtValue() == (int64_t)v;
    return false;
  };
  switch (getFn()) {
  case BinaryFn::add:
  case BinaryFn::sub:
    return isValue(0) ? getLhs() : Value();
  case BinaryFn::mul:
  case BinaryFn::div:
    return isValue(1) ? getLhs() : Value();
  default:
    return {};
  }
}

OpFoldResult UnaryOp::fold(FoldAdaptor adaptor) {
  auto in = denseInts(adaptor.getInput());
  if (!in)
    return {};
  SmallVector<int64_t> out;
  for (int64_t v : *in) {
    switch (getFn()) {
    case UnaryFn::neg: out.push_back(-v); break;
    case UnaryFn::abs: out.push_back(v < 0 ? -v : v); break;
    case UnaryFn::logical_not: out.push_back(!v); break;
    default: return {};
    }
  }
  return makeInts(getOutput().getType(), out);
}

LogicalResult SelectOp::verify() {
  if (elementType(getOnTrue()) != elementType(getOnFalse()) ||
      elementType(getOnTrue()) != elementType(getOutput()))
    return emitOpError("both choices and the result need one element type");
  return success();
}

LogicalResult CastOp::verify() {
  auto inTy = ranked(getInput()), outTy = ranked(getOutput());
  if (inTy && outTy && inTy.getRank() != outTy.getRank())
    return emitOpError("cast cannot change the rank");
  return success();
}

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getOutput().getType())
    return getInput();
  if (isa<onnx::StringType>(elementType(getOutput())))
    return {};
  if (auto in = denseInts(adaptor.getInput()))
    return makeInts(getOutput().getType(), *in);
  return {};
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::verify() {
  auto q = cast<quant::QuantizedType>(elementType(getOutput()));
  if (q.getExpressedType() != elementType(getInput()))
    return emitOpError("result expresses ")
           << q.getExpressedType() << ", the input is "
           << elementType(getInput());
  return success();
}

LogicalResult DequantizeOp::verify() {
  auto q = cast<quant::QuantizedType>(elementType(getInput()));
  if (q.getExpressedType() != elementType(getOutput()))
    return emitOpError("input expresses ")
           << q.getExpressedType() << ", the result is "
           << elementType(getOutput());
  return success();
}

LogicalResult StorageCastOp::verify() {
  Type from = elementType(getInput()), to = elementType(getOutput());
  auto qFrom = dyn_cast<quant::QuantizedType>(from);
  auto qTo = dyn_cast<quant::QuantizedType>(to);
  // A string element is held as a pointer: an i64 view, or back.
  if (isa<onnx::StringType>(from) || isa<onnx::StringType>(to)) {
    Type other = isa<onnx::StringType>(from) ? to : from;
    if (!other.isSignlessInteger(64))
      return emitOpError("casts strings to their i64 pointer view or back, not ")
             << from << " to " << to;
    return success();
  }
  // The signless view of a sign-typed integer, or back.
  auto iFrom = dyn_cast<IntegerType>(from), iTo = dyn_cast<IntegerType>(to);
  if (iFrom && iTo) {
    if (iFrom.getWidth() != iTo.getWidth() ||
        iFrom.isSignless() == iTo.isSignless())
      return emitOpError("casts a sign-typed integer to the signless integer "
                         "of its width or back, not ")
             << from << " to " << to;
    return success();
  }
  if (!qFrom == !qTo)
    return emitOpError("casts between a quantized type and its storage "
                       "integers, not ")
           << from << " to " << to;
  auto q = qFrom ? qFrom : qTo;
  auto raw = dyn_cast<IntegerType>(qFrom ? to : from);
  if (!raw || raw.getWidth() != q.getStorageTypeIntegralWidth() ||
      (raw.isUnsigned() && q.isSigned()) || (raw.isSigned() && !q.isSigned()))
    return emitOpError("storage ")
           << (qFrom ? to : from) << " does not match " << q;
  return success();
}

OpFoldResult StorageCastOp::fold(FoldAdaptor) {
  if (auto prev = getInput().getDefiningOp<StorageCastOp>())
    if (prev.getInput().getType() == getOutput().getType())
      return prev.getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Reductions and normalization
//===----------------------------------------------------------------------===//

LogicalResult ReduceOp::verify() {
  auto inTy = ranked(getInput()), outTy = ranked(getOutput());
  if (!inTy)
    return success();
  llvm::SmallDenseSet<int64_t> seen;
  for (int64_t a : getAxes()) {
    if (failed(checkAxis(*this, "axes", a, inTy.getRank())))
      return failure();
    if (!seen.insert(a).second)
      return emitOpError("axis ") << a << " appears twice";
  }
  if (outTy) {
    int64_t expect = getKeepDims() ? inTy.getRank()
                                   : inTy.getRank() - (int64_t)seen.size();
    if (outTy.getRank() != expect)
      return emitOpError("result rank should be ")
             << expect << ", is " << outTy.getRank();
  }
  return success();
}

LogicalResult DynamicReduceOp::verify() {
  auto inTy = ranked(getInput()), outTy = ranked(getOutput()), axTy = ranked(getAxes());
  if (elementType(getInput()) != elementType(getOutput()))
    return emitOpError("result element type must be the input's");
  if (axTy && axTy.getRank() != 1)
    return emitOpError("axes must be 1-D");
  if (inTy && outTy && getKeepDims() && inTy.getRank() != outTy.getRank())
    return emitOpError("keep_dims keeps the rank");
  if (inTy && outTy && outTy.getRank() > inTy.getRank())
    return emitOpError("a reduction cannot add dims");
  return success();
}

LogicalResult CumSumOp::verify() {
  auto inTy = ranked(getInput());
  if (getAxisValue()) {
    auto a = ranked(getAxisValue());
    if (a && a.hasStaticShape() && a.getNumElements() != 1)
      return emitOpError("axis_value must have one element");
    return success();
  }
  if (inTy)
    return checkAxis(*this, "axis", getAxis(), inTy.getRank());
  return success();
}

LogicalResult NgramCountOp::verify() {
  int64_t poolSize = getPool().size();
  ArrayRef<int64_t> starts = getPoolStarts();
  int64_t entries = 0;
  for (size_t g = 0; g < starts.size(); ++g) {
    int64_t end = g + 1 < starts.size() ? starts[g + 1] : poolSize;
    if (starts[g] < 0 || end < starts[g] || end > poolSize ||
        (end - starts[g]) % (int64_t)(g + 1))
      return emitOpError("pool_starts do not split the pool into whole n-grams");
    entries += (end - starts[g]) / (int64_t)(g + 1);
  }
  if ((int64_t)getColumns().size() != entries)
    return emitOpError("has ") << getColumns().size() << " columns for " << entries
                               << " pooled n-grams";
  if (getMinGram() < 1 || getMaxGram() < getMinGram() || getMaxSkip() < 0)
    return emitOpError("needs 1 <= min_gram <= max_gram and max_skip >= 0");
  auto inTy = ranked(getInput());
  auto outTy = ranked(getOutput());
  if (inTy && outTy && (inTy.getRank() != outTy.getRank() || inTy.getRank() < 1 ||
                        inTy.getRank() > 2))
    return emitOpError("input and output must both be [N] or [B, N]");
  if (outTy && outTy.hasStaticShape())
    for (int64_t c : getColumns())
      if (c < 0 || c >= outTy.getDimSize(outTy.getRank() - 1))
        return emitOpError("column ") << c << " is outside the output";
  return success();
}

LogicalResult NonZeroOp::verify() {
  auto inTy = ranked(getInput());
  auto outTy = ranked(getOutput());
  if (inTy && outTy &&
      (outTy.getRank() != 2 ||
       (!outTy.isDynamicDim(0) && outTy.getDimSize(0) != inTy.getRank())))
    return emitOpError("result must be [rank, K]");
  return success();
}

LogicalResult TopKOp::verify() {
  auto inTy = ranked(getInput());
  auto vTy = ranked(getValues());
  auto iTy = ranked(getIndices());
  if (!inTy || !vTy || !iTy)
    return success();
  if (failed(checkAxis(*this, "axis", getAxis(), inTy.getRank())))
    return failure();
  if (vTy.getShape() != iTy.getShape() || vTy.getRank() != inTy.getRank())
    return emitOpError("values and indices must have the input's rank and one shape");
  if (vTy.getElementType() != inTy.getElementType())
    return emitOpError("values must have the input's element type");
  for (int64_t d = 0; d < inTy.getRank(); ++d) {
    int64_t in = inTy.getDimSize(d), out = vTy.getDimSize(d);
    if (ShapedType::isDynamic(in) || ShapedType::isDynamic(out))
      continue;
    if (d == (int64_t)getAxis() ? out > in : out != in)
      return emitOpError("result dim ") << d << " is " << out << ", input has " << in;
  }
  return success();
}

LogicalResult DetOp::verify() {
  auto inTy = ranked(getInput());
  auto outTy = ranked(getOutput());
  if (!inTy || !outTy)
    return success();
  int64_t r = inTy.getRank();
  if (r < 2 || inTy.getDimSize(r - 1) != inTy.getDimSize(r - 2))
    return emitOpError("input must end in square matrices");
  if (outTy.getShape() != inTy.getShape().drop_back(2))
    return emitOpError("output shape must be the input's batch dims");
  return success();
}

LogicalResult ArgReduceOp::verify() {
  if (getFn() != ReduceFn::max && getFn() != ReduceFn::min)
    return emitOpError("only max and min have an arg form");
  if (auto inTy = ranked(getInput()))
    return checkAxis(*this, "axis", getAxis(), inTy.getRank());
  return success();
}

LogicalResult SoftmaxOp::verify() {
  if (auto inTy = ranked(getInput()))
    return checkAxis(*this, "axis", getAxis(), inTy.getRank());
  return success();
}

LogicalResult BatchNormOp::verify() {
  auto inTy = ranked(getInput());
  if (!inTy)
    return success();
  if (inTy.getRank() < 2)
    return emitOpError("input needs a channel axis (rank >= 2)");
  int64_t c = inTy.getDimSize(1);
  for (Value v : {getScale(), getBias(), getMean(), getVariance()}) {
    auto t = ranked(v);
    if (t && (t.getRank() != 1 || !dimsCompatible(t.getDimSize(0), c)))
      return emitOpError("parameters must be vectors of the ")
             << c << " channels, got " << shapeStr(t.getShape());
  }
  return success();
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::verify() {
  auto qTy = ranked(getQuery()), kTy = ranked(getKey()), vTy = ranked(getValue()),
       outTy = ranked(getOutput());
  if (!qTy || !kTy || !vTy || !outTy)
    return success();
  int64_t r = qTy.getRank();
  if (r < 2 || kTy.getRank() != r || vTy.getRank() != r || outTy.getRank() != r)
    return emitOpError("query, key, value and result need one rank >= 2");
  for (int64_t i = 0; i < r - 2; ++i)
    if (!dimsCompatible(qTy.getDimSize(i), kTy.getDimSize(i)) ||
        !dimsCompatible(qTy.getDimSize(i), vTy.getDimSize(i)) ||
        !dimsCompatible(qTy.getDimSize(i), outTy.getDimSize(i)))
      return emitOpError("leading dims of query, key, value and result differ");
  bool kt = getKeyTransposed();
  int64_t d = qTy.getDimSize(r - 1), sq = qTy.getDimSize(r - 2);
  int64_t kd = kTy.getDimSize(kt ? r - 2 : r - 1), sk = kTy.getDimSize(kt ? r - 1 : r - 2);
  if (!dimsCompatible(d, kd))
    return emitOpError("query depth ") << d << " differs from the key's " << kd;
  if (!dimsCompatible(sk, vTy.getDimSize(r - 2)))
    return emitOpError("key length ") << sk << " differs from the value's "
                                      << vTy.getDimSize(r - 2);
  if (!dimsCompatible(outTy.getDimSize(r - 2), sq) ||
      !dimsCompatible(outTy.getDimSize(r - 1), vTy.getDimSize(r - 1)))
    return emitOpError("result must be [..., Sq, Dv]");
  if (auto mTy = getMask() ? ranked(getMask()) : RankedTensorType()) {
    SmallVector<int64_t> scores(qTy.getShape().drop_back());
    scores.push_back(sk);
    auto b = broadcastShapes(scores, mTy.getShape());
    if (failed(b) || (int64_t)b->size() != r)
      return emitOpError("mask ") << shapeStr(mTy.getShape())
                                  << " does not broadcast to the scores "
                                  << shapeStr(scores);
  }
  return success();
}

LogicalResult LayerNormOp::verify() {
  if (auto inTy = ranked(getInput()))
    return checkAxis(*this, "axis", getAxis(), inTy.getRank());
  return success();
}

//===----------------------------------------------------------------------===//
// PoolOp
//===----------------------------------------------------------------------===//

LogicalResult PoolOp::verify() {
  auto inTy = ranked(getInput());
  if (!inTy)
    return success();
  int64_t spatial = inTy.getRank() - 2;
  // The first spatial dim: N x C x D.. or, channels-last, N x D.. x C.
  int64_t first = getChannelsLast() ? 1 : 2;
  if (spatial < 1)
    return emitOpError("input must be N x C x spatial..., got rank ")
           << inTy.getRank();
  if (failed(checkSize(*this, "kernel", getKernel(), spatial)) ||
      failed(checkSize(*this, "strides", getStrides(), spatial)) ||
      failed(checkSize(*this, "dilations", getDilations(), spatial)) ||
      failed(checkSize(*this, "pads", getPads(), 2 * spatial)))
    return failure();
  auto outTy = ranked(getOutput());
  if (!outTy)
    return success();
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t expect = windowOutput(inTy.getDimSize(first + i), getKernel()[i],
                                  getStrides()[i], getDilations()[i],
                                  getPads()[i], getPads()[spatial + i],
                                  getCeilMode());
    if (expect == -1)
      return emitOpError("window larger than the padded input on spatial axis ")
             << i;
    // ONNX drops a last window that would start in the trailing padding.
    if (getCeilMode() && expect != kDyn &&
        (expect - 1) * getStrides()[i] >= inTy.getDimSize(first + i) + getPads()[i])
      --expect;
    if (!dimsCompatible(expect, outTy.getDimSize(first + i)))
      return emitOpError("spatial axis ")
             << i << " of the result should have size " << expect << ", has "
             << outTy.getDimSize(first + i);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  auto inTy = ranked(getInput()), outTy = ranked(getOutput());
  if (elementType(getInput()) != elementType(getOutput()))
    return emitOpError("reshape cannot change the element type");
  if (!outTy || getShape())
    return success();
  if (outTy.getNumDynamicDims() > 1)
    return emitOpError("a result with ")
           << outTy.getNumDynamicDims()
           << " dynamic dimensions needs a 'shape' operand";
  if (inTy && inTy.hasStaticShape() && outTy.hasStaticShape() &&
      inTy.getNumElements() != outTy.getNumElements())
    return emitOpError("cannot reshape ")
           << inTy.getNumElements() << " elements " << shapeStr(inTy.getShape())
           << " into " << outTy.getNumElements() << " "
           << shapeStr(outTy.getShape());
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (!getShape() && getInput().getType() == getOutput().getType() &&
      cast<ShapedType>(getOutput().getType()).hasStaticShape())
    return getInput();
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    if (auto outTy = dyn_cast<RankedTensorType>(getOutput().getType());
        outTy && outTy.hasStaticShape())
      return dense.reshape(outTy);
  return {};
}

LogicalResult TransposeOp::verify() {
  auto inTy = ranked(getInput()), outTy = ranked(getOutput());
  if (!inTy)
    return success();
  if (failed(checkSize(*this, "perm", getPerm(), inTy.getRank())))
    return failure();
  SmallVector<bool> seen(inTy.getRank(), false);
  for (int64_t p : getPerm()) {
    if (p < 0 || p >= inTy.getRank() || seen[p])
      return emitOpError("'perm' is not a permutation of [0, ")
             << inTy.getRank() << ")";
    seen[p] = true;
  }
  if (outTy)
    for (auto [i, p] : llvm::enumerate(getPerm()))
      if (!dimsCompatible(outTy.getDimSize(i), inTy.getDimSize(p)))
        return emitOpError("result dimension ")
               << i << " should be input dimension " << p << " ("
               << inTy.getDimSize(p) << "), is " << outTy.getDimSize(i);
  return success();
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  for (auto [i, p] : llvm::enumerate(getPerm()))
    if ((int64_t)i != p)
      return {};
  if (getInput().getType() == getOutput().getType())
    return getInput();
  return {};
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  auto outTy = ranked(getOutput());
  if (!outTy)
    return success();
  if (failed(checkAxis(*this, "axis", getAxis(), outTy.getRank())))
    return failure();
  int64_t sum = 0;
  for (auto [i, v] : llvm::enumerate(getInputs())) {
    if (elementType(v) != outTy.getElementType() &&
        !sameQuantFamily(elementType(v), outTy.getElementType()))
      return emitOpError("input ") << i << " has element type "
                                   << elementType(v) << ", the result "
                                   << outTy.getElementType();
    auto t = ranked(v);
    if (!t)
      continue;
    if (t.getRank() != outTy.getRank())
      return emitOpError("input ") << i << " has rank " << t.getRank()
                                   << ", the result " << outTy.getRank();
    for (int64_t d = 0; d < t.getRank(); ++d)
      if (d != (int64_t)getAxis() && !dimsCompatible(t.getDimSize(d), outTy.getDimSize(d)))
        return emitOpError("input ")
               << i << " differs from the result on dimension " << d;
    if (sum != kDyn)
      sum = t.getDimSize(getAxis()) == kDyn ? kDyn : sum + t.getDimSize(getAxis());
  }
  if (!dimsCompatible(sum, outTy.getDimSize(getAxis())))
    return emitOpError("inputs add up to ")
           << sum << " along axis " << getAxis() << ", the result has "
           << outTy.getDimSize(getAxis());
  return success();
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (getInputs().size() == 1 &&
      getInputs()[0].getType() == getOutput().getType())
    return getInputs()[0];
  // 1-D integer constants (shape vectors).
  auto outTy = dyn_cast<RankedTensorType>(getOutput().getType());
  if (!outTy || outTy.getRank() != 1)
    return {};
  SmallVector<int64_t> all;
  for (Attribute a : adaptor.getInputs()) {
    auto v = denseInts(a);
    if (!v)
      return {};
    all.append(*v);
  }
  return makeInts(outTy, all);
}

LogicalResult SplitOp::verify() {
  if (getSizes().size() != getOutputs().size())
    return emitOpError("has ") << getOutputs().size() << " results but "
                               << getSizes().size() << " sizes";
  auto inTy = ranked(getInput());
  if (!inTy)
    return success();
  if (failed(checkAxis(*this, "axis", getAxis(), inTy.getRank())))
    return failure();
  int64_t total = 0;
  for (int64_t s : getSizes()) {
    if (s < 0)
      return emitOpError("sizes must be non-negative");
    total += s;
  }
  if (!dimsCompatible(total, inTy.getDimSize(getAxis())))
    return emitOpError("sizes add up to ")
           << total << " but axis " << getAxis() << " has "
           << inTy.getDimSize(getAxis());
  return success();
}

std::pair<int64_t, int64_t> whittle::wt::sliceRange(int64_t dim, int64_t start,
                                                    int64_t end, int64_t step) {
  auto clampTo = [](int64_t v, int64_t lo, int64_t hi) {
    return std::max(lo, std::min(v, hi));
  };
  if (start < 0)
    start += dim;
  if (end < 0 && end > std::numeric_limits<int64_t>::min() / 2)
    end += dim;
  if (step > 0) {
    start = clampTo(start, 0, dim);
    end = clampTo(end, 0, dim);
    return {start, std::max<int64_t>(0, (end - start + step - 1) / step)};
  }
  start = clampTo(start, -1, dim - 1);
  end = clampTo(end, -1, dim - 1);
  return {start, std::max<int64_t>(0, (start - end - step - 1) / -step)};
}

LogicalResult SliceOp::verify() {
  auto inTy = ranked(getInput()), outTy = ranked(getOutput());
  if (!inTy)
    return success();
  int64_t rank = inTy.getRank();
  if (failed(checkSize(*this, "starts", getStarts(), rank)) ||
      failed(checkSize(*this, "ends", getEnds(), rank)) ||
      failed(checkSize(*this, "steps", getSteps(), rank)))
    return failure();
  if (llvm::is_contained(getSteps(), 0))
    return emitOpError("steps must be non-zero");
  if (!outTy)
    return success();
  if (outTy.getRank() != rank)
    return emitOpError("slicing keeps the rank");
  for (int64_t i = 0; i < rank; ++i) {
    int64_t dim = inTy.getDimSize(i);
    if (dim == kDyn)
      continue;
    int64_t count =
        sliceRange(dim, getStarts()[i], getEnds()[i], getSteps()[i]).second;
    if (!dimsCompatible(count, outTy.getDimSize(i)))
      return emitOpError("dimension ") << i << " of the result should have "
                                       << count << " elements, has "
                                       << outTy.getDimSize(i);
  }
  return success();
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  auto in = denseInts(adaptor.getInput());
  auto outTy = dyn_cast<RankedTensorType>(getOutput().getType());
  if (!in || !outTy || outTy.getRank() != 1 || !outTy.hasStaticShape())
    return {};
  SmallVector<int64_t> out;
  int64_t step = getSteps()[0];
  int64_t idx =
      sliceRange((int64_t)in->size(), getStarts()[0], getEnds()[0], step).first;
  for (int64_t i = 0; i < outTy.getDimSize(0); ++i, idx += step) {
    if (idx < 0 || idx >= (int64_t)in->size())
      return {};
    out.push_back((*in)[idx]);
  }
  return makeInts(outTy, out);
}

LogicalResult PadOp::verify() {
  auto inTy = ranked(getInput());
  if (getPadValues()) {
    if (!getPads().empty())
      return emitOpError("takes its pads from 'pads' or the pad_values operand, not both");
    auto outTy = ranked(getOutput());
    if (!outTy || !outTy.hasStaticShape())
      return emitOpError("run-time pads need a static result shape");
  } else if (inTy && failed(checkSize(*this, "pads", getPads(), 2 * inTy.getRank()))) {
    return failure();
  }
  if (getValue() && getMode() != PadMode::constant)
    return emitOpError("only constant mode takes a fill value");
  return success();
}

LogicalResult ResizeOp::verify() {
  auto inTy = ranked(getInput()), outTy = ranked(getOutput());
  if (inTy && outTy && inTy.getRank() != outTy.getRank())
    return emitOpError("resize keeps the rank");
  if (auto scales = getScales(); scales && inTy &&
                                 (int64_t)scales->size() != inTy.getRank())
    return emitOpError("'scales' needs one entry per dimension");
  return success();
}

LogicalResult GatherOp::verify() {
  auto inTy = ranked(getInput()), idxTy = ranked(getIndices()),
       outTy = ranked(getOutput());
  if (!inTy)
    return success();
  if (failed(checkAxis(*this, "axis", getAxis(), inTy.getRank())))
    return failure();
  if (idxTy && outTy &&
      outTy.getRank() != inTy.getRank() - 1 + idxTy.getRank())
    return emitOpError("result rank should be ")
           << inTy.getRank() - 1 + idxTy.getRank() << ", is "
           << outTy.getRank();
  return success();
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  auto idx = denseInts(adaptor.getIndices());
  if (!idx || getAxis() != 0)
    return {};
  // From a constant vector, or from the static dims of a shape_of.
  SmallVector<int64_t> source;
  if (auto in = denseInts(adaptor.getInput())) {
    source = *in;
  } else if (auto shapeOf = getInput().getDefiningOp<ShapeOfOp>()) {
    auto ty = cast<RankedTensorType>(shapeOf.getInput().getType());
    source.assign(ty.getShape().begin(), ty.getShape().end());
  } else {
    return {};
  }
  SmallVector<int64_t> out;
  for (int64_t i : *idx) {
    int64_t k = i < 0 ? i + (int64_t)source.size() : i;
    if (k < 0 || k >= (int64_t)source.size() || ShapedType::isDynamic(source[k]))
      return {};
    out.push_back(source[k]);
  }
  auto inTy = dyn_cast<RankedTensorType>(getInput().getType());
  if (!inTy || inTy.getRank() != 1)
    return {};
  return makeInts(getOutput().getType(), out);
}

LogicalResult DynamicSliceOp::verify() {
  auto inTy = ranked(getInput()), outTy = ranked(getOutput());
  if (elementType(getInput()) != elementType(getOutput()))
    return emitOpError("result element type must be the input's");
  if (inTy && outTy && inTy.getRank() != outTy.getRank())
    return emitOpError("a slice keeps the rank");
  int64_t n = ShapedType::kDynamic;
  for (Value v : {getStarts(), getAxes(), getSteps()}) {
    if (!v)
      continue;
    auto t = ranked(v);
    if (!t || t.getRank() != 1)
      return emitOpError("starts, axes and steps must be 1-D");
    if (!dimsCompatible(n, t.getDimSize(0)))
      return emitOpError("starts, axes and steps must have one length");
    if (!ShapedType::isDynamic(t.getDimSize(0)))
      n = t.getDimSize(0);
  }
  return success();
}

LogicalResult EinsumOp::verify() {
  StringRef eq = getEquation();
  auto [lhs, out] = eq.split("->");
  if (!eq.contains("->") || eq.contains("...") || eq.contains(' '))
    return emitOpError("needs an explicit equation without ellipses or spaces");
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  if (terms.size() != getInputs().size())
    return emitOpError("equation has ") << terms.size() << " inputs, the op has "
                                        << getInputs().size();
  llvm::StringMap<int64_t> sizes;
  auto bind = [&](char c, int64_t size) -> LogicalResult {
    if (c < 'a' || c > 'z')
      return emitOpError("index '") << c << "' is not a lower-case letter";
    auto [it, fresh] = sizes.try_emplace(StringRef(&c, 1), size);
    if (!fresh && !dimsCompatible(it->second, size))
      return emitOpError("index '") << c << "' has sizes " << it->second << " and " << size;
    return success();
  };
  for (auto [term, v] : llvm::zip(terms, getInputs())) {
    auto t = ranked(v);
    if (!t)
      continue;
    if ((int64_t)term.size() != t.getRank())
      return emitOpError("term '") << term << "' names " << term.size()
                                   << " dims, the input has " << t.getRank();
    for (auto [c, d] : llvm::zip(term, t.getShape()))
      if (failed(bind(c, d)))
        return failure();
  }
  auto outTy = ranked(getOutput());
  if (outTy && (int64_t)out.size() != outTy.getRank())
    return emitOpError("result term '") << out << "' does not match rank " << outTy.getRank();
  for (char c : out)
    if (!sizes.count(StringRef(&c, 1)))
      return emitOpError("result index '") << c << "' names no input dim";
  return success();
}

//===----------------------------------------------------------------------===//
// Indexed gathers and scatters
//===----------------------------------------------------------------------===//

LogicalResult GatherElementsOp::verify() {
  auto inTy = ranked(getInput()), idxTy = ranked(getIndices()),
       outTy = ranked(getOutput());
  if (elementType(getInput()) != elementType(getOutput()))
    return emitOpError("result element type must be the input's");
  if (!inTy)
    return success();
  if (failed(checkAxis(*this, "axis", getAxis(), inTy.getRank())))
    return failure();
  if (idxTy && idxTy.getRank() != inTy.getRank())
    return emitOpError("indices must have the input's rank ")
           << inTy.getRank() << ", have " << idxTy.getRank();
  if (idxTy && outTy && failed(verifyCompatibleShape(idxTy, outTy)))
    return emitOpError("result shape ") << shapeStr(outTy.getShape())
           << " must be the indices' " << shapeStr(idxTy.getShape());
  return success();
}

LogicalResult GatherNdOp::verify() {
  auto inTy = ranked(getInput()), idxTy = ranked(getIndices()),
       outTy = ranked(getOutput());
  if (elementType(getInput()) != elementType(getOutput()))
    return emitOpError("result element type must be the input's");
  if (!inTy || !idxTy)
    return success();
  int64_t b = getBatchDims(), q = idxTy.getRank();
  if (b < 0 || b >= q || b >= inTy.getRank())
    return emitOpError("'batch_dims' ") << b << " must be below both ranks";
  int64_t m = idxTy.getDimSize(q - 1);
  if (ShapedType::isDynamic(m))
    return success();
  if (m < 1 || b + m > inTy.getRank())
    return emitOpError("index tuples of length ")
           << m << " do not fit input rank " << inTy.getRank()
           << " after " << b << " batch dims";
  if (outTy && outTy.getRank() != q - 1 + inTy.getRank() - b - m)
    return emitOpError("result rank should be ")
           << q - 1 + inTy.getRank() - b - m << ", is " << outTy.getRank();
  return success();
}

template <typename OpTy>
static LogicalResult verifyScatterUpdates(OpTy op) {
  if (elementType(op.getUpdates()) != elementType(op.getData()))
    return op.emitOpError("updates must have the data's element type");
  return success();
}

LogicalResult ScatterElementsOp::verify() {
  if (failed(verifyScatterUpdates(*this)))
    return failure();
  auto dataTy = ranked(getData()), idxTy = ranked(getIndices()),
       updTy = ranked(getUpdates());
  if (!dataTy)
    return success();
  if (failed(checkAxis(*this, "axis", getAxis(), dataTy.getRank())))
    return failure();
  if (idxTy && idxTy.getRank() != dataTy.getRank())
    return emitOpError("indices must have the data's rank");
  if (idxTy && updTy && failed(verifyCompatibleShape(idxTy, updTy)))
    return emitOpError("updates must have the indices' shape");
  return success();
}

LogicalResult ScatterNdOp::verify() {
  if (failed(verifyScatterUpdates(*this)))
    return failure();
  auto dataTy = ranked(getData()), idxTy = ranked(getIndices()),
       updTy = ranked(getUpdates());
  if (!dataTy || !idxTy || !updTy)
    return success();
  int64_t q = idxTy.getRank(), m = idxTy.getDimSize(q - 1);
  if (ShapedType::isDynamic(m))
    return success();
  if (m < 1 || m > dataTy.getRank())
    return emitOpError("index tuples of length ")
           << m << " do not fit data rank " << dataTy.getRank();
  if (updTy.getRank() != q - 1 + dataTy.getRank() - m)
    return emitOpError("updates should have rank ")
           << q - 1 + dataTy.getRank() - m << ", have " << updTy.getRank();
  return success();
}

LogicalResult ShapeOfOp::verify() {
  auto outTy = cast<RankedTensorType>(getOutput().getType());
  int64_t rank = cast<RankedTensorType>(getInput().getType()).getRank();
  if (!dimsCompatible(outTy.getDimSize(0), rank))
    return emitOpError("result must have ") << rank << " elements";
  return success();
}

OpFoldResult ShapeOfOp::fold(FoldAdaptor) {
  auto inTy = cast<RankedTensorType>(getInput().getType());
  auto outTy = cast<RankedTensorType>(getOutput().getType());
  if (!inTy.hasStaticShape() || !outTy.hasStaticShape())
    return {};
  return DenseElementsAttr::get(outTy, inTy.getShape());
}

LogicalResult BroadcastOp::verify() {
  auto inTy = ranked(getInput()), outTy = ranked(getOutput());
  if (elementType(getInput()) != elementType(getOutput()))
    return emitOpError("broadcast cannot change the element type");
  if (!getShape() && outTy && !outTy.hasStaticShape())
    return emitOpError("a dynamic result needs a 'shape' operand");
  if (inTy && outTy && inTy.getRank() > outTy.getRank())
    return emitOpError("cannot broadcast rank ")
           << inTy.getRank() << " down to rank " << outTy.getRank();
  return success();
}

//===----------------------------------------------------------------------===//
// LstmOp
//===----------------------------------------------------------------------===//

LogicalResult LstmOp::verify() {
  int64_t dirs = getDirection() == RnnDirection::bidirectional ? 2 : 1;
  if ((int64_t)getActivations().size() != 3 * dirs)
    return emitOpError("needs ") << 3 * dirs << " activations, has "
                                 << getActivations().size();
  if (getHiddenSize() < 1)
    return emitOpError("'hidden_size' must be positive");
  auto wTy = ranked(getW());
  if (wTy && (wTy.getRank() != 3 || !dimsCompatible(wTy.getDimSize(0), dirs) ||
              !dimsCompatible(wTy.getDimSize(1), 4 * getHiddenSize())))
    return emitOpError("W must be ")
           << dirs << " x " << 4 * getHiddenSize() << " x input, got "
           << shapeStr(wTy.getShape());
  return success();
}

/// Activation count and W's gate rows for the recurrent ops.
template <typename OpTy>
static LogicalResult verifyRecurrent(OpTy op, int64_t actsPerDir, int64_t gates) {
  int64_t dirs = op.getDirection() == RnnDirection::bidirectional ? 2 : 1;
  if ((int64_t)op.getActivations().size() != actsPerDir * dirs)
    return op.emitOpError("needs ") << actsPerDir * dirs << " activations, has "
                                    << op.getActivations().size();
  if (op.getHiddenSize() < 1)
    return op.emitOpError("'hidden_size' must be positive");
  auto wTy = ranked(op.getW());
  if (wTy && (wTy.getRank() != 3 || !dimsCompatible(wTy.getDimSize(0), dirs) ||
              !dimsCompatible(wTy.getDimSize(1), gates * op.getHiddenSize())))
    return op.emitOpError("W must be ")
           << dirs << " x " << gates * op.getHiddenSize() << " x input, got "
           << shapeStr(wTy.getShape());
  return success();
}

LogicalResult GruOp::verify() { return verifyRecurrent(*this, 2, 3); }
LogicalResult RnnOp::verify() { return verifyRecurrent(*this, 1, 1); }

#define GET_OP_CLASSES
#include "whittle/Dialect/Whittle/WhittleOps.cpp.inc"
