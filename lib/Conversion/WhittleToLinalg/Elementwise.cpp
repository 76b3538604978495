//===- Elementwise.cpp - unary, binary, select, cast, batch_norm ----------===//
//
// Each op is one broadcasting linalg.generic. Float and integer bodies are
// chosen per function; functions without a body for a type decline.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include "mlir/IR/BuiltinOps.h"

#include <limits>

using namespace mlir;
using namespace whittle;
using namespace whittle::lowering;

namespace {

Value unaryBody(OpBuilder &b, Location loc, wt::UnaryOp op, Value x,
                bool isUnsigned) {
  Type t = x.getType();
  std::optional<double> alpha, beta;
  if (auto a = op.getAlphaAttr())
    alpha = a.getValueAsDouble();
  if (auto a = op.getBetaAttr())
    beta = a.getValueAsDouble();
  auto c = [&](double v) { return scalarConstant(b, loc, t, v); };
  if (isa<FloatType>(t)) {
    if (Value v = applyActivation(b, loc, op.getFn(), x, alpha, beta))
      return v;
    switch (op.getFn()) {
    case wt::UnaryFn::abs: return math::AbsFOp::create(b, loc, x);
    case wt::UnaryFn::neg: return arith::NegFOp::create(b, loc, x);
    case wt::UnaryFn::exp: return math::ExpOp::create(b, loc, x);
    case wt::UnaryFn::log: return math::LogOp::create(b, loc, x);
    case wt::UnaryFn::sqrt: return math::SqrtOp::create(b, loc, x);
    case wt::UnaryFn::reciprocal: return arith::DivFOp::create(b, loc, c(1.0), x);
    case wt::UnaryFn::ceil: return math::CeilOp::create(b, loc, x);
    case wt::UnaryFn::floor: return math::FloorOp::create(b, loc, x);
    case wt::UnaryFn::round: return math::RoundEvenOp::create(b, loc, x);
    case wt::UnaryFn::erf: return math::ErfOp::create(b, loc, x);
    case wt::UnaryFn::sin: return math::SinOp::create(b, loc, x);
    case wt::UnaryFn::cos: return math::CosOp::create(b, loc, x);
    case wt::UnaryFn::tan: return math::TanOp::create(b, loc, x);
    case wt::UnaryFn::asin: return math::AsinOp::create(b, loc, x);
    case wt::UnaryFn::acos: return math::AcosOp::create(b, loc, x);
    case wt::UnaryFn::atan: return math::AtanOp::create(b, loc, x);
    case wt::UnaryFn::sinh: return math::SinhOp::create(b, loc, x);
    case wt::UnaryFn::cosh: return math::CoshOp::create(b, loc, x);
    case wt::UnaryFn::asinh: return math::AsinhOp::create(b, loc, x);
    case wt::UnaryFn::acosh: return math::AcoshOp::create(b, loc, x);
    case wt::UnaryFn::atanh: return math::AtanhOp::create(b, loc, x);
    case wt::UnaryFn::sign: {
      Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, c(0.0));
      Value neg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, c(0.0));
      return arith::SelectOp::create(b, loc, pos, c(1.0),
                                     arith::SelectOp::create(b, loc, neg, c(-1.0), c(0.0)));
    }
    case wt::UnaryFn::is_nan:
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x, x);
    case wt::UnaryFn::is_inf:
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                   math::AbsFOp::create(b, loc, x),
                                   c(std::numeric_limits<double>::infinity()));
    case wt::UnaryFn::celu: {
      // max(0, x) + min(0, alpha * (exp(x / alpha) - 1))
      double a = alpha.value_or(1.0);
      Value e = arith::SubFOp::create(
          b, loc, math::ExpOp::create(b, loc, arith::DivFOp::create(b, loc, x, c(a))), c(1.0));
      return arith::AddFOp::create(
          b, loc, arith::MaximumFOp::create(b, loc, x, c(0.0)),
          arith::MinimumFOp::create(b, loc, c(0.0), arith::MulFOp::create(b, loc, e, c(a))));
    }
    case wt::UnaryFn::thresholded_relu: {
      Value gt = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                       c(alpha.value_or(1.0)));
      return arith::SelectOp::create(b, loc, gt, x, c(0.0));
    }
    case wt::UnaryFn::shrink: {
      double lambd = alpha.value_or(0.5), bias = beta.value_or(0.0);
      Value lo = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, c(-lambd));
      Value hi = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, c(lambd));
      return arith::SelectOp::create(
          b, loc, lo, arith::AddFOp::create(b, loc, x, c(bias)),
          arith::SelectOp::create(b, loc, hi, arith::SubFOp::create(b, loc, x, c(bias)), c(0.0)));
    }
    default: return nullptr;
    }
  }
  auto it = dyn_cast<IntegerType>(t);
  if (!it)
    return nullptr;
  switch (op.getFn()) {
  case wt::UnaryFn::neg: return arith::SubIOp::create(b, loc, c(0), x);
  case wt::UnaryFn::abs: return isUnsigned ? x : math::AbsIOp::create(b, loc, x);
  case wt::UnaryFn::relu: return isUnsigned ? x : maxOf(b, loc, x, c(0), false);
  case wt::UnaryFn::sign: {
    Value zero = c(0);
    Value pos = arith::CmpIOp::create(
        b, loc, isUnsigned ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt, x, zero);
    Value neg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, zero);
    Value r = arith::SelectOp::create(b, loc, pos, c(1), zero);
    return isUnsigned ? r : arith::SelectOp::create(b, loc, neg, c(-1), r);
  }
  case wt::UnaryFn::clip: {
    // Integer bounds arrive as f32 attributes; they are exact below 2^24.
    Value v = x;
    if (alpha)
      v = maxOf(b, loc, v, c(*alpha), isUnsigned);
    if (beta)
      v = minOf(b, loc, v, c(*beta), isUnsigned);
    return v;
  }
  case wt::UnaryFn::logical_not:
    return arith::XOrIOp::create(b, loc, x, scalarConstant(b, loc, t, 1));
  case wt::UnaryFn::bitwise_not:
    return arith::XOrIOp::create(b, loc, x, scalarConstant(b, loc, t, -1));
  default: return nullptr;
  }
}

