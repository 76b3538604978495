//===- Recurrent.cpp - LSTM, GRU and RNN as an scf.for over time ----------===//
//
// Per direction: the input projection of every time step is one matmul
// (X as seq*batch x input against W^T, plus both biases) before the loop;
// the loop carries H, C and the output sequence, adding H_{t-1} R^T (R
// transposed once, outside), applying the gate activations and writing
// H_t into Y. The loop body is built from whittle ops, which this same
// pass then lowers; time-step slices use tensor ops with the loop index.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <limits>

using namespace mlir;
using namespace whittle;
using namespace whittle::lowering;

namespace {

/// An ONNX RNN activation name as a whittle unary function with its
/// default parameters; nullopt for ones without a lowering.
std::optional<std::tuple<wt::UnaryFn, std::optional<double>, std::optional<double>>>
activation(StringRef name) {
  using R = std::tuple<wt::UnaryFn, std::optional<double>, std::optional<double>>;
  if (name == "Sigmoid") return R{wt::UnaryFn::sigmoid, std::nullopt, std::nullopt};
  if (name == "Tanh") return R{wt::UnaryFn::tanh, std::nullopt, std::nullopt};
  if (name == "Relu") return R{wt::UnaryFn::relu, std::nullopt, std::nullopt};
  if (name == "Softsign") return R{wt::UnaryFn::softsign, std::nullopt, std::nullopt};
  if (name == "Softplus") return R{wt::UnaryFn::softplus, std::nullopt, std::nullopt};
  if (name == "HardSigmoid") return R{wt::UnaryFn::hard_sigmoid, 0.2, 0.5};
  if (name == "Elu") return R{wt::UnaryFn::elu, 1.0, std::nullopt};
  if (name == "LeakyRelu") return R{wt::UnaryFn::leaky_relu, 0.01, std::nullopt};
  if (name == "ThresholdedRelu") return R{wt::UnaryFn::thresholded_relu, 1.0, std::nullopt};
  return std::nullopt;
}

struct Gen {
  OpBuilder &b;
  Location loc;
  Type elt;
  /// Sequence length and batch at run time (index values; constants when
  /// static).
  Value seqV, batchV;

  RankedTensorType ty(ArrayRef<int64_t> shape) { return RankedTensorType::get(shape, elt); }
  Value binary(Value x, Value y, wt::BinaryFn fn) {
    auto tx = cast<RankedTensorType>(x.getType());
    return wt::BinaryOp::create(b, loc, tx, x, y, fn);
  }
  Value act(Value x, StringRef name) {
    auto [fn, alpha, beta] = *activation(name);
    return wt::UnaryOp::create(b, loc, x.getType(), x, fn,
                               alpha ? b.getF32FloatAttr(*alpha) : FloatAttr(),
                               beta ? b.getF32FloatAttr(*beta) : FloatAttr());
  }
  Value clip(Value x, std::optional<double> c) {
    if (!c)
      return x;
    return wt::UnaryOp::create(b, loc, x.getType(), x, wt::UnaryFn::clip,
                               b.getF32FloatAttr(-*c), b.getF32FloatAttr(*c));
  }
  /// Static slice of `v` along `axis` [from, from + n); other dims whole.
  Value slice(Value v, int64_t axis, int64_t from, int64_t n) {
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> starts(t.getRank(), 0), ends(t.getShape()), steps(t.getRank(), 1),
        shape(t.getShape());
    for (int64_t &e : ends)
      if (ShapedType::isDynamic(e))
        e = std::numeric_limits<int64_t>::max();
    starts[axis] = from;
    ends[axis] = from + n;
    shape[axis] = n;
    return wt::SliceOp::create(b, loc, ty(shape), v, b.getDenseI64ArrayAttr(starts),
                               b.getDenseI64ArrayAttr(ends), b.getDenseI64ArrayAttr(steps));
  }
  Value reshape(Value v, ArrayRef<int64_t> shape) {
    return wt::ReshapeOp::create(b, loc, ty(shape), v, Value(), false);
  }
  /// Direction d of a dirs x ... tensor, without its leading dim.
  Value direction(Value v, int64_t d) {
    auto t = cast<RankedTensorType>(v.getType());
    Value s = slice(v, 0, d, 1);
    return reshape(s, t.getShape().drop_front());
  }
  /// Zeros of `shape`; a dynamic dim is the batch, or the sequence where
  /// `seqFirst` (seq x batch x H).
  Value zeros(ArrayRef<int64_t> shape, bool seqFirst = false) {
    SmallVector<OpFoldResult> sizes;
    for (auto [i, d] : llvm::enumerate(shape))
      sizes.push_back(!ShapedType::isDynamic(d) ? OpFoldResult(b.getIndexAttr(d))
                      : seqFirst && i == 0      ? OpFoldResult(seqV)
                                                : OpFoldResult(batchV));
    return filled(b, loc, ty(shape), scalarConstant(b, loc, elt, 0.0), sizes);
  }
};

/// a * b, dynamic when either is.
int64_t mulDims(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) ? ShapedType::kDynamic : a * b;
}

