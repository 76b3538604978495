//===- Winograd.cpp - 3x3 convolutions as Winograd F(m x m, 3 x 3) --------===//
//
// A channels-last f32 3x3 stride-1 conv with a constant filter computes
// each m x m block of outputs from an (m + 2) x (m + 2) input tile with
// (m + 2)^2 products per channel pair instead of 9 m^2 (Lavin and Gray,
// "Fast Algorithms for Convolutional Neural Networks", 2016):
//
//   V[a][b]  = (B^T d B)[a][b]           input transform, per tile and channel
//   U[a][b]  = (G g G^T)[a][b]           filter transform, at compile time
//   M[a][b]  = sum_c V[a][b][c] U[a][b][c][k]   (m + 2)^2 matmuls
//   Y        = A^T M A                   output transform, then the epilogue
//
// Three generics: the input transform (a contraction of the padded input's
// tiles with the constant kron(B^T, B^T), marked kWinogradInputAttr), the
// batched matmul as a packed contraction over U (PackedContraction.h), and
// the output transform (a contraction with kron(A^T, A^T) starting from
// the bias, with the conv's residual and activation, marked
// kWinogradOutputAttr). The generics are exact statements of the sums;
// whittle-lower-microkernels computes the two transforms as vector code
// with the separable, sparse B^T and A^T (additions mostly) instead.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include "whittle/Conversion/PackedContraction.h"
#include "whittle/Dialect/Whittle/WhittleConstants.h"

using namespace mlir;
using namespace whittle;
using namespace whittle::lowering;

namespace {

using utils::IteratorType;

/// The transform matrices of F(m x m, 3 x 3), row-major: B^T (a x a), G
/// (a x 3), A^T (m x a), a = m + 2.
struct WinogradMatrices {
  ArrayRef<double> bt, g, at;
};

std::optional<WinogradMatrices> winogradMatrices(int64_t m) {
  static const double bt2[] = {1, 0, -1, 0, 0, 1, 1, 0, 0, -1, 1, 0, 0, 1, 0, -1};
  static const double g2[] = {1, 0, 0, .5, .5, .5, .5, -.5, .5, 0, 0, 1};
  static const double at2[] = {1, 1, 1, 0, 0, 1, -1, -1};
  static const double bt4[] = {4, 0, -5, 0,  1, 0, 0, -4, -4, 1,  1, 0,
                               0, 4, -4, -1, 1, 0, 0, -2, -1, 2,  1, 0,
                               0, 2, -1, -2, 1, 0, 0, 4,  0,  -5, 0, 1};
  static const double g4[] = {1. / 4,  0,       0,      -1. / 6, -1. / 6, -1. / 6,
                              -1. / 6, 1. / 6,  -1. / 6, 1. / 24, 1. / 12, 1. / 6,
                              1. / 24, -1. / 12, 1. / 6,  0,       0,       1};
  static const double at4[] = {1, 1, 1, 1, 1, 0, 0, 1, -1, 2, -2, 0,
                               0, 1, 1, 4, 4, 0, 0, 1, -1, 8, -8, 1};
  if (m == 2)
    return WinogradMatrices{bt2, g2, at2};
  if (m == 4)
    return WinogradMatrices{bt4, g4, at4};
  return std::nullopt;
}

/// kron(p, p) for a rows x cols matrix p, as a rows x rows x cols x cols
/// f32 constant: K[a][b][i][j] = p[a][i] p[b][j].
Value kronConstant(OpBuilder &b, Location loc, ArrayRef<double> p, int64_t rows, int64_t cols) {
  std::vector<double> k;
  for (int64_t a = 0; a < rows; ++a)
    for (int64_t c = 0; c < rows; ++c)
      for (int64_t i = 0; i < cols; ++i)
        for (int64_t j = 0; j < cols; ++j)
          k.push_back(p[a * cols + i] * p[c * cols + j]);
  auto ty = RankedTensorType::get({rows, rows, cols, cols}, b.getF32Type());
  return wt::ConstantOp::create(b, loc, wt::makeElements(ty, k, "winograd"));
}

} // namespace