/// Whether `body` has a lowering for these scalar types: tried in a
/// detached block with a listener-free builder, so a pattern can decline
/// before it touches the IR.
bool hasBody(MLIRContext *ctx, TypeRange types,
             llvm::function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  Location loc = UnknownLoc::get(ctx);
  OwningOpRef<ModuleOp> scratch = ModuleOp::create(loc);
  OpBuilder b = OpBuilder::atBlockEnd(scratch->getBody());
  auto values = UnrealizedConversionCastOp::create(b, loc, types, ValueRange{});
  return body(b, loc, values.getResults()) != nullptr;
}

struct LowerUnary : OpRewritePattern<wt::UnaryOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::UnaryOp op, PatternRewriter &rewriter) const override {
    auto outTy = rankedType(op.getOutput());
    auto inTy = rankedType(op.getInput());
    if (!outTy || !inTy || isa<quant::QuantizedType>(inTy.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs ranked, unquantized types");
    bool isUnsigned = isUnsignedInt(inTy);
    auto body = [&](OpBuilder &b, Location loc, ValueRange a) {
      return unaryBody(b, loc, op, a[0], isUnsigned);
    };
    if (!hasBody(getContext(), signlessType(inTy.getElementType()), body))
      return rewriter.notifyMatchFailure(op, "no lowering for this function/type");
    Location loc = op.getLoc();
    Value r = buildElementwise(rewriter, loc, cast<RankedTensorType>(signlessType(outTy)),
                               signlessView(rewriter, loc, op.getInput()), body);
    rewriter.replaceOp(op, restoreSign(rewriter, loc, r, outTy));
    return success();
  }
};

/// `isUnsigned`: the operands are unsigned integers (`yUnsigned` for the
/// exponent of pow, whose type may differ from the base's).
Value binaryBody(OpBuilder &b, Location loc, wt::BinaryFn fn, Value x, Value y,
                 bool isUnsigned, bool yUnsigned) {
  Type t = x.getType();
  using P = arith::CmpFPredicate;
  using I = arith::CmpIPredicate;
  if (isa<FloatType>(t)) {
    switch (fn) {
    case wt::BinaryFn::add: return arith::AddFOp::create(b, loc, x, y);
    case wt::BinaryFn::sub: return arith::SubFOp::create(b, loc, x, y);
    case wt::BinaryFn::mul: return arith::MulFOp::create(b, loc, x, y);
    case wt::BinaryFn::div: return arith::DivFOp::create(b, loc, x, y);
    case wt::BinaryFn::pow:
      if (isa<IntegerType>(y.getType()))
        y = yUnsigned ? arith::UIToFPOp::create(b, loc, t, y).getResult()
                      : arith::SIToFPOp::create(b, loc, t, y).getResult();
      else if (y.getType() != t)
        return nullptr;
      return math::PowFOp::create(b, loc, x, y);
    case wt::BinaryFn::max: return arith::MaximumFOp::create(b, loc, x, y);
    case wt::BinaryFn::min: return arith::MinimumFOp::create(b, loc, x, y);
    case wt::BinaryFn::fmod: return arith::RemFOp::create(b, loc, x, y);
    case wt::BinaryFn::prelu: {
      Value zero = scalarConstant(b, loc, t, 0.0);
      Value neg = arith::CmpFOp::create(b, loc, P::OLT, x, zero);
      return arith::SelectOp::create(b, loc, neg, arith::MulFOp::create(b, loc, x, y), x);
    }
    case wt::BinaryFn::eq: return arith::CmpFOp::create(b, loc, P::OEQ, x, y);
    case wt::BinaryFn::lt: return arith::CmpFOp::create(b, loc, P::OLT, x, y);
    case wt::BinaryFn::le: return arith::CmpFOp::create(b, loc, P::OLE, x, y);
    case wt::BinaryFn::gt: return arith::CmpFOp::create(b, loc, P::OGT, x, y);
    case wt::BinaryFn::ge: return arith::CmpFOp::create(b, loc, P::OGE, x, y);
    default: return nullptr;
    }
  }
  if (!isa<IntegerType>(t))
    return nullptr;
  if (fn == wt::BinaryFn::pow) {
    // Integer base: through double, as ONNX runtimes do.
    Type f64 = b.getF64Type();
    Value xf = isUnsigned ? arith::UIToFPOp::create(b, loc, f64, x).getResult()
                          : arith::SIToFPOp::create(b, loc, f64, x).getResult();
    Value yf = isa<FloatType>(y.getType())
                   ? (y.getType() == f64 ? y : arith::ExtFOp::create(b, loc, f64, y).getResult())
               : yUnsigned ? arith::UIToFPOp::create(b, loc, f64, y).getResult()
                           : arith::SIToFPOp::create(b, loc, f64, y).getResult();
    Value p = math::PowFOp::create(b, loc, xf, yf);
    return isUnsigned ? arith::FPToUIOp::create(b, loc, t, p).getResult()
                      : arith::FPToSIOp::create(b, loc, t, p).getResult();
  }
  if (y.getType() != t)
    return nullptr;
  switch (fn) {
  case wt::BinaryFn::add: return arith::AddIOp::create(b, loc, x, y);
  case wt::BinaryFn::sub: return arith::SubIOp::create(b, loc, x, y);
  case wt::BinaryFn::mul: return arith::MulIOp::create(b, loc, x, y);
  case wt::BinaryFn::div:
    return isUnsigned ? arith::DivUIOp::create(b, loc, x, y).getResult()
                      : arith::DivSIOp::create(b, loc, x, y).getResult();
  case wt::BinaryFn::max: return maxOf(b, loc, x, y, isUnsigned);
  case wt::BinaryFn::min: return minOf(b, loc, x, y, isUnsigned);
  case wt::BinaryFn::logical_and: case wt::BinaryFn::bitwise_and:
    return arith::AndIOp::create(b, loc, x, y);
  case wt::BinaryFn::logical_or: case wt::BinaryFn::bitwise_or:
    return arith::OrIOp::create(b, loc, x, y);
  case wt::BinaryFn::logical_xor: case wt::BinaryFn::bitwise_xor:
    return arith::XOrIOp::create(b, loc, x, y);
  case wt::BinaryFn::fmod:
    return isUnsigned ? arith::RemUIOp::create(b, loc, x, y).getResult()
                      : arith::RemSIOp::create(b, loc, x, y).getResult();
  case wt::BinaryFn::mod: {
    if (isUnsigned)
      return arith::RemUIOp::create(b, loc, x, y);
    // Python's modulo: the result has the divisor's sign.
    Value r = arith::RemSIOp::create(b, loc, x, y);
    Value zero = scalarConstant(b, loc, t, 0);
    Value rNeg = arith::CmpIOp::create(b, loc, I::slt, r, zero);
    Value yNeg = arith::CmpIOp::create(b, loc, I::slt, y, zero);
    Value fix = arith::AndIOp::create(
        b, loc, arith::CmpIOp::create(b, loc, I::ne, r, zero),
        arith::XOrIOp::create(b, loc, rNeg, yNeg));
    return arith::SelectOp::create(b, loc, fix, arith::AddIOp::create(b, loc, r, y), r);
  }
  case wt::BinaryFn::shift_left: return arith::ShLIOp::create(b, loc, x, y);
  case wt::BinaryFn::shift_right: return arith::ShRUIOp::create(b, loc, x, y);
  case wt::BinaryFn::eq: return arith::CmpIOp::create(b, loc, I::eq, x, y);
  case wt::BinaryFn::lt: return arith::CmpIOp::create(b, loc, isUnsigned ? I::ult : I::slt, x, y);
  case wt::BinaryFn::le: return arith::CmpIOp::create(b, loc, isUnsigned ? I::ule : I::sle, x, y);
  case wt::BinaryFn::gt: return arith::CmpIOp::create(b, loc, isUnsigned ? I::ugt : I::sgt, x, y);
  case wt::BinaryFn::ge: return arith::CmpIOp::create(b, loc, isUnsigned ? I::uge : I::sge, x, y);
  default: return nullptr;
  }
}

struct LowerBinary : OpRewritePattern<wt::BinaryOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::BinaryOp op, PatternRewriter &rewriter) const override {
    auto outTy = rankedType(op.getOutput());
    auto lTy = rankedType(op.getLhs()), rTy = rankedType(op.getRhs());
    if (!outTy || !lTy || !rTy)
      return rewriter.notifyMatchFailure(op, "needs ranked types");
    if (isa<quant::QuantizedType>(lTy.getElementType()) ||
        isa<quant::QuantizedType>(rTy.getElementType()))
      return rewriter.notifyMatchFailure(op, "quantized operands");
    bool xUnsigned = isUnsignedInt(lTy), yUnsigned = isUnsignedInt(rTy);
    auto body = [&](OpBuilder &b, Location loc, ValueRange a) {
      return binaryBody(b, loc, op.getFn(), a[0], a[1], xUnsigned, yUnsigned);
    };
    if (!hasBody(getContext(),
                 {signlessType(lTy.getElementType()), signlessType(rTy.getElementType())},
                 body))
      return rewriter.notifyMatchFailure(op, "no lowering for this function/type");
    Location loc = op.getLoc();
    Value r = buildElementwise(
        rewriter, loc, cast<RankedTensorType>(signlessType(outTy)),
        ValueRange{signlessView(rewriter, loc, op.getLhs()),
                   signlessView(rewriter, loc, op.getRhs())},
        body);
    rewriter.replaceOp(op, restoreSign(rewriter, loc, r, outTy));
    return success();
  }
};