/// A rank-0 whittle.constant 0 of `elt`.
Value scalarConstantTensor(OpBuilder &b, Location loc, Type elt) {
  auto t = RankedTensorType::get({}, elt);
  return wt::ConstantOp::create(b, loc,
                                cast<ElementsAttr>(DenseElementsAttr::get(t, b.getZeroAttr(elt))));
}

/// One time step: the gate inputs of this step (X_t W^T + folded biases,
/// batch x gates*H) and the carried states (H first) give the new states.
using StepFn = function_ref<SmallVector<Value>(Gen &, Value, ValueRange)>;

struct DirectionResult {
  Value y; ///< seq x batch x H
  SmallVector<Value> states;
};

/// Runs one direction: an scf.for over time carrying the states and Y.
/// With `lens`, steps past a sample's length keep its states and write 0.
DirectionResult runDirection(OpBuilder &b, Location loc, Gen &g, int64_t seq, int64_t batch,
                             int64_t hidden, bool reverse, Value xw, ValueRange init,
                             Value lens, StepFn step) {
  int64_t cols = cast<RankedTensorType>(xw.getType()).getDimSize(1);
  SmallVector<Value> carried(init.begin(), init.end());
  carried.push_back(g.zeros({seq, batch, hidden}, /*seqFirst=*/true));
  Value lb = arith::ConstantIndexOp::create(b, loc, 0);
  Value ub = g.seqV;
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value last = arith::SubIOp::create(b, loc, g.seqV, one);
  OpFoldResult batchSize = ShapedType::isDynamic(batch) ? OpFoldResult(g.batchV)
                                                        : OpFoldResult(b.getIndexAttr(batch));
  size_t n = init.size();
  auto loop = scf::ForOp::create(
      b, loc, lb, ub, one, carried, [&](OpBuilder &nb, Location l, Value t, ValueRange args) {
        Gen s{nb, l, g.elt, g.seqV, g.batchV};
        Value tt = reverse ? arith::SubIOp::create(nb, l, last, t).getResult() : t;
        Value row = arith::MulIOp::create(nb, l, tt, g.batchV);
        SmallVector<OpFoldResult> offs{row, nb.getIndexAttr(0)},
            sizes{batchSize, nb.getIndexAttr(cols)},
            strides{nb.getIndexAttr(1), nb.getIndexAttr(1)};
        Value xg = tensor::ExtractSliceOp::create(nb, l, s.ty({batch, cols}), xw, offs, sizes,
                                                  strides);
        ValueRange states = args.take_front(n);
        SmallVector<Value> next = step(s, xg, states);
        Value hOut = next[0];
        if (lens) {
          Type lensElt = cast<RankedTensorType>(lens.getType()).getElementType();
          Value at = tensor::FromElementsOp::create(
              nb, l, RankedTensorType::get({}, lensElt),
              ValueRange{arith::IndexCastOp::create(nb, l, lensElt, tt)});
          Value live = wt::BinaryOp::create(
              nb, l, RankedTensorType::get({batch, 1}, nb.getI1Type()), at,
              wt::ReshapeOp::create(nb, l, RankedTensorType::get({batch, 1}, lensElt), lens,
                                    Value(), false),
              wt::BinaryFn::lt);
          auto bh = s.ty({batch, hidden});
          hOut = wt::SelectOp::create(nb, l, bh, live, next[0],
                                      scalarConstantTensor(nb, l, g.elt));
          for (size_t k = 0; k < n; ++k)
            next[k] = wt::SelectOp::create(nb, l, bh, live, next[k], states[k]);
        }
        SmallVector<OpFoldResult> yOffs{tt, nb.getIndexAttr(0), nb.getIndexAttr(0)},
            ySizes{nb.getIndexAttr(1), batchSize, nb.getIndexAttr(hidden)},
            yStrides(3, nb.getIndexAttr(1));
        next.push_back(tensor::InsertSliceOp::create(nb, l, s.reshape(hOut, {1, batch, hidden}),
                                                     args[n], yOffs, ySizes, yStrides));
        scf::YieldOp::create(nb, l, next);
      });
  DirectionResult r;
  r.y = loop.getResult(n);
  for (size_t k = 0; k < n; ++k)
    r.states.push_back(loop.getResult(k));
  return r;
}

