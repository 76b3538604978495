//===- Recurrent.cpp - whittle.lstm as an scf.for over time ---------------===//
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

#include "mlir/Dialect/SCF/IR/SCF.h"

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
  /// Static slice of `v` along `axis` [from, from + n).
  Value slice(Value v, int64_t axis, int64_t from, int64_t n) {
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> starts(t.getRank(), 0), ends(t.getShape()), steps(t.getRank(), 1),
        shape(t.getShape());
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
  Value zeros(ArrayRef<int64_t> shape) {
    return filled(b, loc, ty(shape), scalarConstant(b, loc, elt, 0.0));
  }
};

/// A rank-0 whittle.constant 0 of `elt`.
Value scalarConstantTensor(OpBuilder &b, Location loc, Type elt) {
  auto t = RankedTensorType::get({}, elt);
  return wt::ConstantOp::create(b, loc,
                                cast<ElementsAttr>(DenseElementsAttr::get(t, b.getZeroAttr(elt))));
}

struct LowerLstm : OpRewritePattern<wt::LstmOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::LstmOp op, PatternRewriter &rewriter) const override {
    auto xTy = staticType(op.getX());
    if (!xTy || !staticType(op.getW()) || !staticType(op.getR()) ||
        (op.getB() && !staticType(op.getB())) ||
        (op.getInitialH() && !staticType(op.getInitialH())) ||
        (op.getInitialC() && !staticType(op.getInitialC())) ||
        (op.getP() && !staticType(op.getP())))
      return rewriter.notifyMatchFailure(op, "needs static shapes");
    if (op.getInputForget())
      return rewriter.notifyMatchFailure(op, "input_forget not lowered");
    // Per-sample lengths: steps past a sample's length keep its state and
    // write zeros. (A reverse pass would start at each length: not yet.)
    Value lens = op.getSequenceLens();
    if (lens && (!staticType(lens) || op.getDirection() != wt::RnnDirection::forward))
      return rewriter.notifyMatchFailure(op, "sequence_lens with a reverse direction");
    for (Attribute a : op.getActivations())
      if (!activation(cast<StringAttr>(a).getValue()))
        return rewriter.notifyMatchFailure(op, "activation without a lowering");
    Location loc = op.getLoc();
    Gen g{rewriter, loc, xTy.getElementType()};
    int64_t seq = xTy.getDimSize(0), batch = xTy.getDimSize(1), in = xTy.getDimSize(2);
    int64_t hidden = op.getHiddenSize();
    bool bidi = op.getDirection() == wt::RnnDirection::bidirectional;
    int64_t dirs = bidi ? 2 : 1;
    std::optional<double> clip;
    if (auto c = op.getClipAttr())
      clip = c.getValueAsDouble();
    // Check the results before building anything.
    auto expect = [&](Value v, ArrayRef<int64_t> shape) {
      return !v || v.getType() == g.ty(shape);
    };
    if (!expect(op.getY(), {seq, dirs, batch, hidden}) ||
        !expect(op.getYH(), {dirs, batch, hidden}) || !expect(op.getYC(), {dirs, batch, hidden}))
      return rewriter.notifyMatchFailure(op, "result types are not the LSTM's");
    Value x2 = g.reshape(op.getX(), {seq * batch, in});