struct LowerSelect : OpRewritePattern<wt::SelectOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::SelectOp op, PatternRewriter &rewriter) const override {
    auto outTy = rankedType(op.getOutput());
    if (!outTy || !rankedType(op.getCondition()) || !rankedType(op.getOnTrue()) ||
        !rankedType(op.getOnFalse()))
      return rewriter.notifyMatchFailure(op, "needs ranked types");
    rewriter.replaceOp(
        op, buildElementwise(rewriter, op.getLoc(), outTy, op->getOperands(),
                             [](OpBuilder &b, Location loc, ValueRange a) {
                               return arith::SelectOp::create(b, loc, a[0], a[1], a[2])
                                   .getResult();
                             }));
    return success();
  }
};

Value castBody(OpBuilder &b, Location loc, Value x, Type to, bool fromUnsigned,
               bool toUnsigned) {
  Type from = x.getType();
  if (from == to)
    return x;
  auto fi = dyn_cast<IntegerType>(from), ti = dyn_cast<IntegerType>(to);
  auto ff = dyn_cast<FloatType>(from), tf = dyn_cast<FloatType>(to);
  if (ti && ti.getWidth() == 1) {
    Value zero = scalarConstant(b, loc, from, 0);
    return ff ? arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, x, zero).getResult()
              : arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x, zero).getResult();
  }
  if (ff && tf)
    return ff.getWidth() < tf.getWidth()
               ? arith::ExtFOp::create(b, loc, to, x).getResult()
               : arith::TruncFOp::create(b, loc, to, x).getResult();
  if (fi && tf)
    return fromUnsigned || fi.getWidth() == 1
               ? arith::UIToFPOp::create(b, loc, to, x).getResult()
               : arith::SIToFPOp::create(b, loc, to, x).getResult();
  if (ff && ti)
    return toUnsigned ? arith::FPToUIOp::create(b, loc, to, x).getResult()
                      : arith::FPToSIOp::create(b, loc, to, x).getResult();
  if (fi && ti) {
    if (fi.getWidth() > ti.getWidth())
      return arith::TruncIOp::create(b, loc, to, x);
    return fromUnsigned || fi.getWidth() == 1
               ? arith::ExtUIOp::create(b, loc, to, x).getResult()
               : arith::ExtSIOp::create(b, loc, to, x).getResult();
  }
  return nullptr;
}

