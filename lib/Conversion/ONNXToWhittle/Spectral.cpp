//===- Spectral.cpp - DFT, STFT -------------------------------------------===//
//
// A DFT of length L along one axis is a matrix product: the signal, moved
// to [rows, N * c] (c = 1 real or 2 complex components, interleaved), times
// a constant [N * c, 2 * K] matrix of cos / sin of 2 pi k n / L (samples
// past L weigh 0: truncation; a short signal is zero-padded by having no
// rows there). K is L, or L / 2 + 1 one-sided. The matmul's codegen makes it
// fast; O(N K) per row, which suits the frame sizes models use.
// STFT gathers the frames (start f * frame_step, run-time step allowed),
// applies the window, and takes that DFT of every frame.
//
//===----------------------------------------------------------------------===//

#include "LegalizationTable.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace whittle;
using namespace whittle::conversion;

namespace {

/// The DFT of `x` ([.., N at axis, .., c]) along `axis`: [.., K at axis, .., 2].
FailureOr<Value> dftAlong(PatternRewriter &rewriter, Location loc, Value x, int64_t axis,
                          int64_t length, bool onesided, bool inverse) {
  auto ty = cast<RankedTensorType>(x.getType());
  Type elt = ty.getElementType();
  if (!elt.isF32() && !elt.isF64())
    return failure();
  int64_t rank = ty.getRank(), n = ty.getDimSize(axis), c = ty.getDimSize(rank - 1);
  int64_t k = onesided ? length / 2 + 1 : length;
  SmallVector<int64_t> perm, restShape;
  int64_t rows = 1;
  for (int64_t d = 0; d < rank - 1; ++d)
    if (d != axis) {
      perm.push_back(d);
      restShape.push_back(ty.getDimSize(d));
      rows *= ty.getDimSize(d);
    }
  perm.push_back(axis);
  perm.push_back(rank - 1);
  Value flat = reshapeTo(rewriter, loc, transposeTo(rewriter, loc, x, perm), {rows, n * c});
  std::vector<double> w(n * c * 2 * k, 0.0);
  double sign = inverse ? 1.0 : -1.0, scale = inverse ? 1.0 / length : 1.0;
  for (int64_t s = 0; s < std::min(n, length); ++s)
    for (int64_t f = 0; f < k; ++f) {
      // e^{sign i theta} times (re + i im), split into real and imaginary parts.
      double theta = 2.0 * M_PI * (double)((s * f) % length) / (double)length;
      double cs = std::cos(theta) * scale, sn = sign * std::sin(theta) * scale;
      w[(s * c) * 2 * k + 2 * f] = cs;     // re -> re
      w[(s * c) * 2 * k + 2 * f + 1] = sn; // re -> im
      if (c == 2) {
        w[(s * c + 1) * 2 * k + 2 * f] = -sn;    // im -> re
        w[(s * c + 1) * 2 * k + 2 * f + 1] = cs; // im -> im
      }
    }
  auto wTy = RankedTensorType::get({n * c, 2 * k}, elt);
  DenseElementsAttr wAttr;
  if (elt.isF32()) {
    std::vector<float> wf(w.begin(), w.end());
    wAttr = DenseElementsAttr::get(wTy, ArrayRef<float>(wf));
  } else {
    wAttr = DenseElementsAttr::get(wTy, ArrayRef<double>(w));
  }
  Value wv = wt::ConstantOp::create(rewriter, loc, cast<ElementsAttr>(wAttr));
  Value y = wt::MatmulOp::create(rewriter, loc, RankedTensorType::get({rows, 2 * k}, elt),
                                 flat, wv, Value(), Value(), false, false,
                                 wt::EpilogueAttr());
  SmallVector<int64_t> outShape(restShape);
  outShape.push_back(k);
  outShape.push_back(2);
  y = reshapeTo(rewriter, loc, y, outShape);
  // Back to the input's order: K where the axis was, the components last.
  SmallVector<int64_t> back;
  for (int64_t d = 0; d < rank - 1; ++d)
    back.push_back(d == axis ? rank - 2 : (d < axis ? d : d - 1));
  back.push_back(rank - 1);
  return transposeTo(rewriter, loc, y, back);
}

LogicalResult convertDft(onnx::DFTOp op, PatternRewriter &rewriter) {
  auto ty = rankedType(op.getInput());
  if (!ty || !ty.hasStaticShape() || ty.getRank() < 2)
    return rewriter.notifyMatchFailure(op, "needs a static [.., N, c] signal");
  int64_t rank = ty.getRank(), c = ty.getDimSize(rank - 1);
  if (c != 1 && c != 2)
    return op.emitError("DFT: the last dim must be 1 (real) or 2 (complex), not ") << c;
  int64_t axis = (int64_t)op.getAxis();
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank - 1)
    return op.emitError("DFT: axis ") << (int64_t)op.getAxis() << " is not a signal axis";
  int64_t length = ty.getDimSize(axis);
  if (op.getDftLength()) {
    auto l = getConstantInts(op.getDftLength());
    if (!l || l->size() != 1)
      return rewriter.notifyMatchFailure(op, "dft_length known only at run time");
    length = (*l)[0];
  }
  if (length < 1)
    return op.emitError("DFT: dft_length must be positive");
  bool onesided = op.getOnesided() != 0, inverse = op.getInverse() != 0;
  if (onesided && c == 2)
    return op.emitError("DFT: onesided needs a real signal");
  auto y = dftAlong(rewriter, op.getLoc(), op.getInput(), axis, length, onesided, inverse);
  if (failed(y))
    return rewriter.notifyMatchFailure(op, "f32 or f64 signals only");
  if (y->getType() != op.getOutput().getType())
    return rewriter.notifyMatchFailure(op, "result type differs from the declared one");
  rewriter.replaceOp(op, *y);
  return success();
}