/// The checks and per-direction plumbing LSTM, GRU and RNN share.
template <typename OpTy>
struct RecurrentLowering : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  /// Gate blocks in W (4 LSTM, 3 GRU, 1 RNN) and activations per direction.
  virtual int64_t gates() const = 0;
  virtual int64_t activationsPerDirection() const = 0;
  /// Builds direction `d`; `x2` is X as seq*batch x input.
  virtual DirectionResult direction(OpTy op, PatternRewriter &rewriter, Gen &g, int64_t d,
                                    Value x2) const = 0;

  static bool rankedOrAbsent(Value v) { return !v || rankedType(v); }

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    // Sequence length and batch may be dynamic; weights are static.
    auto xTy = rankedType(op.getX());
    if (!xTy || xTy.isDynamicDim(2) || !staticType(op.getW()) || !staticType(op.getR()) ||
        (op.getB() && !staticType(op.getB())) ||
        !llvm::all_of(op->getOperands(), [](Value v) { return rankedOrAbsent(v); }))
      return rewriter.notifyMatchFailure(op, "needs ranked inputs, static weights");
    if (op.getSequenceLens() && op.getDirection() != wt::RnnDirection::forward)
      return rewriter.notifyMatchFailure(op, "sequence_lens with a reverse direction");
    for (Attribute a : op.getActivations())
      if (!activation(cast<StringAttr>(a).getValue()))
        return rewriter.notifyMatchFailure(op, "activation without a lowering");
    Gen g{rewriter, op.getLoc(), xTy.getElementType(), Value(), Value()};
    int64_t seq = xTy.getDimSize(0), batch = xTy.getDimSize(1), hidden = op.getHiddenSize();
    int64_t dirs = op.getDirection() == wt::RnnDirection::bidirectional ? 2 : 1;
    // Check the results before building anything. Which result is Y is
    // its position, not its rank: a model may declare Y with a state's
    // type (found by fuzz-pipeline: Y read as state -1).
    for (auto [k, r] : llvm::enumerate(op->getResults())) {
      auto t = cast<RankedTensorType>(r.getType());
      bool isY = op.getY() && k == 0;
      if (t != (isY ? g.ty({seq, dirs, batch, hidden}) : g.ty({dirs, batch, hidden})))
        return rewriter.notifyMatchFailure(op, "result types are not the recurrence's");
    }
    g.seqV = getValueOrCreateConstantIndexOp(
        rewriter, op.getLoc(), tensor::getMixedSize(rewriter, op.getLoc(), op.getX(), 0));
    g.batchV = getValueOrCreateConstantIndexOp(
        rewriter, op.getLoc(), tensor::getMixedSize(rewriter, op.getLoc(), op.getX(), 1));
    Value x2 = g.reshape(op.getX(), {mulDims(seq, batch), xTy.getDimSize(2)});
    SmallVector<DirectionResult> parts;
    for (int64_t d = 0; d < dirs; ++d)
      parts.push_back(direction(op, rewriter, g, d, x2));
    auto stack = [&](function_ref<Value(const DirectionResult &)> pick, int64_t axis,
                     ArrayRef<int64_t> partShape, ArrayRef<int64_t> shape) -> Value {
      // A unit dim inserted (an expand_shape: seq and batch may both be
      // dynamic).
      SmallVector<Value> vs;
      for (const DirectionResult &p : parts) {
        Value v = pick(p);
        SmallVector<ReassociationIndices> re;
        for (int64_t i = 0, j = 0; i < cast<RankedTensorType>(v.getType()).getRank(); ++i) {
          if (i == axis)
            re.push_back({j, j + 1}), j += 2; // the unit dim, then source dim i
          else
            re.push_back({j}), j += 1;
        }
        vs.push_back(tensor::ExpandShapeOp::create(rewriter, op.getLoc(), g.ty(partShape), v, re));
      }
      if (vs.size() == 1)
        return vs[0];
      return wt::ConcatOp::create(rewriter, op.getLoc(), g.ty(shape), vs, axis);
    };
    SmallVector<Value> results;
    for (auto [k, r] : llvm::enumerate(op->getResults())) {
      if (op.getY() && k == 0) {
        results.push_back(stack([](const DirectionResult &p) { return p.y; }, 1,
                                {seq, 1, batch, hidden}, {seq, dirs, batch, hidden}));
        continue;
      }
      // States in result order: Y_h, then Y_c.
      size_t state = k - (op.getY() ? 1 : 0);
      results.push_back(stack([&](const DirectionResult &p) { return p.states[state]; }, 0,
                              {1, batch, hidden}, {dirs, batch, hidden}));
    }
    rewriter.replaceOp(op, results);
    return success();
  }

  /// Shared pieces of a direction.
  StringRef actName(OpTy op, int64_t d, int64_t k) const {
    return cast<StringAttr>(op.getActivations()[activationsPerDirection() * d + k]).getValue();
  }
  static bool isReverse(OpTy op, int64_t d) {
    return op.getDirection() == wt::RnnDirection::reverse ||
           (op.getDirection() == wt::RnnDirection::bidirectional && d == 1);
  }
  static std::optional<double> clipOf(OpTy op) {
    if (auto c = op.getClipAttr())
      return c.getValueAsDouble();
    return std::nullopt;
  }
  /// X W_d^T for every step at once (seq*batch x gates*H).
  Value projection(OpTy op, Gen &g, int64_t d, Value x2) const {
    int64_t rows = cast<RankedTensorType>(x2.getType()).getDimSize(0);
    return wt::MatmulOp::create(g.b, g.loc, g.ty({rows, gates() * (int64_t)op.getHiddenSize()}), x2,
                                g.direction(op.getW(), d), Value(), Value(), false, true,
                                wt::EpilogueAttr());
  }
  /// R_d^T (H x gates*H), transposed once outside the loop.
  Value recurrentT(OpTy op, Gen &g, int64_t d) const {
    int64_t h = (int64_t)op.getHiddenSize();
    return wt::TransposeOp::create(g.b, g.loc, g.ty({h, gates() * h}), g.direction(op.getR(), d),
                                   g.b.getDenseI64ArrayAttr({1, 0}));
  }
  Value initial(Value v, Gen &g, int64_t d, int64_t batch, int64_t hidden) const {
    return v ? g.direction(v, d) : g.zeros({batch, hidden});
  }
  Value matmul(Gen &g, Value a, Value b, int64_t rows, int64_t cols) const {
    return wt::MatmulOp::create(g.b, g.loc, g.ty({rows, cols}), a, b, Value(), Value(), false,
                                false, wt::EpilogueAttr());
  }
};

