//===- RecognizeActivations.cpp - decomposed activations to one op --------===//
//
// Exporters spell SiLU, HardSwish and GELU as chains of Mul, Add, Div, Erf,
// Tanh and Clip. Each link is a pass over memory and hides the activation
// from epilogue fusion; this pass turns each chain into one whittle.unary.
// Products are matched as flattened factor lists, so any association
// order of `x * 0.5 * (1 + erf(x / sqrt 2))` is found.
//
//===----------------------------------------------------------------------===//

#include "PassUtils.h"

#include "whittle/Passes/Passes.h"
#include "whittle/Passes/RewriteLog.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace whittle {
#define GEN_PASS_DEF_WHITTLERECOGNIZEACTIVATIONSPASS
#include "whittle/Passes/Passes.h.inc"
} // namespace whittle

using namespace mlir;
using namespace whittle;
using namespace whittle::passes;

namespace {

constexpr const char *kPass = "whittle-recognize-activations";

/// Replaces `root` by `fn(x)` (alpha, beta where given) and records it.
LogicalResult replaceByUnary(PatternRewriter &rewriter, Operation *root, Value x, wt::UnaryFn fn,
                             StringRef what, std::optional<double> alpha = std::nullopt,
                             std::optional<double> beta = std::nullopt) {
  auto f32 = [&](std::optional<double> v) {
    return v ? rewriter.getF32FloatAttr((float)*v) : FloatAttr();
  };
  rewriter.replaceOpWithNewOp<wt::UnaryOp>(root, root->getResult(0).getType(), x, fn, f32(alpha),
                                           f32(beta));
  recordRewrite(kPass, what);
  return success();
}

/// The factors of a product: `v` itself, or the factors of the operands
/// of the mul defining it, where each inner product has no other user.
void collectFactors(Value v, bool isRoot, SmallVectorImpl<Value> &factors) {
  auto mul = binaryOf(v, wt::BinaryFn::mul);
  if (mul && (isRoot || singleUse(v))) {
    collectFactors(mul.getLhs(), false, factors);
    collectFactors(mul.getRhs(), false, factors);
    return;
  }
  factors.push_back(v);
}

/// Whether `v` is `x * c` or `x / (1 / c)` for the constant c (within
/// the precision an exporter prints).
bool isScaled(Value v, Value x, double c) {
  if (auto mul = binaryOf(v, wt::BinaryFn::mul))
    return otherOperand(mul, x) && isScalar(otherOperand(mul, x), c, 1e-5);
  if (auto div = binaryOf(v, wt::BinaryFn::div))
    return div.getLhs() == x && isScalar(div.getRhs(), 1.0 / c, 1e-5);
  return false;
}

/// `1 + f(...)`: the f operand of the add, or null.
Value onePlus(Value v) {
  auto add = binaryOf(v, wt::BinaryFn::add);
  if (!add || !singleUse(v))
    return {};
  if (isScalar(add.getRhs(), 1.0, 0))
    return add.getLhs();
  if (isScalar(add.getLhs(), 1.0, 0))
    return add.getRhs();
  return {};
}

/// The result type of a product pattern must be x's: no broadcasting.
bool sameType(Operation *root, Value x) { return root->getResult(0).getType() == x.getType(); }

/// x * sigmoid(x) -> silu(x).
struct RecognizeSilu : OpRewritePattern<wt::BinaryOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::BinaryOp op, PatternRewriter &rewriter) const override {
    if (op.getFn() != wt::BinaryFn::mul)
      return rewriter.notifyMatchFailure(op, "not a mul");
    for (auto [x, s] : {std::pair(op.getLhs(), op.getRhs()), std::pair(op.getRhs(), op.getLhs())}) {
      auto sig = unaryOf(s, wt::UnaryFn::sigmoid);
      if (sig && sig.getInput() == x && singleUse(s) && sameType(op, x))
        return replaceByUnary(rewriter, op, x, wt::UnaryFn::silu, "SiLU");
    }
    return rewriter.notifyMatchFailure(op, "not x * sigmoid(x)");
  }
};