LogicalResult convertStft(onnx::STFTOp op, PatternRewriter &rewriter) {
  auto ty = rankedType(op.getSignal());
  auto outTy = rankedType(op.getOutput());
  if (!ty || !ty.hasStaticShape() || ty.getRank() != 3 || !outTy)
    return rewriter.notifyMatchFailure(op, "needs a static [batch, L, c] signal");
  Location loc = op.getLoc();
  auto i64 = rewriter.getI64Type();
  int64_t signalLen = ty.getDimSize(1), c = ty.getDimSize(2);
  int64_t length = -1;
  if (auto wTy = op.getWindow() ? rankedType(op.getWindow()) : RankedTensorType();
      wTy && wTy.hasStaticShape())
    length = wTy.getDimSize(0);
  if (op.getFrameLength())
    if (auto l = getConstantInts(op.getFrameLength()); l && l->size() == 1)
      length = (*l)[0];
  if (length < 1)
    return rewriter.notifyMatchFailure(op, "frame length known only at run time");
  if (length > signalLen)
    return op.emitError("STFT: frame length ") << length << " exceeds the signal ("
                                               << signalLen << ")";
  auto step = getConstantInts(op.getFrameStep());
  int64_t frames = outTy.getRank() == 4 && !outTy.isDynamicDim(1) ? outTy.getDimSize(1) : -1;
  if (step && step->size() == 1 && (*step)[0] > 0)
    frames = (signalLen - length) / (*step)[0] + 1;
  if (frames < 1)
    return rewriter.notifyMatchFailure(op, "frame count known only at run time");
  // Sample indices [frames, length] = f * step + n.
  Value f = reshapeTo(rewriter, loc, createIota(rewriter, loc, frames, i64), {frames, 1});
  Value n = reshapeTo(rewriter, loc, createIota(rewriter, loc, length, i64), {1, length});
  Value s = toScalar(rewriter, loc, op.getFrameStep());
  if (cast<RankedTensorType>(s.getType()).getElementType() != i64)
    s = wt::CastOp::create(rewriter, loc, RankedTensorType::get({}, i64), s);
  auto colTy = RankedTensorType::get({frames, 1}, i64);
  auto idxTy = RankedTensorType::get({frames, length}, i64);
  Value idx = wt::BinaryOp::create(
      rewriter, loc, idxTy, wt::BinaryOp::create(rewriter, loc, colTy, f, s, wt::BinaryFn::mul),
      n, wt::BinaryFn::add);
  auto framesTy = RankedTensorType::get({ty.getDimSize(0), frames, length, c},
                                        ty.getElementType());
  Value x = wt::GatherOp::create(rewriter, loc, framesTy, op.getSignal(), idx, 1);
  if (op.getWindow())
    x = wt::BinaryOp::create(rewriter, loc, framesTy, x,
                             reshapeTo(rewriter, loc, op.getWindow(), {1, 1, length, 1}),
                             wt::BinaryFn::mul);
  bool onesided = op.getOnesided() != 0;
  if (onesided && c == 2)
    return op.emitError("STFT: onesided needs a real signal");
  auto y = dftAlong(rewriter, loc, x, 2, length, onesided, false);
  if (failed(y))
    return rewriter.notifyMatchFailure(op, "f32 or f64 signals only");
  if (y->getType() != op.getOutput().getType()) {
    if (!tensor::CastOp::areCastCompatible(y->getType(), op.getOutput().getType()))
      return op.emitError("STFT: computes ") << y->getType() << ", the model declares "
                                            << op.getOutput().getType();
    *y = tensor::CastOp::create(rewriter, loc, op.getOutput().getType(), *y);
  }
  rewriter.replaceOp(op, *y);
  return success();
}

} // namespace

void whittle::conversion::populateSpectralLegalizations(LegalizationTable &table) {
  table.onOp<onnx::DFTOp>(1, convertDft);
  table.onOp<onnx::STFTOp>(1, convertStft);
}