struct LowerLstm : RecurrentLowering<wt::LstmOp> {
  using RecurrentLowering::RecurrentLowering;
  int64_t gates() const override { return 4; }
  int64_t activationsPerDirection() const override { return 3; }

  LogicalResult matchAndRewrite(wt::LstmOp op, PatternRewriter &rewriter) const override {
    if (op.getInputForget())
      return rewriter.notifyMatchFailure(op, "input_forget not lowered");
    return RecurrentLowering::matchAndRewrite(op, rewriter);
  }

  DirectionResult direction(wt::LstmOp op, PatternRewriter &rewriter, Gen &g, int64_t d,
                            Value x2) const override {
    auto xTy = cast<RankedTensorType>(op.getX().getType());
    int64_t seq = xTy.getDimSize(0), batch = xTy.getDimSize(1), hidden = op.getHiddenSize();
    Value xw = projection(op, g, d, x2);
    if (Value bias = op.getB()) {
      Value bd = g.direction(bias, d);
      xw = g.binary(xw, g.binary(g.slice(bd, 0, 0, 4 * hidden),
                                 g.slice(bd, 0, 4 * hidden, 4 * hidden), wt::BinaryFn::add),
                    wt::BinaryFn::add);
    }
    Value rt = recurrentT(op, g, d);
    Value pi, po, pf;
    if (Value p = op.getP()) {
      Value pd = g.direction(p, d);
      pi = g.slice(pd, 0, 0, hidden);
      po = g.slice(pd, 0, hidden, hidden);
      pf = g.slice(pd, 0, 2 * hidden, hidden);
    }
    std::optional<double> clip = clipOf(op);
    StringRef f = actName(op, d, 0), gAct = actName(op, d, 1), h = actName(op, d, 2);
    Value init[] = {initial(op.getInitialH(), g, d, batch, hidden),
                    initial(op.getInitialC(), g, d, batch, hidden)};
    return runDirection(
        rewriter, op.getLoc(), g, seq, batch, hidden, isReverse(op, d), xw, init,
        op.getSequenceLens(), [&](Gen &n, Value xg, ValueRange st) -> SmallVector<Value> {
          Value hPrev = st[0], c = st[1];
          Value gatesV = n.binary(xg, matmul(n, hPrev, rt, batch, 4 * hidden), wt::BinaryFn::add);
          Value iPre = n.slice(gatesV, 1, 0, hidden), oPre = n.slice(gatesV, 1, hidden, hidden),
                fPre = n.slice(gatesV, 1, 2 * hidden, hidden),
                cPre = n.slice(gatesV, 1, 3 * hidden, hidden);
          if (pi) {
            iPre = n.binary(iPre, n.binary(c, pi, wt::BinaryFn::mul), wt::BinaryFn::add);
            fPre = n.binary(fPre, n.binary(c, pf, wt::BinaryFn::mul), wt::BinaryFn::add);
          }
          Value i = n.act(n.clip(iPre, clip), f);
          Value fg = n.act(n.clip(fPre, clip), f);
          Value cand = n.act(n.clip(cPre, clip), gAct);
          Value cNew = n.binary(n.binary(fg, c, wt::BinaryFn::mul),
                                n.binary(i, cand, wt::BinaryFn::mul), wt::BinaryFn::add);
          if (po)
            oPre = n.binary(oPre, n.binary(cNew, po, wt::BinaryFn::mul), wt::BinaryFn::add);
          Value o = n.act(n.clip(oPre, clip), f);
          return {n.binary(o, n.act(cNew, h), wt::BinaryFn::mul), cNew};
        });
  }
};