/// `clip(x + 3, 0, 6)`: x, or null.
Value relu6Shifted(Value v) {
  auto clip = unaryOf(v, wt::UnaryFn::clip);
  if (!clip || !clip.getAlpha() || !clip.getBeta() ||
      clip.getAlpha()->convertToDouble() != 0.0 || clip.getBeta()->convertToDouble() != 6.0)
    return {};
  auto add = binaryOf(clip.getInput(), wt::BinaryFn::add);
  if (!add || !singleUse(clip.getInput()))
    return {};
  if (isScalar(add.getRhs(), 3.0, 0) && add.getLhs().getType() == v.getType())
    return add.getLhs();
  if (isScalar(add.getLhs(), 3.0, 0) && add.getRhs().getType() == v.getType())
    return add.getRhs();
  return {};
}

/// `v / 6` or `v * (1/6)`: v, or null.
Value sixth(Value r) {
  if (auto div = binaryOf(r, wt::BinaryFn::div))
    return isScalar(div.getRhs(), 6.0, 1e-6) ? div.getLhs() : Value();
  if (auto mul = binaryOf(r, wt::BinaryFn::mul)) {
    if (isScalar(mul.getRhs(), 1.0 / 6.0, 1e-5))
      return mul.getLhs();
    if (isScalar(mul.getLhs(), 1.0 / 6.0, 1e-5))
      return mul.getRhs();
  }
  return {};
}

bool isSwishSigmoid(wt::UnaryOp hs) {
  return hs.getAlpha() && hs.getBeta() &&
         std::abs(hs.getAlpha()->convertToDouble() - 1.0 / 6.0) < 1e-6 &&
         std::abs(hs.getBeta()->convertToDouble() - 0.5) < 1e-6;
}

/// clip(x + 3, 0, 6) / 6 -> hard_sigmoid(x, 1/6, 1/2), and
/// x * clip(x + 3, 0, 6) / 6 in either order -> hard_swish(x).
struct RecognizeHardSwish : OpRewritePattern<wt::BinaryOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::BinaryOp op, PatternRewriter &rewriter) const override {
    Value inner = sixth(op.getOutput());
    if (!inner || !singleUse(inner))
      inner = {};
    if (inner) {
      // clip(x + 3, 0, 6) / 6
      if (Value x = relu6Shifted(inner); x && sameType(op, x))
        return replaceByUnary(rewriter, op, x, wt::UnaryFn::hard_sigmoid, "HardSigmoid", 1.0 / 6.0,
                              0.5);
      // (x * clip(x + 3, 0, 6)) / 6
      if (auto mul = binaryOf(inner, wt::BinaryFn::mul))
        for (auto [x, c] :
             {std::pair(mul.getLhs(), mul.getRhs()), std::pair(mul.getRhs(), mul.getLhs())})
          if (relu6Shifted(c) == x && singleUse(c) && sameType(op, x))
            return replaceByUnary(rewriter, op, x, wt::UnaryFn::hard_swish, "HardSwish");
    }
    // x * hard_sigmoid(x, 1/6, 1/2)
    if (op.getFn() == wt::BinaryFn::mul)
      for (auto [x, h] : {std::pair(op.getLhs(), op.getRhs()), std::pair(op.getRhs(), op.getLhs())}) {
        auto hs = unaryOf(h, wt::UnaryFn::hard_sigmoid);
        if (hs && hs.getInput() == x && isSwishSigmoid(hs) && singleUse(h) && sameType(op, x))
          return replaceByUnary(rewriter, op, x, wt::UnaryFn::hard_swish, "HardSwish");
      }
    return rewriter.notifyMatchFailure(op, "not a HardSigmoid/HardSwish form");
  }
};

/// Whether `v` is x^3: pow(x, 3) or a product of three x.
bool isCube(Value v, Value x) {
  if (auto pow = binaryOf(v, wt::BinaryFn::pow))
    return pow.getLhs() == x && isScalar(pow.getRhs(), 3.0, 0);
  SmallVector<Value> f;
  collectFactors(v, true, f);
  return f.size() == 3 && llvm::all_of(f, [&](Value y) { return y == x; });
}

/// Whether `t` is sqrt(2/pi) * (x + 0.044715 * x^3).
bool isGeluTanhArgument(Value t, Value x) {
  SmallVector<Value> f;
  collectFactors(t, true, f);
  if (f.size() != 2)
    return false;
  for (int i = 0; i < 2; ++i) {
    if (!isScalar(f[i], std::sqrt(2.0 / M_PI), 1e-4))
      continue;
    auto add = binaryOf(f[1 - i], wt::BinaryFn::add);
    if (!add || !singleUse(f[1 - i]))
      return false;
    Value cubic = otherOperand(add, x);
    if (!cubic)
      return false;
    SmallVector<Value> g;
    collectFactors(cubic, true, g);
    // 0.044715 * x^3, with x^3 as pow or spread over the product.
    auto coef = llvm::find_if(g, [](Value y) { return isScalar(y, 0.044715, 1e-4); });
    if (coef == g.end())
      return false;
    g.erase(coef);
    if (g.size() == 1)
      return isCube(g[0], x);
    return g.size() == 3 && llvm::all_of(g, [&](Value y) { return y == x; });
  }
  return false;
}