bool whittle::lowering::winogradApplies(wt::ConvOp op, int64_t m) {
  auto inTy = staticType(op.getInput()), wTy = staticType(op.getFilter()),
       outTy = staticType(op.getOutput());
  if (!winogradMatrices(m) || !op.getChannelsLast() || !inTy || !wTy || !outTy ||
      inTy.getRank() != 4 || !outTy.getElementType().isF32() ||
      !inTy.getElementType().isF32() || !wTy.getElementType().isF32() ||
      (op.getBias() && !staticType(op.getBias())) ||
      (op.getResidual() && staticType(op.getResidual()) != outTy) || op.getGroups() != 1 ||
      !(op.getFilter().getDefiningOp<wt::ConstantOp>() ||
        op.getFilter().getDefiningOp<arith::ConstantOp>()))
    return false;
  if (wTy.getDimSize(0) != 3 || wTy.getDimSize(1) != 3 ||
      llvm::any_of(op.getStrides(), [](int64_t s) { return s != 1; }) ||
      llvm::any_of(op.getDilations(), [](int64_t d) { return d != 1; }))
    return false;
  // Whole panels of input and output channels, enough of them for the
  // matmuls to outweigh the transforms; enough tiles, few of them partial
  // (a partial tile computes all m x m outputs).
  int64_t c = inTy.getDimSize(3), k = outTy.getDimSize(3);
  // (ResNet-50's 7x7 maps as 8x8 and its 14x14 ones as 16x16 gain
  // nothing: their transformed filters, 1.8-4x the filter, stream from
  // memory for 16 tiles each.)
  constexpr int64_t kMinChannels = 32, kMinTiles = 16;
  constexpr double kMaxWaste = 1.2;
  int64_t oh = outTy.getDimSize(1), ow = outTy.getDimSize(2);
  int64_t th = llvm::divideCeil(oh, m), tw = llvm::divideCeil(ow, m);
  // Two or more tile rows: the threads then split the transforms' tile
  // rows (or images), never a transform dim (whittle-tile-for-threads
  // splits the first parallel dim longer than one).
  return c % kPanelWidth == 0 && k % kPanelWidth == 0 && c >= kMinChannels &&
         k >= kMinChannels && th >= 2 && outTy.getDimSize(0) * th * tw >= kMinTiles &&
         double(th * tw * m * m) <= kMaxWaste * double(oh * ow);
}

int64_t whittle::lowering::winogradTile(wt::ConvOp op, int64_t maxTile) {
  for (int64_t m : {4, 2})
    if (m <= maxTile && winogradApplies(op, m))
      return m;
  return 0;
}