/// z, r, h gates; Wb is folded into the projection with Rb_z and Rb_r, while
/// Rb_h stays with the recurrent term the reset gate multiplies.
struct LowerGru : RecurrentLowering<wt::GruOp> {
  using RecurrentLowering::RecurrentLowering;
  int64_t gates() const override { return 3; }
  int64_t activationsPerDirection() const override { return 2; }

  DirectionResult direction(wt::GruOp op, PatternRewriter &rewriter, Gen &g, int64_t d,
                            Value x2) const override {
    auto xTy = cast<RankedTensorType>(op.getX().getType());
    int64_t seq = xTy.getDimSize(0), batch = xTy.getDimSize(1), hidden = op.getHiddenSize();
    Value xw = projection(op, g, d, x2);
    Value rbh;
    if (Value bias = op.getB()) {
      Value bd = g.direction(bias, d);
      Value wb = g.slice(bd, 0, 0, 3 * hidden);
      Value rbzr = g.slice(bd, 0, 3 * hidden, 2 * hidden);
      rbh = g.slice(bd, 0, 5 * hidden, hidden);
      Value zeros = g.zeros({hidden});
      Value rbPart = wt::ConcatOp::create(g.b, g.loc, g.ty({3 * hidden}),
                                          ValueRange{rbzr, zeros}, 0);
      xw = g.binary(xw, g.binary(wb, rbPart, wt::BinaryFn::add), wt::BinaryFn::add);
    }
    Value rt = recurrentT(op, g, d);
    Value rtzr = g.slice(rt, 1, 0, 2 * hidden), rth = g.slice(rt, 1, 2 * hidden, hidden);
    std::optional<double> clip = clipOf(op);
    StringRef f = actName(op, d, 0), gAct = actName(op, d, 1);
    bool lbr = op.getLinearBeforeReset();
    Value init[] = {initial(op.getInitialH(), g, d, batch, hidden)};
    return runDirection(
        rewriter, op.getLoc(), g, seq, batch, hidden, isReverse(op, d), xw, init,
        op.getSequenceLens(), [&](Gen &n, Value xg, ValueRange st) -> SmallVector<Value> {
          Value hPrev = st[0];
          Value zr = n.binary(n.slice(xg, 1, 0, 2 * hidden),
                              matmul(n, hPrev, rtzr, batch, 2 * hidden), wt::BinaryFn::add);
          Value z = n.act(n.clip(n.slice(zr, 1, 0, hidden), clip), f);
          Value r = n.act(n.clip(n.slice(zr, 1, hidden, hidden), clip), f);
          Value rec;
          if (lbr) {
            rec = matmul(n, hPrev, rth, batch, hidden);
            if (rbh)
              rec = n.binary(rec, rbh, wt::BinaryFn::add);
            rec = n.binary(r, rec, wt::BinaryFn::mul);
          } else {
            rec = matmul(n, n.binary(r, hPrev, wt::BinaryFn::mul), rth, batch, hidden);
            if (rbh)
              rec = n.binary(rec, rbh, wt::BinaryFn::add);
          }
          Value cand = n.act(n.clip(n.binary(n.slice(xg, 1, 2 * hidden, hidden), rec,
                                             wt::BinaryFn::add),
                                    clip),
                             gAct);
          // H = (1 - z) h~ + z H_prev = h~ + z (H_prev - h~)
          Value hNew = n.binary(cand,
                                n.binary(z, n.binary(hPrev, cand, wt::BinaryFn::sub),
                                         wt::BinaryFn::mul),
                                wt::BinaryFn::add);
          return {hNew};
        });
  }
};

