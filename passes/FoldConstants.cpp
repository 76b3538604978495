//===- FoldConstants.cpp - evaluate weight-only subgraphs -----------------===//
//
// Whatever depends on constants alone is computed once, here: transposed
// or reshaped weights, scales multiplied into each other, casts of
// constant tables, and the Shape -> Gather -> Concat -> Reshape chains
// exporters write for a shape known at compile time. Values are carried
// as doubles (exact for every float type here and for integers below
// 2^53; larger integers are left alone) and written back in the result's
// element type.
//
//===----------------------------------------------------------------------===//

#include "PassUtils.h"

#include "whittle/Passes/Passes.h"
#include "whittle/Passes/RewriteLog.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace whittle {
#define GEN_PASS_DEF_WHITTLEFOLDCONSTANTSPASS
#include "whittle/Passes/Passes.h.inc"
} // namespace whittle

using namespace mlir;
using namespace whittle;
using namespace whittle::passes;

namespace {

using Values = std::vector<double>;

/// Results up to this many elements fold even when they are larger than
/// every operand (shape vectors, small tables).
constexpr int64_t kSmall = 1024;

/// Float or signless/unsigned integer elements (not quantized, not strings).
bool numeric(Type t) {
  Type e = getElementTypeOrSelf(t);
  return isa<FloatType>(e) || isa<IntegerType>(e);
}

/// The static shape of `v`'s type, if it has one.
std::optional<SmallVector<int64_t>> staticShape(Value v) {
  auto ty = dyn_cast<RankedTensorType>(v.getType());
  if (!ty || !ty.hasStaticShape())
    return std::nullopt;
  return SmallVector<int64_t>(ty.getShape());
}

SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> s(shape.size(), 1);
  for (int64_t i = (int64_t)shape.size() - 2; i >= 0; --i)
    s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/// Calls `fn(outIndex, inIndex)` for every element of `outShape`, with
/// `inStrides` (0 along broadcast dims) giving the source element.
void forEachIndex(ArrayRef<int64_t> outShape, ArrayRef<int64_t> inStrides,
                  llvm::function_ref<void(int64_t, int64_t)> fn) {
  int64_t r = outShape.size(), n = 1;
  for (int64_t d : outShape)
    n *= d;
  SmallVector<int64_t> idx(r, 0);
  int64_t in = 0;
  for (int64_t out = 0; out < n; ++out) {
    fn(out, in);
    for (int64_t d = r - 1; d >= 0; --d) {
      in += inStrides[d];
      if (++idx[d] < outShape[d])
        break;
      in -= inStrides[d] * outShape[d];
      idx[d] = 0;
    }
  }
}

/// Strides reading `inShape` broadcast numpy-style to `outShape`.
SmallVector<int64_t> broadcastStrides(ArrayRef<int64_t> inShape, ArrayRef<int64_t> outShape) {
  SmallVector<int64_t> strides(outShape.size(), 0), own = stridesOf(inShape);
  int64_t offset = outShape.size() - inShape.size();
  for (int64_t i = 0; i < (int64_t)inShape.size(); ++i)
    strides[offset + i] = inShape[i] == 1 ? 0 : own[i];
  return strides;
}

std::optional<double> unaryFn(wt::UnaryFn fn, double x, bool isFloat) {
  switch (fn) {
  case wt::UnaryFn::neg: return -x;
  case wt::UnaryFn::abs: return std::abs(x);
  default: break;
  }
  if (!isFloat)
    return std::nullopt;
  switch (fn) {
  case wt::UnaryFn::exp: return std::exp(x);
  case wt::UnaryFn::log: return std::log(x);
  case wt::UnaryFn::sqrt: return std::sqrt(x);
  case wt::UnaryFn::reciprocal: return 1.0 / x;
  case wt::UnaryFn::ceil: return std::ceil(x);
  case wt::UnaryFn::floor: return std::floor(x);
  case wt::UnaryFn::round: return std::nearbyint(x);
  case wt::UnaryFn::sign: return (double)((x > 0) - (x < 0));
  case wt::UnaryFn::erf: return std::erf(x);
  case wt::UnaryFn::sin: return std::sin(x);
  case wt::UnaryFn::cos: return std::cos(x);
  case wt::UnaryFn::tan: return std::tan(x);
  case wt::UnaryFn::tanh: return std::tanh(x);
  case wt::UnaryFn::sigmoid: return 1.0 / (1.0 + std::exp(-x));
  case wt::UnaryFn::relu: return x > 0 ? x : 0.0;
  default: return std::nullopt;
  }
}

std::optional<double> binaryFn(wt::BinaryFn fn, double a, double b, bool isFloat) {
  switch (fn) {
  case wt::BinaryFn::add: return a + b;
  case wt::BinaryFn::sub: return a - b;
  case wt::BinaryFn::mul: return a * b;
  case wt::BinaryFn::div:
    if (isFloat)
      return a / b;
    if (b == 0)
      return std::nullopt;
    return std::trunc(a / b);
  case wt::BinaryFn::pow: return std::pow(a, b);
  case wt::BinaryFn::max: return std::max(a, b);
  case wt::BinaryFn::min: return std::min(a, b);
  case wt::BinaryFn::eq: return (double)(a == b);
  case wt::BinaryFn::lt: return (double)(a < b);
  case wt::BinaryFn::le: return (double)(a <= b);
  case wt::BinaryFn::gt: return (double)(a > b);
  case wt::BinaryFn::ge: return (double)(a >= b);
  default: return std::nullopt;
  }
}

/// The result of `op` from its constant operands, or nullopt where the op
/// is not one this pass evaluates.
std::optional<Values> evaluate(Operation *op, ArrayRef<Values> in, ArrayRef<int64_t> outShape) {
  int64_t n = 1;
  for (int64_t d : outShape)
    n *= d;
  Values out(n);
  auto shapeOf = [&](Value v) { return cast<RankedTensorType>(v.getType()).getShape(); };
  if (auto u = dyn_cast<wt::UnaryOp>(op)) {
    if (u.getInput().getType() != u.getOutput().getType())
      return std::nullopt;
    bool isFloat = isa<FloatType>(getElementTypeOrSelf(u.getOutput().getType()));
    for (int64_t i = 0; i < n; ++i) {
      auto y = unaryFn(u.getFn(), in[0][i], isFloat);
      if (!y)
        return std::nullopt;
      out[i] = *y;
    }
    return out;
  }
  if (auto b = dyn_cast<wt::BinaryOp>(op)) {
    bool isFloat = isa<FloatType>(getElementTypeOrSelf(b.getLhs().getType()));
    auto ls = broadcastStrides(shapeOf(b.getLhs()), outShape),
         rs = broadcastStrides(shapeOf(b.getRhs()), outShape);
    SmallVector<int64_t> li(n), ri(n);
    forEachIndex(outShape, ls, [&](int64_t o, int64_t i) { li[o] = i; });
    forEachIndex(outShape, rs, [&](int64_t o, int64_t i) { ri[o] = i; });
    for (int64_t i = 0; i < n; ++i) {
      auto y = binaryFn(b.getFn(), in[0][li[i]], in[1][ri[i]], isFloat);
      if (!y)
        return std::nullopt;
      out[i] = *y;
    }
    return out;
  }
  if (auto c = dyn_cast<wt::CastOp>(op)) {
    Type to = getElementTypeOrSelf(c.getOutput().getType());
    for (int64_t i = 0; i < n; ++i) {
      double x = in[0][i];
      if (auto it = dyn_cast<IntegerType>(to)) {
        if (!std::isfinite(x))
          return std::nullopt;
        x = it.getWidth() == 1 ? (double)(x != 0) : std::trunc(x);
      }
      out[i] = x;
    }
    return out;
  }
  if (isa<wt::ReshapeOp>(op)) {
    if (cast<wt::ReshapeOp>(op).getShape())
      return std::nullopt;
    return in[0];
  }
  if (auto b = dyn_cast<wt::BroadcastOp>(op)) {
    if (b.getShape())
      return std::nullopt;
    forEachIndex(outShape, broadcastStrides(shapeOf(b.getInput()), outShape),
                 [&](int64_t o, int64_t i) { out[o] = in[0][i]; });
    return out;
  }
  if (auto t = dyn_cast<wt::TransposeOp>(op))
    return wt::transposeValues(in[0], shapeOf(t.getInput()), t.getPerm());
  if (auto c = dyn_cast<wt::ConcatOp>(op)) {
    int64_t axis = c.getAxis(), outer = 1, outRow = 1;
    for (int64_t i = 0; i < axis; ++i)
      outer *= outShape[i];
    for (int64_t i = axis; i < (int64_t)outShape.size(); ++i)
      outRow *= outShape[i];
    int64_t offset = 0;
    for (auto [v, vals] : llvm::zip(c.getInputs(), in)) {
      int64_t row = vals.size() / std::max<int64_t>(outer, 1);
      for (int64_t o = 0; o < outer; ++o)
        std::copy_n(vals.begin() + o * row, row, out.begin() + o * outRow + offset);
      offset += row;
    }
    return out;
  }
  if (auto s = dyn_cast<wt::SliceOp>(op)) {
    ArrayRef<int64_t> inShape = shapeOf(s.getInput());
    auto own = stridesOf(inShape);
    SmallVector<int64_t> strides;
    int64_t base = 0;
    for (int64_t d = 0; d < (int64_t)inShape.size(); ++d) {
      int64_t start =
          wt::sliceRange(inShape[d], s.getStarts()[d], s.getEnds()[d], s.getSteps()[d]).first;
      base += start * own[d];
      strides.push_back(own[d] * s.getSteps()[d]);
    }
    forEachIndex(outShape, strides, [&](int64_t o, int64_t i) { out[o] = in[0][base + i]; });
    return out;
  }
  if (auto g = dyn_cast<wt::GatherOp>(op)) {
    ArrayRef<int64_t> inShape = shapeOf(g.getInput());
    int64_t axis = g.getAxis(), dim = inShape[axis], outer = 1, inner = 1;
    for (int64_t i = 0; i < axis; ++i)
      outer *= inShape[i];
    for (int64_t i = axis + 1; i < (int64_t)inShape.size(); ++i)
      inner *= inShape[i];
    const Values &idx = in[1];
    int64_t k = idx.size(), o = 0;
    for (int64_t a = 0; a < outer; ++a)
      for (int64_t j = 0; j < k; ++j) {
        int64_t at = (int64_t)idx[j] < 0 ? (int64_t)idx[j] + dim : (int64_t)idx[j];
        if (at < 0 || at >= dim)
          return std::nullopt;
        for (int64_t b = 0; b < inner; ++b)
          out[o++] = in[0][(a * dim + at) * inner + b];
      }
    return out;
  }
  return std::nullopt;
}

struct FoldConstantOp : RewritePattern {
  FoldConstantOp(MLIRContext *ctx, int64_t maxElements)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx), maxElements(maxElements) {}
  int64_t maxElements;

  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    if (!isa<wt::UnaryOp, wt::BinaryOp, wt::CastOp, wt::ReshapeOp, wt::BroadcastOp,
             wt::TransposeOp, wt::ConcatOp, wt::SliceOp, wt::GatherOp>(op) ||
        op->getNumResults() != 1 || op->getNumOperands() == 0)
      return rewriter.notifyMatchFailure(op, "not an op this pass evaluates");
    Value result = op->getResult(0);
    auto outShape = staticShape(result);
    auto outTy = dyn_cast<RankedTensorType>(result.getType());
    if (!outShape || !numeric(result.getType()) || outTy.getNumElements() > maxElements)
      return rewriter.notifyMatchFailure(op, "result is not a static numeric tensor in bounds");
    // Never expand: a broadcast of a small constant stays a cheap loop at
    // run time instead of a big tensor in the binary.
    int64_t largestOperand = 0;
    for (Value v : op->getOperands())
      if (auto ty = dyn_cast<RankedTensorType>(v.getType()); ty && ty.hasStaticShape())
        largestOperand = std::max(largestOperand, ty.getNumElements());
    if (outTy.getNumElements() > std::max<int64_t>(largestOperand, kSmall))
      return rewriter.notifyMatchFailure(op, "would expand a constant");
    std::vector<Values> in;
    for (Value v : op->getOperands()) {
      auto ty = dyn_cast<RankedTensorType>(v.getType());
      if (!ty || !numeric(ty) || !staticShape(v))
        return rewriter.notifyMatchFailure(op, "an operand is not a static numeric tensor");
      auto values = wt::constantValues(v, maxElements);
      if (!values)
        return rewriter.notifyMatchFailure(op, "an operand is not a readable constant");
      // Integers beyond 2^53 do not survive the trip through double.
      if (isa<IntegerType>(ty.getElementType()) &&
          llvm::any_of(*values, [](double x) { return std::abs(x) >= 9007199254740992.0; }))
        return rewriter.notifyMatchFailure(op, "integers too large to carry exactly");
      in.push_back(std::move(*values));
    }
    auto out = evaluate(op, in, *outShape);
    if (!out)
      return rewriter.notifyMatchFailure(op, "not evaluated");
    std::string what = ("folded " + op->getName().getStringRef()).str();
    rewriter.replaceOp(op, makeConstant(rewriter, op->getLoc(), outTy, *out, "folded"));
    recordRewrite("whittle-fold-constants", what);
    return success();
  }
};

struct WhittleFoldConstantsPass
    : whittle::impl::WhittleFoldConstantsPassBase<WhittleFoldConstantsPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldConstantOp>(&getContext(), maxElements);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