LogicalResult whittle::lowering::lowerWinograd(wt::ConvOp op, PatternRewriter &rewriter,
                                               int64_t m) {
  if (!winogradApplies(op, m))
    return rewriter.notifyMatchFailure(op, "not a Winograd conv");
  WinogradMatrices mat = *winogradMatrices(m);
  std::optional<std::vector<double>> filter = weightValues(op.getFilter());
  if (!filter)
    return rewriter.notifyMatchFailure(op, "unreadable filter");
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  auto inTy = staticType(op.getInput()), outTy = staticType(op.getOutput());
  Type f32 = rewriter.getF32Type();
  int64_t a = m + 2, n = inTy.getDimSize(0), c = inTy.getDimSize(3), k = outTy.getDimSize(3);
  int64_t oh = outTy.getDimSize(1), ow = outTy.getDimSize(2);
  int64_t th = llvm::divideCeil(oh, m), tw = llvm::divideCeil(ow, m);
  // Partial tiles at the bottom and right: the outputs past the edge are
  // computed from more zero padding and dropped.
  bool partial = th * m != oh || tw * m != ow;
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  auto map = [&](int64_t loops, ArrayRef<AffineExpr> e) { return AffineMap::get(loops, 0, e, ctx); };
  SmallVector<IteratorType> iters(8, IteratorType::parallel);
  iters[6] = iters[7] = IteratorType::reduction;

  // Input transform. The padded input is exactly m * tiles + 2 long.
  // Loops n th tw a b c | i j.
  ArrayRef<int64_t> pads = op.getPads();
  SmallVector<int64_t> hi{pads[2] + th * m - oh, pads[3] + tw * m - ow};
  Value x = padSpatial(rewriter, loc, op.getInput(), pads.take_front(2), hi,
                       scalarConstant(rewriter, loc, f32, 0.0), /*firstDim=*/1);
  auto vTy = RankedTensorType::get({a, a, n, th, tw, c}, f32);
  linalg::GenericOp input = fusedContraction(
      rewriter, loc, vTy, x, kronConstant(rewriter, loc, mat.bt, a, a), Value(),
      {map(8, {d(0), d(1) * m + d(6), d(2) * m + d(7), d(5)}), map(8, {d(3), d(4), d(6), d(7)}),
       map(8, {d(3), d(4), d(0), d(1), d(2), d(5)})},
      iters, Value(), AffineMap(), /*zeroStart=*/true, Value(), nullptr, false);
  input->setAttr(kWinogradInputAttr, rewriter.getDenseF64ArrayAttr(mat.bt));

  // The filter transform U[a][b][c][k] = (G g G^T)[a][b], packed; the
  // matmuls are one packed contraction, loops a b n th tw | nb | c | nr.
  std::vector<double> u(a * a * c * k, 0.0);
  for (int64_t p = 0; p < a; ++p)
    for (int64_t q = 0; q < a; ++q)
      for (int64_t y = 0; y < 3; ++y)
        for (int64_t z = 0; z < 3; ++z) {
          double coef = mat.g[p * 3 + y] * mat.g[q * 3 + z];
          if (coef == 0)
            continue;
          const double *g = filter->data() + (y * 3 + z) * c * k;
          double *dst = u.data() + (p * a + q) * c * k;
          for (int64_t i = 0; i < c * k; ++i)
            dst[i] += coef * g[i];
        }
  Value packed = packedWeights(rewriter, loc, u, {a, a, c, k}, f32); // NB a a C 16
  int64_t panels = k / kPanelWidth;
  auto mTy = RankedTensorType::get({a, a, n, th, tw, k}, f32);
  auto accTy = RankedTensorType::get({a, a, n, th, tw, panels, kPanelWidth}, f32);
  SmallVector<IteratorType> gemmIters(8, IteratorType::parallel);
  gemmIters[6] = IteratorType::reduction;
  PackedFusion zero{Value(), /*zero=*/true, Value(), nullptr};
  Value products = packedContract(
      rewriter, loc, mTy, accTy, input.getResult(0), packed, Value(),
      {map(8, {d(0), d(1), d(2), d(3), d(4), d(6)}), map(8, {d(5), d(0), d(1), d(6), d(7)}),
       map(8, {d(0), d(1), d(2), d(3), d(4), d(5), d(7)})},
      gemmIters, zero);

  // Output transform into N x TH x m x TW x m x K (the output's own
  // layout), from the bias, with the residual and activation (with partial
  // tiles, the residual and the activation after it are applied to the
  // cut result instead). Loops n th i tw j k | a b.
  auto yTy = RankedTensorType::get({n, th, m, tw, m, k}, f32);
  SmallVector<ReassociationIndices> tiles{{0}, {1, 2}, {3, 4}, {5}};
  Value residual;
  if (op.getResidual() && !partial)
    residual = tensor::ExpandShapeOp::create(rewriter, loc, yTy, op.getResidual(), tiles);
  bool fuseEpilogue = !partial || !op.getResidual();
  linalg::GenericOp output = fusedContraction(
      rewriter, loc, yTy, products, kronConstant(rewriter, loc, mat.at, m, a), Value(),
      {map(8, {d(6), d(7), d(0), d(1), d(3), d(5)}), map(8, {d(2), d(4), d(6), d(7)}),
       map(8, {d(0), d(1), d(2), d(3), d(4), d(5)})},
      iters, op.getBias(), map(8, {d(5)}), /*zeroStart=*/!op.getBias(), residual,
      op.getEpilogueAttr(), fuseEpilogue);
  output->setAttr(kWinogradOutputAttr, rewriter.getDenseF64ArrayAttr(mat.at));
  Value y = tensor::CollapseShapeOp::create(
      rewriter, loc, RankedTensorType::get({n, th * m, tw * m, k}, f32), output.getResult(0),
      tiles);
  if (partial)
    y = tensor::ExtractSliceOp::create(
        rewriter, loc, outTy, y, SmallVector<OpFoldResult>(4, rewriter.getIndexAttr(0)),
        getAsIndexOpFoldResult(rewriter.getContext(), outTy.getShape()),
        SmallVector<OpFoldResult>(4, rewriter.getIndexAttr(1)));
  if (!fuseEpilogue)
    y = applyEpilogue(rewriter, loc, y, op.getResidual(), op.getEpilogueAttr());
  rewriter.replaceOp(op, y);
  return success();
}
