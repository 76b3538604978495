//===- Elementwise.cpp - elementwise ONNX ops to whittle ------------------===//
//
// Unary math and activations become whittle.unary, binary arithmetic,
// logic and comparisons whittle.binary, Where whittle.select, Cast
// whittle.cast. Variadic Sum/Mean/Max/Min become chains of binaries.
//
//===----------------------------------------------------------------------===//

#include "LegalizationTable.h"

using namespace mlir;
using namespace whittle;
using namespace whittle::conversion;

namespace {

LogicalResult replaceWithUnary(Operation *op, PatternRewriter &rewriter,
                               wt::UnaryFn fn, std::optional<float> alpha = {},
                               std::optional<float> beta = {}) {
  FloatAttr a = alpha ? rewriter.getF32FloatAttr(*alpha) : FloatAttr();
  FloatAttr b = beta ? rewriter.getF32FloatAttr(*beta) : FloatAttr();
  rewriter.replaceOpWithNewOp<wt::UnaryOp>(op, op->getResult(0).getType(),
                                           op->getOperand(0), fn, a, b);
  return success();
}

/// Registers a parameterless unary op.
template <typename OpTy>
void unary(LegalizationTable &table, wt::UnaryFn fn) {
  table.onOp<OpTy>(1, [fn](OpTy op, PatternRewriter &rewriter) {
    return replaceWithUnary(op, rewriter, fn);
  });
}

/// The result type of broadcasting `a` with `b`, element type `elt`.
Type broadcastType(Value a, Value b, Type elt) {
  auto ta = rankedType(a), tb = rankedType(b);
  if (ta && tb)
    if (auto shape = wt::broadcastShapes(ta.getShape(), tb.getShape());
        succeeded(shape))
      return RankedTensorType::get(*shape, elt);
  return UnrankedTensorType::get(elt);
}

template <typename OpTy>
void binary(LegalizationTable &table, wt::BinaryFn fn) {
  table.onOp<OpTy>(1, [fn](OpTy op, PatternRewriter &rewriter) {
    rewriter.replaceOpWithNewOp<wt::BinaryOp>(
        op, op->getResult(0).getType(), op->getOperand(0), op->getOperand(1),
        fn);
    return success();
  });
}

/// Sum, Mean, Max, Min over any number of inputs.
template <typename OpTy>
void variadic(LegalizationTable &table, wt::BinaryFn fn, bool mean = false) {
  table.onOp<OpTy>(1, [fn, mean](OpTy op, PatternRewriter &rewriter) {
    auto inputs = op->getOperands();
    Type resultType = op->getResult(0).getType();
    Type elt = cast<ShapedType>(resultType).getElementType();
    if (inputs.size() == 1 && !mean) {
      if (inputs[0].getType() != resultType)
        return rewriter.notifyMatchFailure(op, "single input of another type");
      rewriter.replaceOp(op, inputs[0]);
      return success();
    }
    if (mean && !isa<FloatType>(elt))
      return rewriter.notifyMatchFailure(op, "Mean of integers");
    Value acc = inputs[0];
    for (size_t i = 1; i < inputs.size(); ++i) {
      bool last = i + 1 == inputs.size() && !mean;
      Type t = last ? resultType : broadcastType(acc, inputs[i], elt);
      acc = wt::BinaryOp::create(rewriter, op->getLoc(), t, acc, inputs[i], fn);
    }
    if (mean) {
      Value n = createScalarConstant(rewriter, op->getLoc(), elt,
                                     (double)inputs.size());
      acc = wt::BinaryOp::create(rewriter, op->getLoc(), resultType, acc, n,
                                 wt::BinaryFn::div);
    }
    rewriter.replaceOp(op, acc);
    return success();
  });
}

/// A default-domain operator newer than the installed ONNX (imported as
/// onnx.Custom with domain "") that is one whittle.unary.
Handler customUnary(wt::UnaryFn fn) {
  return [fn](Operation *op, PatternRewriter &rewriter) -> LogicalResult {
    if (op->getNumOperands() != 1 || op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "expects one input and output");
    return replaceWithUnary(op, rewriter, fn);
  };
}

Handler customBinary(wt::BinaryFn fn) {
  return [fn](Operation *op, PatternRewriter &rewriter) -> LogicalResult {
    if (op->getNumOperands() != 2 || op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "expects two inputs, one output");
    rewriter.replaceOpWithNewOp<wt::BinaryOp>(op, op->getResult(0).getType(),
                                              op->getOperand(0),
                                              op->getOperand(1), fn);
    return success();
  };
}

void populateNewerDefaultDomainOps(LegalizationTable &table) {
  using wt::BinaryFn;
  using wt::UnaryFn;
  table.onCustomOp("", "Mish", 18, customUnary(UnaryFn::mish));
  table.onCustomOp("", "BitwiseNot", 18, customUnary(UnaryFn::bitwise_not));
  table.onCustomOp("", "BitwiseAnd", 18, customBinary(BinaryFn::bitwise_and));
  table.onCustomOp("", "BitwiseOr", 18, customBinary(BinaryFn::bitwise_or));
  table.onCustomOp("", "BitwiseXor", 18, customBinary(BinaryFn::bitwise_xor));
  // Gelu-20: approximate = "none" (erf) or "tanh".
  table.onCustomOp("", "Gelu", 20, [](Operation *op, PatternRewriter &rewriter) {
    if (op->getNumOperands() != 1)
      return rewriter.notifyMatchFailure(op, "expects one input");
    auto approx = op->getAttrOfType<StringAttr>("approximate");
    bool tanh = approx && approx.getValue() == "tanh";
    if (approx && !tanh && approx.getValue() != "none")
      return rewriter.notifyMatchFailure(op, "unknown approximation");
    return replaceWithUnary(op, rewriter,
                            tanh ? UnaryFn::gelu_tanh : UnaryFn::gelu_erf);
  });
}

} // namespace