/// x * 0.5 * (1 + erf(x / sqrt 2)) -> gelu_erf(x);
/// x * 0.5 * (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) -> gelu_tanh(x).
struct RecognizeGelu : OpRewritePattern<wt::BinaryOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::BinaryOp op, PatternRewriter &rewriter) const override {
    if (op.getFn() != wt::BinaryFn::mul)
      return rewriter.notifyMatchFailure(op, "not a mul");
    SmallVector<Value> f;
    collectFactors(op.getOutput(), true, f);
    if (f.size() != 3)
      return rewriter.notifyMatchFailure(op, "not a product of three factors");
    auto half = llvm::find_if(f, [](Value v) { return isScalar(v, 0.5, 0); });
    if (half == f.end())
      return rewriter.notifyMatchFailure(op, "no factor 0.5");
    f.erase(half);
    for (int i = 0; i < 2; ++i) {
      Value x = f[i], inner = onePlus(f[1 - i]);
      if (!inner || !sameType(op, x) || !singleUse(inner))
        continue;
      if (auto erf = unaryOf(inner, wt::UnaryFn::erf))
        if (singleUse(erf.getInput()) && isScaled(erf.getInput(), x, 1.0 / std::sqrt(2.0)))
          return replaceByUnary(rewriter, op, x, wt::UnaryFn::gelu_erf, "GELU (erf)");
      if (auto tanh = unaryOf(inner, wt::UnaryFn::tanh))
        if (singleUse(tanh.getInput()) && isGeluTanhArgument(tanh.getInput(), x))
          return replaceByUnary(rewriter, op, x, wt::UnaryFn::gelu_tanh, "GELU (tanh)");
    }
    return rewriter.notifyMatchFailure(op, "not a GELU form");
  }
};

/// max(x, 0) -> relu(x); min(max(x, a), b) and max(min(x, b), a) -> clip.
struct RecognizeClip : OpRewritePattern<wt::BinaryOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::BinaryOp op, PatternRewriter &rewriter) const override {
    bool isMax = op.getFn() == wt::BinaryFn::max, isMin = op.getFn() == wt::BinaryFn::min;
    if ((!isMax && !isMin) || !isa<FloatType>(getElementTypeOrSelf(op.getOutput().getType())))
      return rewriter.notifyMatchFailure(op, "not a float max/min");
    for (auto [x, c] : {std::pair(op.getLhs(), op.getRhs()), std::pair(op.getRhs(), op.getLhs())}) {
      std::optional<double> bound = wt::constantScalar(c);
      if (!bound || !sameType(op, x))
        continue;
      // The inner bound of a min(max(..)) / max(min(..)) pair.
      auto inner = x.getDefiningOp<wt::BinaryOp>();
      if (inner && singleUse(x) &&
          inner.getFn() == (isMax ? wt::BinaryFn::min : wt::BinaryFn::max))
        for (auto [y, d] : {std::pair(inner.getLhs(), inner.getRhs()),
                            std::pair(inner.getRhs(), inner.getLhs())}) {
          std::optional<double> other = wt::constantScalar(d);
          if (!other || !sameType(op, y))
            continue;
          double lo = isMax ? *bound : *other, hi = isMax ? *other : *bound;
          if (lo <= hi)
            return replaceByUnary(rewriter, op, y, wt::UnaryFn::clip, "Clip", lo, hi);
        }
      if (isMax && *bound == 0.0)
        return replaceByUnary(rewriter, op, x, wt::UnaryFn::relu, "Relu");
    }
    return rewriter.notifyMatchFailure(op, "not a relu/clip form");
  }
};

struct WhittleRecognizeActivationsPass
    : whittle::impl::WhittleRecognizeActivationsPassBase<WhittleRecognizeActivationsPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RecognizeSilu, RecognizeHardSwish, RecognizeGelu, RecognizeClip>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