    SmallVector<Value> ys, hs, cs;
    for (int64_t d = 0; d < dirs; ++d) {
      bool reverse = op.getDirection() == wt::RnnDirection::reverse || (bidi && d == 1);
      auto actName = [&](int k) {
        return cast<StringAttr>(op.getActivations()[3 * d + k]).getValue();
      };
      Value w = g.direction(op.getW(), d), r = g.direction(op.getR(), d);
      // All time steps' input projections at once, biases folded in.
      Value xw = wt::MatmulOp::create(rewriter, loc, g.ty({seq * batch, 4 * hidden}), x2, w,
                                      Value(), Value(), false, true, wt::EpilogueAttr());
      if (Value bias = op.getB()) {
        Value bd = g.direction(bias, d);
        xw = g.binary(xw, g.binary(g.slice(bd, 0, 0, 4 * hidden),
                                   g.slice(bd, 0, 4 * hidden, 4 * hidden), wt::BinaryFn::add),
                      wt::BinaryFn::add);
      }
      Value rt = wt::TransposeOp::create(rewriter, loc, g.ty({hidden, 4 * hidden}), r,
                                         rewriter.getDenseI64ArrayAttr({1, 0}));
      Value h0 = op.getInitialH() ? g.direction(op.getInitialH(), d) : g.zeros({batch, hidden});
      Value c0 = op.getInitialC() ? g.direction(op.getInitialC(), d) : g.zeros({batch, hidden});
      Value pi, po, pf;
      if (Value p = op.getP()) {
        Value pd = g.direction(p, d);
        pi = g.slice(pd, 0, 0, hidden);
        po = g.slice(pd, 0, hidden, hidden);
        pf = g.slice(pd, 0, 2 * hidden, hidden);
      }
      Value y0 = g.zeros({seq, batch, hidden});
      Value lb = arith::ConstantIndexOp::create(rewriter, loc, 0);
      Value ub = arith::ConstantIndexOp::create(rewriter, loc, seq);
      Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
      auto loop = scf::ForOp::create(
          rewriter, loc, lb, ub, one, ValueRange{h0, c0, y0},
          [&](OpBuilder &nb, Location l, Value t, ValueRange carried) {
            Gen n{nb, l, g.elt};
            Value h = carried[0], c = carried[1], y = carried[2];
            Value tt = reverse ? arith::SubIOp::create(
                                     nb, l, arith::ConstantIndexOp::create(nb, l, seq - 1), t)
                                     .getResult()
                               : t;
            Value row = arith::MulIOp::create(nb, l, tt,
                                              arith::ConstantIndexOp::create(nb, l, batch));
            SmallVector<OpFoldResult> offs{row, nb.getIndexAttr(0)},
                sizes{nb.getIndexAttr(batch), nb.getIndexAttr(4 * hidden)},
                strides{nb.getIndexAttr(1), nb.getIndexAttr(1)};
            Value xg = tensor::ExtractSliceOp::create(nb, l, n.ty({batch, 4 * hidden}), xw,
                                                      offs, sizes, strides);
            Value hr = wt::MatmulOp::create(nb, l, n.ty({batch, 4 * hidden}), h, rt, Value(),
                                            Value(), false, false, wt::EpilogueAttr());
            Value gates = n.binary(xg, hr, wt::BinaryFn::add);
            Value iPre = n.slice(gates, 1, 0, hidden), oPre = n.slice(gates, 1, hidden, hidden),
                  fPre = n.slice(gates, 1, 2 * hidden, hidden),
                  cPre = n.slice(gates, 1, 3 * hidden, hidden);
            if (pi) {
              iPre = n.binary(iPre, n.binary(c, pi, wt::BinaryFn::mul), wt::BinaryFn::add);
              fPre = n.binary(fPre, n.binary(c, pf, wt::BinaryFn::mul), wt::BinaryFn::add);
            }
            Value i = n.act(n.clip(iPre, clip), actName(0));
            Value f = n.act(n.clip(fPre, clip), actName(0));
            Value cand = n.act(n.clip(cPre, clip), actName(1));
            Value cNew = n.binary(n.binary(f, c, wt::BinaryFn::mul),
                                  n.binary(i, cand, wt::BinaryFn::mul), wt::BinaryFn::add);
            if (po)
              oPre = n.binary(oPre, n.binary(cNew, po, wt::BinaryFn::mul), wt::BinaryFn::add);
            Value o = n.act(n.clip(oPre, clip), actName(0));
            Value hNew = n.binary(o, n.act(cNew, actName(2)), wt::BinaryFn::mul);
            Value hOut = hNew;
            if (lens) {
              Type lensElt = cast<RankedTensorType>(lens.getType()).getElementType();
              Value step = tensor::FromElementsOp::create(
                  nb, l, RankedTensorType::get({}, lensElt),
                  ValueRange{arith::IndexCastOp::create(nb, l, lensElt, tt)});
              Value live = wt::BinaryOp::create(
                  nb, l, RankedTensorType::get({batch, 1}, nb.getI1Type()), step,
                  wt::ReshapeOp::create(nb, l, RankedTensorType::get({batch, 1}, lensElt), lens,
                                        Value(), false),
                  wt::BinaryFn::lt);
              auto bh = n.ty({batch, hidden});
              hOut = wt::SelectOp::create(nb, l, bh, live, hNew,
                                          scalarConstantTensor(nb, l, g.elt));
              hNew = wt::SelectOp::create(nb, l, bh, live, hNew, h);
              cNew = wt::SelectOp::create(nb, l, bh, live, cNew, c);
            }
            SmallVector<OpFoldResult> yOffs{tt, nb.getIndexAttr(0), nb.getIndexAttr(0)},
                ySizes{nb.getIndexAttr(1), nb.getIndexAttr(batch), nb.getIndexAttr(hidden)},
                yStrides(3, nb.getIndexAttr(1));
            Value yNew = tensor::InsertSliceOp::create(nb, l, n.reshape(hOut, {1, batch, hidden}),
                                                       y, yOffs, ySizes, yStrides);
            scf::YieldOp::create(nb, l, ValueRange{hNew, cNew, yNew});
          });
      ys.push_back(g.reshape(loop.getResult(2), {seq, 1, batch, hidden}));
      hs.push_back(g.reshape(loop.getResult(0), {1, batch, hidden}));
      cs.push_back(g.reshape(loop.getResult(1), {1, batch, hidden}));
    }
    auto stack = [&](ArrayRef<Value> parts, int64_t axis, ArrayRef<int64_t> shape) -> Value {
      if (parts.size() == 1)
        return parts[0];
      return wt::ConcatOp::create(rewriter, loc, g.ty(shape), parts, axis);
    };
    SmallVector<Value> results;
    if (op.getY())
      results.push_back(stack(ys, 1, {seq, dirs, batch, hidden}));
    if (op.getYH())
      results.push_back(stack(hs, 0, {dirs, batch, hidden}));
    if (op.getYC())
      results.push_back(stack(cs, 0, {dirs, batch, hidden}));
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void whittle::lowering::populateRecurrentLowerings(RewritePatternSet &patterns) {
  patterns.add<LowerLstm>(patterns.getContext());
}