struct LowerCast : OpRewritePattern<wt::CastOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::CastOp op, PatternRewriter &rewriter) const override {
    auto outTy = rankedType(op.getOutput());
    auto inTy = rankedType(op.getInput());
    if (!outTy || !inTy)
      return rewriter.notifyMatchFailure(op, "needs ranked types");
    Type from = inTy.getElementType(), to = outTy.getElementType();
    if (!from.isIntOrFloat() || !to.isIntOrFloat())
      return rewriter.notifyMatchFailure(op, "non-numeric cast");
    bool fromUnsigned = isUnsignedInt(from), toUnsigned = isUnsignedInt(to);
    Type toView = signlessType(to);
    Location loc = op.getLoc();
    Value r = buildElementwise(rewriter, loc, cast<RankedTensorType>(signlessType(outTy)),
                               signlessView(rewriter, loc, op.getInput()),
                               [&](OpBuilder &b, Location l, ValueRange a) {
                                 return castBody(b, l, a[0], toView, fromUnsigned,
                                                 toUnsigned);
                               });
    rewriter.replaceOp(op, restoreSign(rewriter, loc, r, outTy));
    return success();
  }
};

/// y = (x - mean) * scale / sqrt(var + eps) + bias, parameters on axis 1.
struct LowerBatchNorm : OpRewritePattern<wt::BatchNormOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::BatchNormOp op, PatternRewriter &rewriter) const override {
    auto ty = rankedType(op.getInput());
    if (!ty)
      return rewriter.notifyMatchFailure(op, "needs a ranked input");
    MLIRContext *ctx = rewriter.getContext();
    int64_t rank = ty.getRank();
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap channel = AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx);
    SmallVector<AffineMap> maps{id, channel, channel, channel, channel, id};
    Value init = emptyTensor(rewriter, op.getLoc(), ty,
                             sizesOf(rewriter, op.getLoc(), op.getInput()));
    double eps = op.getEpsilon().convertToDouble();
    auto generic = linalg::GenericOp::create(
        rewriter, op.getLoc(), ty,
        ValueRange{op.getInput(), op.getScale(), op.getBias(), op.getMean(),
                   op.getVariance()},
        init, maps,
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location loc, ValueRange a) {
          Value e = scalarConstant(b, loc, a[0].getType(), eps);
          Value inv = math::RsqrtOp::create(b, loc, arith::AddFOp::create(b, loc, a[4], e));
          Value centered = arith::SubFOp::create(b, loc, a[0], a[3]);
          Value scaled = arith::MulFOp::create(
              b, loc, centered, arith::MulFOp::create(b, loc, a[1], inv));
          linalg::YieldOp::create(b, loc,
                                  ValueRange{arith::AddFOp::create(b, loc, scaled, a[2])});
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void whittle::lowering::populateElementwiseLowerings(RewritePatternSet &patterns) {
  patterns.add<LowerUnary, LowerBinary, LowerSelect, LowerCast, LowerBatchNorm>(
      patterns.getContext());
}