struct LowerRnn : RecurrentLowering<wt::RnnOp> {
  using RecurrentLowering::RecurrentLowering;
  int64_t gates() const override { return 1; }
  int64_t activationsPerDirection() const override { return 1; }

  DirectionResult direction(wt::RnnOp op, PatternRewriter &rewriter, Gen &g, int64_t d,
                            Value x2) const override {
    auto xTy = cast<RankedTensorType>(op.getX().getType());
    int64_t seq = xTy.getDimSize(0), batch = xTy.getDimSize(1), hidden = op.getHiddenSize();
    Value xw = projection(op, g, d, x2);
    if (Value bias = op.getB()) {
      Value bd = g.direction(bias, d);
      xw = g.binary(xw, g.binary(g.slice(bd, 0, 0, hidden), g.slice(bd, 0, hidden, hidden),
                                 wt::BinaryFn::add),
                    wt::BinaryFn::add);
    }
    Value rt = recurrentT(op, g, d);
    std::optional<double> clip = clipOf(op);
    StringRef f = actName(op, d, 0);
    Value init[] = {initial(op.getInitialH(), g, d, batch, hidden)};
    return runDirection(
        rewriter, op.getLoc(), g, seq, batch, hidden, isReverse(op, d), xw, init,
        op.getSequenceLens(), [&](Gen &n, Value xg, ValueRange st) -> SmallVector<Value> {
          Value pre = n.binary(xg, matmul(n, st[0], rt, batch, hidden), wt::BinaryFn::add);
          return {n.act(n.clip(pre, clip), f)};
        });
  }
};

} // namespace

void whittle::lowering::populateRecurrentLowerings(RewritePatternSet &patterns) {
  patterns.add<LowerLstm, LowerGru, LowerRnn>(patterns.getContext());
}