void whittle::conversion::populateElementwiseLegalizations(
    LegalizationTable &table) {
  using wt::BinaryFn;
  using wt::UnaryFn;
  populateNewerDefaultDomainOps(table);
  unary<onnx::AbsOp>(table, UnaryFn::abs);
  unary<onnx::NegOp>(table, UnaryFn::neg);
  unary<onnx::ExpOp>(table, UnaryFn::exp);
  unary<onnx::LogOp>(table, UnaryFn::log);
  unary<onnx::SqrtOp>(table, UnaryFn::sqrt);
  unary<onnx::ReciprocalOp>(table, UnaryFn::reciprocal);
  unary<onnx::CeilOp>(table, UnaryFn::ceil);
  unary<onnx::FloorOp>(table, UnaryFn::floor);
  unary<onnx::RoundOp>(table, UnaryFn::round);
  unary<onnx::SignOp>(table, UnaryFn::sign);
  unary<onnx::ErfOp>(table, UnaryFn::erf);
  unary<onnx::SinOp>(table, UnaryFn::sin);
  unary<onnx::CosOp>(table, UnaryFn::cos);
  unary<onnx::TanOp>(table, UnaryFn::tan);
  unary<onnx::AsinOp>(table, UnaryFn::asin);
  unary<onnx::AcosOp>(table, UnaryFn::acos);
  unary<onnx::AtanOp>(table, UnaryFn::atan);
  unary<onnx::SinhOp>(table, UnaryFn::sinh);
  unary<onnx::CoshOp>(table, UnaryFn::cosh);
  unary<onnx::AsinhOp>(table, UnaryFn::asinh);
  unary<onnx::AcoshOp>(table, UnaryFn::acosh);
  unary<onnx::AtanhOp>(table, UnaryFn::atanh);
  unary<onnx::NotOp>(table, UnaryFn::logical_not);
  unary<onnx::IsNaNOp>(table, UnaryFn::is_nan);
  unary<onnx::ReluOp>(table, UnaryFn::relu);
  unary<onnx::SigmoidOp>(table, UnaryFn::sigmoid);
  unary<onnx::TanhOp>(table, UnaryFn::tanh);
  unary<onnx::HardSwishOp>(table, UnaryFn::hard_swish);
  unary<onnx::SoftplusOp>(table, UnaryFn::softplus);
  unary<onnx::SoftsignOp>(table, UnaryFn::softsign);

  table.onOp<onnx::IsInfOp>(1, [](onnx::IsInfOp op, PatternRewriter &rewriter) {
    bool neg = op.getDetectNegative() != 0, pos = op.getDetectPositive() != 0;
    if (neg && pos)
      return replaceWithUnary(op, rewriter, UnaryFn::is_inf);
    auto ty = rankedType(op.getX());
    auto outTy = rankedType(op.getY());
    if (!ty || !outTy)
      return rewriter.notifyMatchFailure(op, "needs ranked types");
    Location loc = op.getLoc();
    if (!neg && !pos) {
      rewriter.replaceOpWithNewOp<wt::BinaryOp>(op, outTy, op.getX(), op.getX(),
                                                wt::BinaryFn::lt); // never true
      return success();
    }
    // One side: infinite and of that sign.
    Value inf = wt::UnaryOp::create(rewriter, loc, outTy, op.getX(), UnaryFn::is_inf,
                                    FloatAttr(), FloatAttr());
    Value zero = createScalarConstant(rewriter, loc, ty.getElementType(), 0.0);
    Value side = wt::BinaryOp::create(rewriter, loc, outTy, op.getX(), zero,
                                      pos ? wt::BinaryFn::gt : wt::BinaryFn::lt);
    rewriter.replaceOpWithNewOp<wt::BinaryOp>(op, outTy, inf, side,
                                              wt::BinaryFn::logical_and);
    return success();
  });
  table.onOp<onnx::LeakyReluOp>(1, [](onnx::LeakyReluOp op, PatternRewriter &r) {
    return replaceWithUnary(op, r, UnaryFn::leaky_relu,
                            op.getAlpha().convertToFloat());
  });
  table.onOp<onnx::EluOp>(1, [](onnx::EluOp op, PatternRewriter &r) {
    return replaceWithUnary(op, r, UnaryFn::elu, op.getAlpha().convertToFloat());
  });
  table.onOp<onnx::CeluOp>(1, [](onnx::CeluOp op, PatternRewriter &r) {
    return replaceWithUnary(op, r, UnaryFn::celu, op.getAlpha().convertToFloat());
  });
  table.onOp<onnx::SeluOp>(1, [](onnx::SeluOp op, PatternRewriter &r) {
    return replaceWithUnary(op, r, UnaryFn::selu, op.getAlpha().convertToFloat(),
                            op.getGamma().convertToFloat());
  });
  table.onOp<onnx::ThresholdedReluOp>(1, [](onnx::ThresholdedReluOp op,
                                             PatternRewriter &r) {
    return replaceWithUnary(op, r, UnaryFn::thresholded_relu,
                            op.getAlpha().convertToFloat());
  });
  table.onOp<onnx::HardSigmoidOp>(1, [](onnx::HardSigmoidOp op,
                                        PatternRewriter &r) {
    return replaceWithUnary(op, r, UnaryFn::hard_sigmoid,
                            op.getAlpha().convertToFloat(),
                            op.getBeta().convertToFloat());
  });
  table.onOp<onnx::ShrinkOp>(1, [](onnx::ShrinkOp op, PatternRewriter &r) {
    return replaceWithUnary(op, r, UnaryFn::shrink,
                            op.getLambd().convertToFloat(),
                            op.getBias().convertToFloat());
  });
  // Clip: constant bounds become parameters; run-time bounds max/min.
  table.onOp<onnx::ClipOp>(1, [](onnx::ClipOp op, PatternRewriter &rewriter) {
    Value lo = op.getMin(), hi = op.getMax();
    std::optional<double> loC, hiC;
    if (lo && !(loC = getConstantScalar(lo)))
      loC.reset();
    if (hi && !(hiC = getConstantScalar(hi)))
      hiC.reset();
    bool constBounds = (!lo || loC) && (!hi || hiC);
    if (constBounds)
      return replaceWithUnary(
          op, rewriter, UnaryFn::clip,
          loC ? std::optional<float>((float)*loC) : std::nullopt,
          hiC ? std::optional<float>((float)*hiC) : std::nullopt);
    Value acc = op.getInput();
    Type t = op.getOutput().getType();
    if (lo)
      acc = wt::BinaryOp::create(rewriter, op.getLoc(), t, acc, lo, BinaryFn::max);
    if (hi)
      acc = wt::BinaryOp::create(rewriter, op.getLoc(), t, acc, hi, BinaryFn::min);
    rewriter.replaceOp(op, acc);
    return success();
  });

  binary<onnx::AddOp>(table, BinaryFn::add);
  binary<onnx::SubOp>(table, BinaryFn::sub);
  binary<onnx::MulOp>(table, BinaryFn::mul);
  binary<onnx::DivOp>(table, BinaryFn::div);
  binary<onnx::PowOp>(table, BinaryFn::pow);
  binary<onnx::AndOp>(table, BinaryFn::logical_and);
  binary<onnx::OrOp>(table, BinaryFn::logical_or);
  binary<onnx::XorOp>(table, BinaryFn::logical_xor);
  binary<onnx::EqualOp>(table, BinaryFn::eq);
  binary<onnx::LessOp>(table, BinaryFn::lt);
  binary<onnx::LessOrEqualOp>(table, BinaryFn::le);
  binary<onnx::GreaterOp>(table, BinaryFn::gt);
  binary<onnx::GreaterOrEqualOp>(table, BinaryFn::ge);
  table.onOp<onnx::PReluOp>(7, [](onnx::PReluOp op, PatternRewriter &r) {
    r.replaceOpWithNewOp<wt::BinaryOp>(op, op.getY().getType(), op.getX(),
                                       op.getSlope(), BinaryFn::prelu);
    return success();
  });
  table.onOp<onnx::ModOp>(1, [](onnx::ModOp op, PatternRewriter &rewriter) {
    rewriter.replaceOpWithNewOp<wt::BinaryOp>(
        op, op.getC().getType(), op.getA(), op.getB(),
        op.getFmod() ? BinaryFn::fmod : BinaryFn::mod);
    return success();
  });
  table.onOp<onnx::BitShiftOp>(1, [](onnx::BitShiftOp op, PatternRewriter &r) {
    r.replaceOpWithNewOp<wt::BinaryOp>(
        op, op.getZ().getType(), op.getX(), op.getY(),
        op.getDirection() == "LEFT" ? BinaryFn::shift_left
                                    : BinaryFn::shift_right);
    return success();
  });
  variadic<onnx::SumOp>(table, BinaryFn::add);
  variadic<onnx::MeanOp>(table, BinaryFn::add, /*mean=*/true);
  variadic<onnx::MaxOp>(table, BinaryFn::max);
  variadic<onnx::MinOp>(table, BinaryFn::min);

  table.onOp<onnx::WhereOp>(1, [](onnx::WhereOp op, PatternRewriter &rewriter) {
    rewriter.replaceOpWithNewOp<wt::SelectOp>(op, op.getOutput().getType(),
                                              op.getCondition(), op.getX(),
                                              op.getY());
    return success();
  });
  // Numbers to numbers, or between numbers and strings (formatted as the
  // shortest text that reads back the same value; parsed with strtod).
  auto castable = [](Type from, Type to) {
    bool fromString = isa<onnx::StringType>(from), toString = isa<onnx::StringType>(to);
    return (from.isIntOrFloat() || fromString) && (to.isIntOrFloat() || toString) &&
           !(fromString && toString);
  };
  table.onOp<onnx::CastOp>(1, [castable](onnx::CastOp op, PatternRewriter &rewriter) {
    Type elt = cast<ShapedType>(op.getOutput().getType()).getElementType();
    Type from = cast<ShapedType>(op.getInput().getType()).getElementType();
    if (!castable(from, elt))
      return rewriter.notifyMatchFailure(op, "cast to a non-numeric type");
    rewriter.replaceOpWithNewOp<wt::CastOp>(op, op.getOutput().getType(),
                                            op.getInput());
    return success();
  });
  table.onOp<onnx::CastLikeOp>(1, [castable](onnx::CastLikeOp op, PatternRewriter &r) {
    Type from = cast<ShapedType>(op.getInput().getType()).getElementType();
    Type to = cast<ShapedType>(op.getOutput().getType()).getElementType();
    if (!castable(from, to))
      return r.notifyMatchFailure(op, "cast of a non-numeric type");
    r.replaceOpWithNewOp<wt::CastOp>(op, op.getOutput().getType(), op.getInput());
    return success();
  });
  // PRelu before opset 7 broadcast a 1-D slope along the channel axis.
  table.onOp<onnx::PReluOp>(1, [](onnx::PReluOp op, PatternRewriter &r) {
    auto inTy = rankedType(op.getX()), slopeTy = rankedType(op.getSlope());
    Value slope = op.getSlope();
    if (inTy && slopeTy && inTy.getRank() > 2 && slopeTy.getRank() == 1 &&
        slopeTy.getDimSize(0) != 1 &&
        slopeTy.getDimSize(0) == inTy.getDimSize(1)) {
      SmallVector<int64_t> shape(inTy.getRank() - 1, 1);
      shape[0] = slopeTy.getDimSize(0);
      slope = wt::ReshapeOp::create(
          r, op.getLoc(), RankedTensorType::get(shape, slopeTy.getElementType()),
          slope, Value(), false);
    }
    r.replaceOpWithNewOp<wt::BinaryOp>(op, op.getY().getType(), op.getX(),
                                       slope, BinaryFn::prelu);
    return success();
  });
}
