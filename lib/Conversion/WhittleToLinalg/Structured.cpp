//===- Structured.cpp - conv, matmul, pooling, reductions, softmax --------===//
//
// Convolution and pooling are one linalg.generic each, for any number of
// spatial dims, with strides and dilations in the input's indexing map and
// padding as tensor.pad. Groups are an explicit loop dimension (the input
// and filter are expanded to N x G x C/G x ... and G x M/G x C/G x ...), so
// depthwise convolution needs no special case. The bias initializes the
// accumulator; residual and activation epilogues are one elementwise
// generic that later fusion merges into the producer.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include "whittle/Conversion/PackedContraction.h"
#include "whittle/Dialect/Whittle/WhittleConstants.h"
#include "whittle/Passes/RewriteLog.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

#include <limits>

using namespace mlir;
using namespace whittle;
using namespace whittle::lowering;

namespace {

using utils::IteratorType;

/// The activation of `epilogue` applied to `v` (scalar body code).
Value activate(OpBuilder &b, Location loc, wt::EpilogueAttr epilogue, Value v) {
  std::optional<double> alpha, beta;
  if (epilogue.getAlpha())
    alpha = epilogue.getAlpha().getValueAsDouble();
  if (epilogue.getBeta())
    beta = epilogue.getBeta().getValueAsDouble();
  return applyActivation(b, loc, epilogue.getFn(), v, alpha, beta);
}

} // namespace

/// The values of constant weights (a whittle constant, or one already
/// lowered to arith), or nullopt.
std::optional<std::vector<double>> whittle::lowering::weightValues(Value v) {
  ElementsAttr attr;
  if (auto c = v.getDefiningOp<wt::ConstantOp>())
    attr = c.getValue();
  else if (auto c = v.getDefiningOp<arith::ConstantOp>())
    attr = dyn_cast<ElementsAttr>(c.getValue());
  if (!attr)
    return std::nullopt;
  std::vector<double> out(attr.getNumElements());
  if (!wt::forEachElement(attr, [&](int64_t i, double x) { out[i] = x; }))
    return std::nullopt;
  return out;
}

/// The residual add and activation of a conv/matmul result.
Value whittle::lowering::applyEpilogue(OpBuilder &b, Location loc, Value result, Value residual,
                                       wt::EpilogueAttr epilogue) {
  auto ty = cast<RankedTensorType>(result.getType());
  // Static shapes: one loop nest that writes over the result itself
  // (destination-passing), so bufferization reuses its buffer instead of
  // allocating the epilogue's output.
  if ((residual || epilogue) && ty.hasStaticShape() && (!residual || residual.getType() == ty)) {
    SmallVector<Value> ins;
    if (residual)
      ins.push_back(residual);
    SmallVector<AffineMap> maps(ins.size() + 1, b.getMultiDimIdentityMap(ty.getRank()));
    return linalg::GenericOp::create(
               b, loc, ty, ins, result, maps,
               SmallVector<IteratorType>(ty.getRank(), IteratorType::parallel),
               [&](OpBuilder &nb, Location nl, ValueRange a) {
                 Value v = a.back();
                 if (residual)
                   v = arith::AddFOp::create(nb, nl, v, a[0]);
                 if (epilogue)
                   v = activate(nb, nl, epilogue, v);
                 linalg::YieldOp::create(nb, nl, v);
               })
        .getResult(0);
  }
  if (residual)
    result = buildElementwise(b, loc, ty, ValueRange{result, residual},
                              [](OpBuilder &nb, Location nl, ValueRange a) {
                                return arith::AddFOp::create(nb, nl, a[0], a[1]).getResult();
                              });
  if (epilogue) {
    result = buildElementwise(b, loc, ty, result,
                              [&](OpBuilder &nb, Location nl, ValueRange a) {
                                return activate(nb, nl, epilogue, a[0]);
                              });
  }
  return result;
}

namespace {

/// acc + x * w as one fused multiply-add: one instruction per element on
/// every target with FMA, and one rounding instead of two.
void multiplyAccumulate(OpBuilder &b, Location loc, ValueRange a) {
  if (isa<FloatType>(a[2].getType())) {
    linalg::YieldOp::create(b, loc, ValueRange{math::FmaOp::create(b, loc, a[0], a[1], a[2])});
    return;
  }
  // Integer accumulation (int32 for the ONNX *Integer ops): exact, wrapping.
  Value p = arith::MulIOp::create(b, loc, a[0], a[1]);
  linalg::YieldOp::create(b, loc, ValueRange{arith::AddIOp::create(b, loc, a[2], p)});
}

/// `init + sum ins[0] * ins[1]` over the reduction loops as one generic of
/// `accTy`. With `wide`, f32 products accumulate in f64 and round once at
/// the end: long reductions then lose nothing to the summation order (at
/// the cost of half-width vectors).
Value contract(OpBuilder &b, Location loc, RankedTensorType accTy, ValueRange ins, Value init,
               ArrayRef<AffineMap> maps, ArrayRef<IteratorType> iters, bool wide) {
  Type elt = accTy.getElementType();
  if (!wide || !elt.isF32())
    return linalg::GenericOp::create(b, loc, accTy, ins, init, maps, iters, multiplyAccumulate)
        .getResult(0);
  auto f64 = b.getF64Type();
  auto wideTy = RankedTensorType::get(accTy.getShape(), f64);
  Value wideInit = buildElementwise(b, loc, wideTy, init, [&](OpBuilder &nb, Location nl, ValueRange a) {
    return arith::ExtFOp::create(nb, nl, f64, a[0]).getResult();
  });
  Value sum = linalg::GenericOp::create(
                  b, loc, wideTy, ins, wideInit, maps, iters,
                  [&](OpBuilder &nb, Location nl, ValueRange a) {
                    Value x = arith::ExtFOp::create(nb, nl, f64, a[0]);
                    Value w = arith::ExtFOp::create(nb, nl, f64, a[1]);
                    linalg::YieldOp::create(
                        nb, nl, ValueRange{math::FmaOp::create(nb, nl, x, w, a[2])});
                  })
                  .getResult(0);
  return buildElementwise(b, loc, accTy, sum, [&](OpBuilder &nb, Location nl, ValueRange a) {
    return arith::TruncFOp::create(nb, nl, elt, a[0]).getResult();
  });
}

/// Float, or a signless integer accumulated exactly.
bool accumulable(Type t) {
  return isSignlessOrFloat(t) && !t.isInteger(1);
}


/// Columns rounded up to whole panels.
int64_t panelCount(int64_t n) { return (n + kPanelWidth - 1) / kPanelWidth; }

/// `v` with its last dim zero-padded to whole panels.
Value padToPanels(OpBuilder &b, Location loc, Value v) {
  auto ty = cast<RankedTensorType>(v.getType());
  int64_t n = ty.getShape().back();
  return padSpatial(b, loc, v, {0}, {panelCount(n) * kPanelWidth - n},
                    scalarConstant(b, loc, ty.getElementType(), 0.0),
                    /*firstDim=*/ty.getRank() - 1);
}

/// Splits dimension `dim` of a static tensor into (outer, rest/outer).
Value splitDim(OpBuilder &b, Location loc, Value v, int64_t dim, int64_t outer) {
  auto ty = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape;
  SmallVector<ReassociationIndices> reassoc;
  for (int64_t i = 0; i < ty.getRank(); ++i) {
    if (i == dim) {
      reassoc.push_back({(int64_t)shape.size(), (int64_t)shape.size() + 1});
      shape.push_back(outer);
      shape.push_back(ty.getDimSize(i) / outer);
    } else {
      reassoc.push_back({(int64_t)shape.size()});
      shape.push_back(ty.getDimSize(i));
    }
  }
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, ty.getElementType()), v, reassoc);
}

/// The static extent of every loop of `maps` that some operand indexes
/// with the loop alone, or nullopt if one is missing.
std::optional<SmallVector<int64_t>> loopExtents(ArrayRef<AffineMap> maps, ValueRange operands) {
  SmallVector<int64_t> extents(maps.front().getNumDims(), ShapedType::kDynamic);
  for (auto [map, v] : llvm::zip(maps, operands))
    for (auto [i, e] : llvm::enumerate(map.getResults()))
      if (auto dim = dyn_cast<AffineDimExpr>(e))
        extents[dim.getPosition()] = cast<RankedTensorType>(v.getType()).getDimSize(i);
  if (llvm::any_of(extents, ShapedType::isDynamic))
    return std::nullopt;
  return extents;
}

} // namespace

/// Weights of `shape` (K.. x N) packed at compile time into
/// ceil(N / kPanelWidth) panels of K.. x kPanelWidth (the last one padded
/// with zero columns): each panel, the weights one register tile reads, is
/// contiguous.
Value whittle::lowering::packedWeights(OpBuilder &b, Location loc, ArrayRef<double> values,
                                       ArrayRef<int64_t> shape, Type elt) {
  int64_t n = shape.back(), panels = panelCount(n), rows = (int64_t)values.size() / n;
  std::vector<double> packed(panels * rows * kPanelWidth, 0.0);
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < kPanelWidth && p * kPanelWidth + j < n; ++j)
        packed[(p * rows + r) * kPanelWidth + j] = values[r * n + p * kPanelWidth + j];
  SmallVector<int64_t> packedShape{panels};
  packedShape.append(shape.begin(), shape.end() - 1);
  packedShape.push_back(kPanelWidth);
  return wt::ConstantOp::create(
      b, loc, wt::makeElements(RankedTensorType::get(packedShape, elt), packed, "packed"));
}

/// A contraction generic of `accTy` over `maps` (x, w, then the output):
/// fma(x, w, acc) at every reduction step, acc starting from the output
/// (`init`) or from `start` (a value per output element read with
/// `startMap`, or zero with `zeroStart`); with `fuseEpilogue`, the last
/// step yields activation(sum + residual) instead (the residual read with
/// the output's map). Start and epilogue are spelled out in the body with
/// the reduction loops' indices, so the generic stays exact for any
/// lowering:
///   acc' = fma(x, w, first step ? start : acc)
///   out  = last step ? activation(acc' + residual) : acc'
linalg::GenericOp whittle::lowering::fusedContraction(
    OpBuilder &b, Location loc, RankedTensorType accTy, Value x, Value w, Value init,
    ArrayRef<AffineMap> maps, ArrayRef<IteratorType> iters, Value start, AffineMap startMap,
    bool zeroStart, Value residual, wt::EpilogueAttr epilogue, bool fuseEpilogue) {
  AffineMap outMap = maps.back();
  Type elt = accTy.getElementType();
  SmallVector<Value> ins{x, w};
  SmallVector<AffineMap> allMaps{maps[0], maps[1]};
  bool fusedStart = start || zeroStart;
  int64_t startArg = -1, residualArg = -1;
  if (start) {
    startArg = ins.size();
    ins.push_back(start);
    allMaps.push_back(startMap);
  }
  fuseEpilogue = fuseEpilogue && (residual || epilogue);
  if (fuseEpilogue && residual) {
    residualArg = ins.size();
    ins.push_back(residual);
    allMaps.push_back(outMap);
  }
  Value out = fusedStart ? tensor::EmptyOp::create(b, loc, accTy.getShape(), elt).getResult() : init;
  SmallVector<Value> operands(ins);
  operands.push_back(out);
  allMaps.push_back(outMap);
  // Fused contractions are static, every loop indexed alone by some
  // operand.
  std::optional<SmallVector<int64_t>> extents = loopExtents(allMaps, operands);
  assert(extents && "fused contraction with a dynamic loop");
  return linalg::GenericOp::create(
      b, loc, accTy, ins, out, allMaps, iters, [&](OpBuilder &nb, Location nl, ValueRange a) {
        // Whether every reduction loop is at its first (last) step.
        auto atEdge = [&](bool last) {
          Value all;
          for (auto [d, it] : llvm::enumerate(iters)) {
            if (it != IteratorType::reduction)
              continue;
            Value at = arith::CmpIOp::create(
                nb, nl, arith::CmpIPredicate::eq, linalg::IndexOp::create(nb, nl, d),
                arith::ConstantIndexOp::create(nb, nl, last ? (*extents)[d] - 1 : 0));
            all = all ? arith::AndIOp::create(nb, nl, all, at).getResult() : at;
          }
          return all;
        };
        Value acc = a.back();
        if (fusedStart) {
          Value s = startArg >= 0 ? a[startArg] : scalarConstant(nb, nl, elt, 0.0);
          acc = arith::SelectOp::create(nb, nl, atEdge(false), s, acc);
        }
        Value sum = math::FmaOp::create(nb, nl, a[0], a[1], acc);
        if (fuseEpilogue) {
          Value e = sum;
          if (residualArg >= 0)
            e = arith::AddFOp::create(nb, nl, e, a[residualArg]);
          if (epilogue)
            e = activate(nb, nl, epilogue, e);
          sum = arith::SelectOp::create(nb, nl, atEdge(true), e, sum);
        }
        linalg::YieldOp::create(nb, nl, sum);
      });
}

/// The packed contraction generic (PackedContraction.h) of `accTy`
/// (.. x NB x 16): `init` (or what `fusion` starts from) + x * the packed
/// weights (fusedContraction), marked for whittle-lower-microkernels; then
/// the residual and activation of `fusion`, and the result with its last
/// two dims merged and cut to `outTy`'s columns (a partial last panel's
/// padding dropped).
Value whittle::lowering::packedContract(OpBuilder &b, Location loc, RankedTensorType outTy,
                                        RankedTensorType accTy, Value x, Value packed, Value init,
                                        ArrayRef<AffineMap> maps, ArrayRef<IteratorType> iters,
                                        const PackedFusion &fusion) {
  MLIRContext *ctx = b.getContext();
  int64_t r = accTy.getRank(), loops = maps.front().getNumDims();
  AffineMap outMap = maps.back();
  // The residual joins the kernel when its columns are whole panels (read
  // as .. x NB x 16 like the accumulator); the activation only after it.
  bool fuseEpilogue =
      (fusion.residual || fusion.epilogue) &&
      (!fusion.residual || outTy.getShape().back() == accTy.getDimSize(r - 2) * kPanelWidth);
  Value residual = fuseEpilogue && fusion.residual
                       ? splitDim(b, loc, fusion.residual, r - 2, accTy.getDimSize(r - 2))
                       : Value();
  linalg::GenericOp generic = fusedContraction(
      b, loc, accTy, x, packed, init, maps, iters, fusion.bias,
      AffineMap::get(loops, 0, outMap.getResults().take_back(2), ctx), fusion.zero, residual,
      fusion.epilogue, fuseEpilogue);
  generic->setAttr(kPackedContractionAttr, b.getUnitAttr());
  SmallVector<ReassociationIndices> collapse;
  for (int64_t i = 0; i < r - 2; ++i)
    collapse.push_back({i});
  collapse.push_back({r - 2, r - 1});
  SmallVector<int64_t> shape(outTy.getShape());
  shape.back() = accTy.getDimSize(r - 2) * kPanelWidth;
  Value y = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(shape, outTy.getElementType()), generic.getResult(0), collapse);
  if (shape.back() != outTy.getShape().back()) {
    SmallVector<OpFoldResult> offsets(r - 1, b.getIndexAttr(0)), sizes,
        strides(r - 1, b.getIndexAttr(1));
    for (int64_t size : outTy.getShape())
      sizes.push_back(b.getIndexAttr(size));
    y = tensor::ExtractSliceOp::create(b, loc, outTy, y, offsets, sizes, strides);
  }
  return fuseEpilogue ? y : applyEpilogue(b, loc, y, fusion.residual, fusion.epilogue);
}

namespace {

/// Whether an f32 contraction with constant weights and `n` output
/// columns is lowered over packed weights: at least `minColumns` (a
/// partial last panel is padded, its extra columns computed and dropped).
bool packable(Value weights, RankedTensorType outTy, int64_t n, ContractionOptions options,
              int64_t minColumns = kMinPackedColumns) {
  return options.packWeights && !options.wide && outTy.getElementType().isF32() &&
         outTy.hasStaticShape() && n >= minColumns &&
         (weights.getDefiningOp<wt::ConstantOp>() || weights.getDefiningOp<arith::ConstantOp>());
}


/// How many windows of `kernel` taps (`stride`, `dilation`) fit in a
/// (padded) extent `size`: floor((size - dil * (kernel - 1) - 1) / stride) + 1.
/// A window longer than a run-time extent fails the run (the check compares
/// max(size, span) with size); the count itself stays plain arithmetic, so
/// equal extents fold to one value.
OpFoldResult windowCount(OpBuilder &b, Location loc, OpFoldResult size, int64_t kernel,
                         int64_t stride, int64_t dilation) {
  int64_t span = dilation * (kernel - 1) + 1;
  if (std::optional<int64_t> c = getConstantIntValue(size))
    return b.getIndexAttr(*c < span ? 0 : (*c - span) / stride + 1);
  auto cst = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  checkSameSize(b, loc, arith::MaxSIOp::create(b, loc, cast<Value>(size), cst(span)).getResult(),
                size);
  Value v = arith::SubIOp::create(b, loc, cast<Value>(size), cst(span));
  v = arith::FloorDivSIOp::create(b, loc, v, cst(stride));
  return arith::AddIOp::create(b, loc, v, cst(1)).getResult();
}

/// A conv's accumulator before the reduction: its bias (M values, split
/// into groups x M/groups and broadcast along dims groupDim, groupDim + 1
/// of the accumulator), or zeros.
Value convAccumulatorInit(OpBuilder &b, Location loc, Value bias, int64_t groups,
                          RankedTensorType accTy, ArrayRef<OpFoldResult> sizes, int64_t groupDim) {
  if (!bias)
    return filled(b, loc, accTy, scalarConstant(b, loc, accTy.getElementType(), 0.0), sizes);
  MLIRContext *ctx = b.getContext();
  int64_t r = accTy.getRank();
  Value b2 = splitDim(b, loc, bias, 0, groups); // G Mg
  AffineMap bm = AffineMap::get(
      r, 0, {getAffineDimExpr(groupDim, ctx), getAffineDimExpr(groupDim + 1, ctx)}, ctx);
  return linalg::GenericOp::create(
             b, loc, accTy, b2, emptyTensor(b, loc, accTy, sizes),
             SmallVector<AffineMap>{bm, b.getMultiDimIdentityMap(r)},
             SmallVector<IteratorType>(r, IteratorType::parallel),
             [](OpBuilder &nb, Location nl, ValueRange a) { linalg::YieldOp::create(nb, nl, a[0]); })
      .getResult(0);
}

/// The channels-first tensor that `v` is the channels-last transpose of
/// (perm 0, 2.., 1), in whichever form the transpose is at this point of
/// the lowering (whittle, linalg.transpose, or the generic LowerTranspose
/// builds for short rows), or null.
Value channelsFirstSource(Value v) {
  auto ty = dyn_cast<RankedTensorType>(v.getType());
  if (!ty || ty.getRank() < 3)
    return {};
  int64_t rank = ty.getRank();
  SmallVector<int64_t> toLast{0};
  for (int64_t i = 2; i < rank; ++i)
    toLast.push_back(i);
  toLast.push_back(1);
  if (auto t = v.getDefiningOp<wt::TransposeOp>())
    return t.getPerm() == ArrayRef<int64_t>(toLast) ? t.getInput() : Value();
  if (auto t = v.getDefiningOp<linalg::TransposeOp>())
    return t.getPermutation() == ArrayRef<int64_t>(toLast) ? t.getInput() : Value();
  auto g = v.getDefiningOp<linalg::GenericOp>();
  if (!g || g.getNumDpsInputs() != 1 || g.getNumDpsInits() != 1 ||
      g.getNumParallelLoops() != g.getNumLoops() || g.getNumLoops() != rank)
    return {};
  auto yield = cast<linalg::YieldOp>(g.getBody()->getTerminator());
  if (yield.getNumOperands() != 1 || yield.getOperand(0) != g.getBody()->getArgument(0))
    return {};
  // out[j] = in[toLast[j]]: the loop indexing output dim j indexes input
  // dim toLast[j].
  AffineMap in = g.getIndexingMapsArray()[0], out = g.getIndexingMapsArray()[1];
  if (!in.isPermutation() || !out.isPermutation())
    return {};
  for (int64_t j = 0; j < rank; ++j)
    if (out.getResult(j) != in.getResult(toLast[j]))
      return {};
  return g.getDpsInputs()[0];
}

/// A channels_last conv (N x D.. x C, filter K.. x C/g x M): loops
/// n o1..ok | k1..kk cg | g mg, the output channels innermost (the groups
/// innermost for a depthwise conv, whose channel groups hold one channel
/// each). The innermost loop then reads the filter and writes the output
/// contiguously while the input value is broadcast, as in a matmul's inner
/// loop, however small the spatial extent.
LogicalResult lowerChannelsLast(wt::ConvOp op, PatternRewriter &rewriter,
                                ContractionOptions options) {
  auto inTy = staticType(op.getInput()), wTy = staticType(op.getFilter()),
       outTy = staticType(op.getOutput());
  if (!inTy || !wTy || !outTy || !accumulable(outTy.getElementType()) ||
      inTy.getElementType() != outTy.getElementType() ||
      wTy.getElementType() != outTy.getElementType() ||
      (op.getBias() && !staticType(op.getBias())) ||
      (op.getResidual() && !staticType(op.getResidual())))
    return rewriter.notifyMatchFailure(op, "channels_last conv needs static float or "
                                           "integer tensors");
  if (!isa<FloatType>(outTy.getElementType()) && (op.getResidual() || op.getEpilogueAttr()))
    return rewriter.notifyMatchFailure(op, "integer conv with an epilogue");
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  int64_t r = inTy.getRank(), k = r - 2, groups = op.getGroups();
  int64_t m = wTy.getDimSize(r - 1), mg = m / groups;
  Type elt = outTy.getElementType();
  ArrayRef<int64_t> pads = op.getPads();
  Value zero = scalarConstant(rewriter, loc, elt, 0.0);
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  // f32 conv, ungrouped or depthwise (one input and one output channel per
  // group), constant filter: a contraction over packed filter panels
  // (include/whittle/Conversion/PackedContraction.h), loops
  // n o.. nb | k.. c | nr. Ungrouped, it is an implicit GEMM (rows =
  // output columns, k = K.. x C, n = M); depthwise there is no c loop and
  // the input is read at channel nb * 16 + nr, a vector per panel.
  bool depthwise = groups == m && inTy.getDimSize(r - 1) == m;
  // 3x3 stride-1 convs that qualify: Winograd (Winograd.cpp).
  int64_t tile =
      options.packWeights && !options.wide ? winogradTile(op, options.winogradTile) : 0;
  if (tile) {
    if (failed(lowerWinograd(op, rewriter, tile)))
      return failure();
    recordRewrite("convert-whittle-to-linalg",
                  tile == 4 ? "Winograd F(4x4, 3x3) convs" : "Winograd F(2x2, 3x3) convs");
    return success();
  }
  // Ungrouped convs whatever their output channels (PackedContraction.h);
  // depthwise ones read whole panels of input channels.
  if ((groups == 1 || depthwise) &&
      packable(op.getFilter(), outTy, m, options, depthwise ? kMinPackedColumns : 1)) {
    if (auto values = weightValues(op.getFilter())) {
      // Spatial padding, and (depthwise, read by whole panels) the
      // channels padded to whole panels.
      SmallVector<int64_t> lo(pads.take_front(k)), hi(pads.drop_front(k));
      // An ungrouped conv whose input is the channels-last transpose of a
      // tensor with few channels (an image's 3 planes) reads that tensor
      // in place: the kernel broadcasts one input value per row either
      // way, and the transpose (3-value rows, scattered) is not computed
      // for it.
      Value channelsFirst = groups == 1 && inTy.getDimSize(r - 1) <= kPanelWidth
                                ? channelsFirstSource(op.getInput())
                                : Value();
      Value x;
      if (channelsFirst) {
        x = padSpatial(rewriter, loc, channelsFirst, lo, hi, zero, /*firstDim=*/2);
      } else {
        lo.push_back(0);
        hi.push_back(depthwise ? panelCount(m) * kPanelWidth - m : 0);
        x = padSpatial(rewriter, loc, op.getInput(), lo, hi, zero, /*firstDim=*/1);
      }
      Value w = packedWeights(rewriter, loc, *values, wTy.getShape(), elt); // NB K.. Cg 16
      int64_t panels = panelCount(m), nbDim = k + 1;
      int64_t loops = depthwise ? 2 * k + 3 : 2 * k + 4, cDim = 2 * k + 2, nr = loops - 1;
      SmallVector<int64_t> accShape(outTy.getShape().drop_back());
      accShape.append({panels, kPanelWidth});
      auto accTy = RankedTensorType::get(accShape, elt);
      SmallVector<AffineExpr> xE{d(0)}, wE{d(nbDim)}, oE{d(0)};
      for (int64_t i = 0; i < k; ++i) {
        xE.push_back(d(1 + i) * op.getStrides()[i] + d(nbDim + 1 + i) * op.getDilations()[i]);
        wE.push_back(d(nbDim + 1 + i));
        oE.push_back(d(1 + i));
      }
      if (channelsFirst)
        xE.insert(xE.begin() + 1, d(cDim));
      else
        xE.push_back(depthwise ? d(nbDim) * kPanelWidth + d(nr) : d(cDim));
      wE.append({depthwise ? getAffineConstantExpr(0, ctx) : d(cDim), d(nr)});
      oE.append({d(nbDim), d(nr)});
      SmallVector<AffineMap> maps{AffineMap::get(loops, 0, xE, ctx),
                                  AffineMap::get(loops, 0, wE, ctx),
                                  AffineMap::get(loops, 0, oE, ctx)};
      SmallVector<IteratorType> iters(loops, IteratorType::parallel);
      for (int64_t i = nbDim + 1; i < nr; ++i)
        iters[i] = IteratorType::reduction; // kernel dims and c
      PackedFusion fusion{Value(), !op.getBias(), op.getResidual(), op.getEpilogueAttr()};
      if (op.getBias())
        fusion.bias = splitDim(rewriter, loc, padToPanels(rewriter, loc, op.getBias()), 0, panels);
      rewriter.replaceOp(op, packedContract(rewriter, loc, outTy, accTy, x, w, Value(), maps,
                                            iters, fusion));
      return success();
    }
  }
  Value x = splitDim(rewriter, loc, op.getInput(), r - 1, groups); // N D.. G Cg
  x = padSpatial(rewriter, loc, x, pads.take_front(k), pads.drop_front(k), zero, /*firstDim=*/1);
  Value w = splitDim(rewriter, loc, op.getFilter(), r - 1, groups); // K.. Cg G Mg
  SmallVector<int64_t> accShape{outTy.getDimSize(0)};
  for (int64_t i = 0; i < k; ++i)
    accShape.push_back(outTy.getDimSize(1 + i));
  accShape.push_back(groups);
  accShape.push_back(mg);
  auto accTy = RankedTensorType::get(accShape, elt);
  // Loop dims: n, o.., kernel.., cg, then g and mg in either order.
  int64_t loops = 2 * k + 4, cgDim = 2 * k + 1;
  bool mgInner = mg > 1;
  int64_t gDim = mgInner ? 2 * k + 2 : 2 * k + 3, mgDim = mgInner ? 2 * k + 3 : 2 * k + 2;
  SmallVector<AffineExpr> xE{d(0)}, wE, oE{d(0)};
  for (int64_t i = 0; i < k; ++i) {
    xE.push_back(d(1 + i) * op.getStrides()[i] + d(1 + k + i) * op.getDilations()[i]);
    wE.push_back(d(1 + k + i));
    oE.push_back(d(1 + i));
  }
  xE.append({d(gDim), d(cgDim)});
  wE.append({d(cgDim), d(gDim), d(mgDim)});
  oE.append({d(gDim), d(mgDim)});
  SmallVector<AffineMap> maps{AffineMap::get(loops, 0, xE, ctx), AffineMap::get(loops, 0, wE, ctx),
                              AffineMap::get(loops, 0, oE, ctx)};
  SmallVector<IteratorType> iters(loops, IteratorType::parallel);
  for (int64_t i = 0; i <= k; ++i)
    iters[1 + k + i] = IteratorType::reduction; // kernel dims and cg
  Value init = convAccumulatorInit(rewriter, loc, op.getBias(), groups, accTy, {},
                                   /*groupDim=*/accTy.getRank() - 2);
  Value acc = contract(rewriter, loc, accTy, ValueRange{x, w}, init, maps, iters, options.wide);
  SmallVector<ReassociationIndices> collapse;
  for (int64_t i = 0; i <= k; ++i)
    collapse.push_back({i});
  collapse.push_back({k + 1, k + 2});
  Value y = tensor::CollapseShapeOp::create(rewriter, loc, outTy, acc, collapse);
  rewriter.replaceOp(op, applyEpilogue(rewriter, loc, y, op.getResidual(), op.getEpilogueAttr()));
  return success();
}

struct LowerConv : OpRewritePattern<wt::ConvOp> {
  LowerConv(MLIRContext *ctx, ContractionOptions options)
      : OpRewritePattern(ctx), options(options) {}
  ContractionOptions options;
  LogicalResult matchAndRewrite(wt::ConvOp op, PatternRewriter &rewriter) const override {
    if (op.getChannelsLast())
      return lowerChannelsLast(op, rewriter, options);
    auto inTy = rankedType(op.getInput()), wTy = staticType(op.getFilter()),
         outTy = rankedType(op.getOutput());
    if (!inTy || !wTy || !outTy || !accumulable(outTy.getElementType()) ||
        inTy.getElementType() != outTy.getElementType() ||
        wTy.getElementType() != outTy.getElementType())
      return rewriter.notifyMatchFailure(op, "needs float or signless integer types, static filter");
    if (inTy.isDynamicDim(1) && op.getGroups() != 1)
      return rewriter.notifyMatchFailure(op, "dynamic input channels of a grouped conv");
    if (!isa<FloatType>(outTy.getElementType()) && (op.getResidual() || op.getEpilogueAttr()))
      return rewriter.notifyMatchFailure(op, "integer conv with an epilogue");
    if ((op.getBias() && !staticType(op.getBias())) ||
        (op.getResidual() && !rankedType(op.getResidual())))
      return rewriter.notifyMatchFailure(op, "dynamic bias or unranked residual");
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    int64_t k = inTy.getRank() - 2, groups = op.getGroups();
    int64_t n = inTy.getDimSize(0), m = wTy.getDimSize(0);
    // Dynamic input channels must be the filter's.
    if (inTy.isDynamicDim(1))
      checkSameSize(rewriter, loc, tensor::getMixedSize(rewriter, loc, op.getInput(), 1),
                    rewriter.getIndexAttr(wTy.getDimSize(1)));
    Type elt = outTy.getElementType();
    ArrayRef<int64_t> pads = op.getPads();
    Value zero = scalarConstant(rewriter, loc, elt, 0.0);
    // Channels split before the padding: the expand_shape then reads the
    // input itself (its run-time sizes defined before any pad).
    Value x = splitDim(rewriter, loc, op.getInput(), 1, groups); // N G Cg S..
    x = padSpatial(rewriter, loc, x, pads.take_front(k), pads.drop_front(k), zero);
    Value w = splitDim(rewriter, loc, op.getFilter(), 0, groups); // G Mg Cg K..
    // Loops: n g mg o1..o(k-1) cg k1..kk ok. The reductions sit inside the
    // outer output dims and outside the last one, so the innermost loop
    // walks a contiguous output row: it vectorizes without reassociation.
    int64_t mg = m / groups;
    SmallVector<int64_t> accShape{n, groups, mg};
    for (int64_t i = 0; i < k; ++i)
      accShape.push_back(outTy.getDimSize(2 + i));
    auto accTy = RankedTensorType::get(accShape, elt);
    // Run-time sizes of the dynamic dims: the batch, and each output
    // position count from the (padded) input's.
    SmallVector<OpFoldResult> accSizes{tensor::getMixedSize(rewriter, loc, x, 0),
                                       rewriter.getIndexAttr(groups),
                                       rewriter.getIndexAttr(mg)};
    for (int64_t i = 0; i < k; ++i) {
      OpFoldResult count =
          windowCount(rewriter, loc, tensor::getMixedSize(rewriter, loc, x, 3 + i),
                      wTy.getDimSize(2 + i), op.getStrides()[i], op.getDilations()[i]);
      // A declared static extent over a dynamic input is checked.
      if (!outTy.isDynamicDim(2 + i))
        count = checkSameSize(rewriter, loc, count, rewriter.getIndexAttr(outTy.getDimSize(2 + i)));
      accSizes.push_back(count);
    }
    int64_t loops = 3 + 2 * k + 1, cgDim = k + 2;
    auto outDim = [&](int64_t i) { return i < k - 1 ? 3 + i : 2 * k + 3; };
    auto kernelDim = [&](int64_t i) { return k + 3 + i; };
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> xE{d(0), d(1), d(cgDim)}, wE{d(1), d(2), d(cgDim)},
        oE{d(0), d(1), d(2)};
    for (int64_t i = 0; i < k; ++i) {
      xE.push_back(d(outDim(i)) * op.getStrides()[i] +
                   d(kernelDim(i)) * op.getDilations()[i]);
      wE.push_back(d(kernelDim(i)));
      oE.push_back(d(outDim(i)));
    }
    SmallVector<AffineMap> maps{AffineMap::get(loops, 0, xE, ctx),
                                AffineMap::get(loops, 0, wE, ctx),
                                AffineMap::get(loops, 0, oE, ctx)};
    SmallVector<IteratorType> iters(loops, IteratorType::reduction);
    for (int64_t i : {0, 1, 2})
      iters[i] = IteratorType::parallel;
    for (int64_t i = 0; i < k; ++i)
      iters[outDim(i)] = IteratorType::parallel;
    if (op.getBias() && !staticType(op.getBias()))
      return rewriter.notifyMatchFailure(op, "dynamic bias");
    Value init = convAccumulatorInit(rewriter, loc, op.getBias(), groups, accTy, accSizes,
                                     /*groupDim=*/1);
    Value acc = contract(rewriter, loc, accTy, ValueRange{x, w}, init, maps, iters, options.wide);
    SmallVector<ReassociationIndices> collapse{{0}, {1, 2}};
    for (int64_t i = 0; i < k; ++i)
      collapse.push_back({3 + i});
    // Collapsed on the accumulator's own type (dynamic where it is), then
    // cast to the declared result (which may be static over dynamic inputs).
    SmallVector<int64_t> yShape{accShape[0], m};
    yShape.append(accShape.begin() + 3, accShape.end());
    auto yTy = RankedTensorType::get(yShape, elt);
    Value y = tensor::CollapseShapeOp::create(rewriter, loc, yTy, acc, collapse);
    if (yTy != outTy)
      y = tensor::CastOp::create(rewriter, loc, outTy, y);
    rewriter.replaceOp(op, applyEpilogue(rewriter, loc, y, op.getResidual(),
                                         op.getEpilogueAttr()));
    return success();
  }
};

struct LowerMatmul : OpRewritePattern<wt::MatmulOp> {
  LowerMatmul(MLIRContext *ctx, ContractionOptions options)
      : OpRewritePattern(ctx), options(options) {}
  ContractionOptions options;
  LogicalResult matchAndRewrite(wt::MatmulOp op, PatternRewriter &rewriter) const override {
    auto lTy = rankedType(op.getLhs()), rTy = rankedType(op.getRhs()),
         outTy = rankedType(op.getOutput());
    if (!lTy || !rTy || !outTy || !accumulable(outTy.getElementType()) ||
        lTy.getElementType() != outTy.getElementType() ||
        rTy.getElementType() != outTy.getElementType() || lTy.getRank() < 2 ||
        rTy.getRank() < 2)
      return rewriter.notifyMatchFailure(op, "needs float or integer types, rank >= 2");
    if (!isa<FloatType>(outTy.getElementType()) && (op.getResidual() || op.getEpilogueAttr()))
      return rewriter.notifyMatchFailure(op, "integer matmul with an epilogue");
    if ((op.getResidual() && !rankedType(op.getResidual())) ||
        (op.getBias() && !rankedType(op.getBias())))
      return rewriter.notifyMatchFailure(op, "unranked bias or residual");
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    int64_t r = outTy.getRank(), loops = r + 1;
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    // Run-time sizes: batch dims broadcast, m from the lhs, n from the rhs;
    // the two k extents must agree.
    SmallVector<OpFoldResult> outSizes;
    if (!outTy.hasStaticShape() || !lTy.hasStaticShape() || !rTy.hasStaticShape()) {
      auto lS = sizesOf(rewriter, loc, op.getLhs()), rS = sizesOf(rewriter, loc, op.getRhs());
      int64_t lr = lTy.getRank(), rr = rTy.getRank();
      for (int64_t i = 0; i < r - 2; ++i) {
        OpFoldResult size;
        for (auto [t, sz] : {std::pair(lTy, &lS), std::pair(rTy, &rS)}) {
          int64_t j = i - (r - t.getRank());
          if (j < 0 || t.getDimSize(j) == 1)
            continue;
          size = size ? checkSameSize(rewriter, loc, (*sz)[j], size) : (*sz)[j];
        }
        outSizes.push_back(size ? size : rewriter.getIndexAttr(1));
      }
      bool tl = op.getTransposeLhs(), tr = op.getTransposeRhs();
      OpFoldResult kl = lS[tl ? lr - 2 : lr - 1], kr = rS[tr ? rr - 1 : rr - 2];
      checkSameSize(rewriter, loc, kl, kr);
      outSizes.push_back(lS[tl ? lr - 1 : lr - 2]);
      outSizes.push_back(rS[tr ? rr - 2 : rr - 1]);
    }
    // Loops: batch.. m k n. Batch dims broadcast numpy-style. With n
    // innermost, the rhs and output rows are read contiguously, so a
    // transposed rhs is transposed once up front.
    Value lhs = op.getLhs(), rhs = op.getRhs();
    bool transposeRhs = op.getTransposeRhs();
    // Constant 2-D float weights with whole panels of columns: packed at
    // compile time (transposed there too).
    int64_t nCols = rTy.getDimSize(transposeRhs ? rTy.getRank() - 2 : rTy.getRank() - 1);
    std::optional<std::vector<double>> rhsValues;
    if (rTy.getRank() == 2 && lTy.hasStaticShape() && packable(rhs, outTy, nCols, options))
      rhsValues = weightValues(rhs);
    if (transposeRhs && !rhsValues) {
      SmallVector<int64_t> perm, shape(rTy.getShape());
      for (int64_t i = 0; i < rTy.getRank(); ++i)
        perm.push_back(i);
      std::swap(perm[rTy.getRank() - 1], perm[rTy.getRank() - 2]);
      std::swap(shape[rTy.getRank() - 1], shape[rTy.getRank() - 2]);
      SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, rhs);
      std::swap(sizes[rTy.getRank() - 1], sizes[rTy.getRank() - 2]);
      Value empty = emptyTensor(rewriter, loc, RankedTensorType::get(shape, rTy.getElementType()),
                                sizes);
      rhs = linalg::TransposeOp::create(rewriter, loc, rhs, empty, perm).getResult()[0];
      rTy = cast<RankedTensorType>(rhs.getType());
      transposeRhs = false;
    }
    auto operandMap = [&](RankedTensorType t, bool isLhs, bool transposed) {
      SmallVector<AffineExpr> e;
      int64_t batch = t.getRank() - 2, offset = (r - 2) - batch;
      for (int64_t i = 0; i < batch; ++i)
        e.push_back(t.getDimSize(i) == 1 && outTy.getDimSize(offset + i) != 1
                        ? getAffineConstantExpr(0, ctx)
                        : d(offset + i));
      AffineExpr row = isLhs ? d(r - 2) : d(r - 1), col = isLhs ? d(r - 1) : d(r);
      if (transposed)
        std::swap(row, col);
      e.push_back(row);
      e.push_back(col);
      return AffineMap::get(loops, 0, e, ctx);
    };
    SmallVector<AffineExpr> outE;
    for (int64_t i = 0; i < r - 1; ++i)
      outE.push_back(d(i));
    outE.push_back(d(r));
    AffineMap outMap = AffineMap::get(loops, 0, outE, ctx);
    SmallVector<AffineMap> maps{
        operandMap(lTy, true, op.getTransposeLhs()),
        operandMap(rTy, false, transposeRhs), outMap};
    SmallVector<IteratorType> iters(loops, IteratorType::parallel);
    iters[r - 1] = IteratorType::reduction;
    Type elt = outTy.getElementType();
    // Run-time f32 rhs with whole panels of columns (attention's products):
    // read in place as .. x K x NB x 16.
    bool panelView = !rhsValues && options.packWeights && !options.wide && elt.isF32() &&
                     outTy.hasStaticShape() && lTy.hasStaticShape() && rTy.hasStaticShape() &&
                     nCols % kPanelWidth == 0;
    bool packed = rhsValues || panelView;
    // A packed matmul starts its sums from a bias of one value per column
    // (or zero) in its kernel; a bias over more dims is the initial output.
    auto biasTy = op.getBias() ? dyn_cast<RankedTensorType>(op.getBias().getType())
                               : RankedTensorType();
    bool columnBias = packed && biasTy && biasTy.hasStaticShape() &&
                      biasTy.getNumElements() == nCols && biasTy.getShape().back() == nCols;
    Value init;
    if (packed && (!op.getBias() || columnBias)) {
      // No initial output.
    } else if (Value bias = op.getBias()) {
      // The bias broadcast over the output: each dim that is not a static 1
      // is 1 or the output's at run time (checked; repeated when 1).
      auto bTy = cast<RankedTensorType>(bias.getType());
      if (!outTy.hasStaticShape() || !bTy.hasStaticShape()) {
        auto bS = sizesOf(rewriter, loc, bias);
        auto oS = outTy.hasStaticShape() ? sizesOf(rewriter, loc, op.getOutput()) : outSizes;
        for (int64_t j = 0; j < bTy.getRank(); ++j) {
          if (bTy.getDimSize(j) == 1)
            continue;
          OpFoldResult o = oS[r - bTy.getRank() + j], found = bS[j];
          if (bTy.isDynamicDim(j)) {
            Value one = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                              cast<Value>(bS[j]),
                                              arith::ConstantIndexOp::create(rewriter, loc, 1));
            found = arith::SelectOp::create(rewriter, loc, one,
                                            getValueOrCreateConstantIndexOp(rewriter, loc, o),
                                            cast<Value>(bS[j]))
                        .getResult();
          }
          checkSameSize(rewriter, loc, found, o);
        }
        bias = broadcastAtRunTime(rewriter, loc, bias, oS);
      }
      Value empty = emptyTensor(rewriter, loc, outTy, outSizes);
      init = linalg::GenericOp::create(
                 rewriter, loc, outTy, bias, empty,
                 SmallVector<AffineMap>{broadcastMap(ctx, bTy.getShape(), outTy.getShape()),
                                        rewriter.getMultiDimIdentityMap(r)},
                 SmallVector<IteratorType>(r, IteratorType::parallel),
                 [](OpBuilder &nb, Location nl, ValueRange a) {
                   linalg::YieldOp::create(nb, nl, a[0]);
                 })
                 .getResult(0);
    } else {
      init = filled(rewriter, loc, outTy, scalarConstant(rewriter, loc, elt, 0.0), outSizes);
    }
    if (packed) {
      // Loops: batch.. m nb k nr over K x 16 panels of the rhs.
      int64_t kSize = rTy.getDimSize(rTy.getRank() - 2), panels = panelCount(nCols);
      Value w;
      SmallVector<AffineExpr> wE;
      if (rhsValues) {
        kSize = rTy.getDimSize(transposeRhs ? 1 : 0);
        std::vector<double> kn = transposeRhs
                                     ? wt::transposeValues(*rhsValues, {nCols, kSize}, {1, 0})
                                     : std::move(*rhsValues);
        w = packedWeights(rewriter, loc, kn, {kSize, nCols}, elt);
        wE = {d(r - 1), d(r), d(r + 1)};
      } else {
        w = splitDim(rewriter, loc, rhs, rTy.getRank() - 1, panels);
        wE.assign(llvm::to_vector(operandMap(rTy, false, false).getResults().drop_back(2)));
        wE.append({d(r), d(r - 1), d(r + 1)});
      }
      int64_t ploops = r + 2;
      SmallVector<AffineExpr> lE, oE;
      int64_t batch = lTy.getRank() - 2, offset = (r - 2) - batch;
      for (int64_t i = 0; i < batch; ++i)
        lE.push_back(lTy.getDimSize(i) == 1 && outTy.getDimSize(offset + i) != 1
                         ? getAffineConstantExpr(0, ctx)
                         : d(offset + i));
      if (op.getTransposeLhs())
        lE.append({d(r), d(r - 2)});
      else
        lE.append({d(r - 2), d(r)});
      for (int64_t i = 0; i < r; ++i)
        oE.push_back(d(i));
      oE.push_back(d(r + 1));
      SmallVector<AffineMap> pmaps{AffineMap::get(ploops, 0, lE, ctx),
                                   AffineMap::get(ploops, 0, wE, ctx),
                                   AffineMap::get(ploops, 0, oE, ctx)};
      SmallVector<IteratorType> piters(ploops, IteratorType::parallel);
      piters[r] = IteratorType::reduction;
      SmallVector<int64_t> accShape(outTy.getShape().drop_back());
      accShape.append({panels, kPanelWidth});
      auto accTy = RankedTensorType::get(accShape, elt);
      PackedFusion fusion{Value(), !op.getBias(), op.getResidual(), op.getEpilogueAttr()};
      if (columnBias) {
        Value column = op.getBias();
        if (biasTy.getRank() != 1) {
          ReassociationIndices all;
          for (int64_t i = 0; i < biasTy.getRank(); ++i)
            all.push_back(i);
          column = tensor::CollapseShapeOp::create(rewriter, loc,
                                                   RankedTensorType::get({nCols}, elt), column,
                                                   ArrayRef<ReassociationIndices>{all});
        }
        fusion.bias = splitDim(rewriter, loc, padToPanels(rewriter, loc, column), 0, panels);
      } else if (init) {
        init = splitDim(rewriter, loc, padToPanels(rewriter, loc, init), r - 1, panels);
      }
      rewriter.replaceOp(op, packedContract(rewriter, loc, outTy, accTy, lhs, w, init, pmaps,
                                            piters, fusion));
      return success();
    }
    Value acc = contract(rewriter, loc, outTy, ValueRange{lhs, rhs}, init, maps, iters, options.wide);
    rewriter.replaceOp(op, applyEpilogue(rewriter, loc, acc, op.getResidual(),
                                         op.getEpilogueAttr()));
    return success();
  }
};

/// The padded input and loop structure of a pooling window over
/// (n, c, out.., window..): maps for the input, the window (a shape-only
/// tensor) and the output; parallel then reduction loops. ceil_mode pads
/// the high side further (`extra`) so the last window fits.
struct PoolWindow {
  Value input, window;
  SmallVector<AffineMap> maps;
  SmallVector<IteratorType> iters;
  SmallVector<int64_t> lo, hi, extra;
  /// Loop dims of each output position and window position. N x C x D..:
  /// loops n c o1..o(k-1) w1..wk ok, the window inside all output dims
  /// but the last, so the innermost loop walks an output row (it
  /// vectorizes, the accumulators stay in registers). Channels-last
  /// (N x D.. x C): loops n o1..ok w1..wk c, the channels innermost.
  SmallVector<int64_t> outDims, windowDims;
  /// The output's sizes (run-time ones for dynamic dims).
  SmallVector<OpFoldResult> outSizes;
};

PoolWindow poolWindow(OpBuilder &b, Location loc, Value input, RankedTensorType outTy,
                      ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                      ArrayRef<int64_t> dil, ArrayRef<int64_t> pads, Value padValue,
                      bool channelsLast = false) {
  auto inTy = cast<RankedTensorType>(input.getType());
  MLIRContext *ctx = b.getContext();
  int64_t rank = inTy.getRank(), k = rank - 2;
  // Tensor dims: the first spatial one, and the channels.
  int64_t sp = channelsLast ? 1 : 2, cDim = channelsLast ? rank - 1 : 1;
  PoolWindow w;
  w.lo.assign(pads.take_front(k).begin(), pads.take_front(k).end());
  w.hi.assign(pads.drop_front(k).begin(), pads.drop_front(k).end());
  w.extra.assign(k, 0);
  for (int64_t i = 0; i < k; ++i) {
    // Dynamic extents: floor mode only (callers check), which never pads
    // beyond the explicit pads.
    if (inTy.isDynamicDim(sp + i) || outTy.isDynamicDim(sp + i))
      continue;
    int64_t need = (outTy.getDimSize(sp + i) - 1) * strides[i] + (kernel[i] - 1) * dil[i] + 1;
    w.extra[i] = std::max<int64_t>(0, need - (inTy.getDimSize(sp + i) + w.lo[i] + w.hi[i]));
    w.hi[i] += w.extra[i];
  }
  w.input = padSpatial(b, loc, input, w.lo, w.hi, padValue, sp);
  w.outSizes.assign(rank, OpFoldResult());
  w.outSizes[0] = tensor::getMixedSize(b, loc, w.input, 0);
  w.outSizes[cDim] = tensor::getMixedSize(b, loc, w.input, cDim);
  for (int64_t i = 0; i < k; ++i)
    w.outSizes[sp + i] =
        outTy.isDynamicDim(sp + i)
            ? windowCount(b, loc, tensor::getMixedSize(b, loc, w.input, sp + i), kernel[i],
                          strides[i], dil[i])
            : OpFoldResult(b.getIndexAttr(outTy.getDimSize(sp + i)));
  int64_t loops = 2 + 2 * k, cLoop = channelsLast ? loops - 1 : 1;
  for (int64_t i = 0; i < k; ++i) {
    w.outDims.push_back(channelsLast ? 1 + i : i < k - 1 ? 2 + i : loops - 1);
    w.windowDims.push_back(1 + k + i);
  }
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineExpr> xE(rank), wE, oE(rank);
  xE[0] = oE[0] = d(0);
  xE[cDim] = oE[cDim] = d(cLoop);
  for (int64_t i = 0; i < k; ++i) {
    xE[sp + i] = d(w.outDims[i]) * strides[i] + d(w.windowDims[i]) * dil[i];
    wE.push_back(d(w.windowDims[i]));
    oE[sp + i] = d(w.outDims[i]);
  }
  w.window = tensor::EmptyOp::create(b, loc, kernel, inTy.getElementType());
  w.maps = {AffineMap::get(loops, 0, xE, ctx), AffineMap::get(loops, 0, wE, ctx),
            AffineMap::get(loops, 0, oE, ctx)};
  w.iters.assign(loops, IteratorType::parallel);
  for (int64_t dim : w.windowDims)
    w.iters[dim] = IteratorType::reduction;
  return w;
}

/// Max pooling with the flat input position of each maximum: one generic
/// with a value and an index output over (n, c, out.., window..); padded
/// positions hold the lowest value and never win.
struct LowerMaxPoolIndices : OpRewritePattern<wt::MaxPoolIndicesOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::MaxPoolIndicesOp op,
                                PatternRewriter &rewriter) const override {
    auto inTy = staticType(op.getInput()), outTy = staticType(op.getOutput());
    if (!inTy || !outTy || !staticType(op.getIndices()) ||
        !inTy.getElementType().isIntOrFloat())
      return rewriter.notifyMatchFailure(op, "needs static numeric types");
    Location loc = op.getLoc();
    int64_t k = inTy.getRank() - 2;
    bool isUnsigned = isUnsignedInt(outTy);
    auto valTy = cast<RankedTensorType>(signlessType(outTy));
    Type elt = valTy.getElementType();
    auto i64 = rewriter.getI64Type();
    ArrayRef<int64_t> strides = op.getStrides(), dil = op.getDilations();
    Value lowest = extremeValue(rewriter, loc, elt, isUnsigned, /*high=*/false);
    PoolWindow win = poolWindow(rewriter, loc, signlessView(rewriter, loc, op.getInput()), outTy,
                                op.getKernel(), strides, dil, op.getPads(), lowest);
    SmallVector<int64_t> &lo = win.lo;
    SmallVector<AffineMap> maps(win.maps);
    maps.push_back(win.maps.back());
    auto idxTy = RankedTensorType::get(valTy.getShape(), i64);
    bool columnMajor = op.getColumnMajor();
    auto g = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valTy, idxTy}, ValueRange{win.input, win.window},
        ValueRange{filled(rewriter, loc, valTy, lowest),
                   filled(rewriter, loc, idxTy, scalarConstant(rewriter, loc, i64, 0))},
        maps, win.iters, [&](OpBuilder &b, Location l, ValueRange a) {
          auto at = [&](int64_t dim) {
            return arith::IndexCastOp::create(b, l, i64, linalg::IndexOp::create(b, l, dim));
          };
          auto cst = [&](int64_t v) { return scalarConstant(b, l, i64, (double)v); };
          // Position in the unpadded input along each spatial dim.
          SmallVector<Value> pos;
          for (int64_t i = 0; i < k; ++i) {
            Value p = arith::AddIOp::create(
                b, l, arith::MulIOp::create(b, l, at(win.outDims[i]), cst(strides[i])),
                arith::MulIOp::create(b, l, at(win.windowDims[i]), cst(dil[i])));
            pos.push_back(arith::SubIOp::create(b, l, p, cst(lo[i])));
          }
          Value flat = arith::AddIOp::create(
              b, l, arith::MulIOp::create(b, l, at(0), cst(inTy.getDimSize(1))), at(1));
          if (!columnMajor) {
            for (int64_t i = 0; i < k; ++i)
              flat = arith::AddIOp::create(
                  b, l, arith::MulIOp::create(b, l, flat, cst(inTy.getDimSize(2 + i))), pos[i]);
          } else {
            int64_t plane = 1;
            for (int64_t i = 0; i < k; ++i)
              plane *= inTy.getDimSize(2 + i);
            flat = arith::MulIOp::create(b, l, flat, cst(plane));
            for (int64_t i = k - 1; i >= 0; --i) {
              int64_t stride = 1;
              for (int64_t j = 0; j < i; ++j)
                stride *= inTy.getDimSize(2 + j);
              flat = arith::AddIOp::create(b, l, flat,
                                           arith::MulIOp::create(b, l, pos[i], cst(stride)));
            }
          }
          Value better;
          if (isa<FloatType>(elt))
            better = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, a[0], a[2]);
          else
            better = arith::CmpIOp::create(
                b, l, isUnsigned ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt, a[0],
                a[2]);
          linalg::YieldOp::create(b, l,
                                  ValueRange{arith::SelectOp::create(b, l, better, a[0], a[2]),
                                             arith::SelectOp::create(b, l, better, flat, a[3])});
        });
    rewriter.replaceOp(op, {restoreSign(rewriter, loc, g.getResult(0), outTy), g.getResult(1)});
    return success();
  }
};

/// Max windows of at least this many elements pool one axis at a time.
constexpr int64_t kSeparablePool = 16;

struct LowerPool : OpRewritePattern<wt::PoolOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::PoolOp op, PatternRewriter &rewriter) const override {
    auto inTy = rankedType(op.getInput()), outTy = rankedType(op.getOutput());
    bool isMax = op.getFn() == wt::PoolFn::max;
    if (!inTy || !outTy || op.getFn() == wt::PoolFn::lp ||
        !(isa<FloatType>(outTy.getElementType()) ||
          (isMax && isa<IntegerType>(outTy.getElementType()))))
      return rewriter.notifyMatchFailure(op, "needs float max/avg or integer max");
    bool cl = op.getChannelsLast();
    int64_t rank = inTy.getRank(), k = rank - 2, sp = cl ? 1 : 2;
    for (int64_t i = 0; i < k; ++i)
      if ((inTy.isDynamicDim(sp + i) || outTy.isDynamicDim(sp + i)) && op.getCeilMode())
        return rewriter.notifyMatchFailure(op, "ceil_mode over a dynamic extent");
    Location loc = op.getLoc();
    ArrayRef<int64_t> kernel = op.getKernel(), pads = op.getPads();
    // A max window is separable: the maximum over K1 x K2.. is the maximum
    // over K2.. of the maxima over K1. Pooling the first spatial axis alone
    // and then the rest reads K1 + K2.. inputs per output, not K1 * K2..
    // (SPP's 5x5 to 13x13 windows).
    int64_t rest = 1;
    for (int64_t v : kernel.drop_front())
      rest *= v;
    if (isMax && k >= 2 && kernel[0] > 1 && rest > 1 && kernel[0] * rest >= kSeparablePool &&
        inTy.hasStaticShape() && outTy.hasStaticShape()) {
      auto ones = [&](int64_t first) {
        SmallVector<int64_t> v(k, 1);
        v[0] = first;
        return v;
      };
      SmallVector<int64_t> midShape(inTy.getShape()), restKernel(kernel), restStrides(op.getStrides()),
          restDil(op.getDilations()), firstPads(2 * k, 0), restPads(pads);
      midShape[sp] = outTy.getDimSize(sp);
      restKernel[0] = restStrides[0] = restDil[0] = 1;
      firstPads[0] = pads[0];
      firstPads[k] = pads[k];
      restPads[0] = restPads[k] = 0;
      auto pool = [&](Value x, RankedTensorType ty, ArrayRef<int64_t> kern, ArrayRef<int64_t> str,
                      ArrayRef<int64_t> dl, ArrayRef<int64_t> pd) {
        return wt::PoolOp::create(rewriter, loc, ty, x, op.getFnAttr(),
                                  rewriter.getDenseI64ArrayAttr(kern),
                                  rewriter.getDenseI64ArrayAttr(str),
                                  rewriter.getDenseI64ArrayAttr(dl),
                                  rewriter.getDenseI64ArrayAttr(pd), op.getCeilModeAttr(),
                                  op.getCountIncludePadAttr(), op.getPAttr(),
                                  op.getChannelsLastAttr());
      };
      Value mid = pool(op.getInput(), RankedTensorType::get(midShape, inTy.getElementType()),
                       ones(kernel[0]), ones(op.getStrides()[0]), ones(op.getDilations()[0]),
                       firstPads);
      rewriter.replaceOp(op, pool(mid, outTy, restKernel, restStrides, restDil, restPads));
      return success();
    }
    bool isUnsigned = isUnsignedInt(outTy);
    RankedTensorType origOutTy = outTy;
    outTy = cast<RankedTensorType>(signlessType(outTy));
    Type elt = outTy.getElementType();
    Value padValue = isMax ? extremeValue(rewriter, loc, elt, isUnsigned, /*high=*/false)
                           : scalarConstant(rewriter, loc, elt, 0.0);
    PoolWindow win = poolWindow(rewriter, loc, signlessView(rewriter, loc, op.getInput()), outTy,
                                kernel, op.getStrides(), op.getDilations(), pads, padValue, cl);
    SmallVector<int64_t> &lo = win.lo, &hi = win.hi, &extra = win.extra;
    Value x = win.input, window = win.window;
    SmallVector<AffineMap> &maps = win.maps;
    SmallVector<IteratorType> &iters = win.iters;
    Value init = filled(rewriter, loc, outTy, padValue, win.outSizes);
    Value acc = linalg::GenericOp::create(
                    rewriter, loc, outTy, ValueRange{x, window}, init, maps, iters,
                    [&](OpBuilder &nb, Location nl, ValueRange a) {
                      Value r = isMax ? maxOf(nb, nl, a[2], a[0], isUnsigned)
                                      : arith::AddFOp::create(nb, nl, a[2], a[0]).getResult();
                      linalg::YieldOp::create(nb, nl, r);
                    })
                    .getResult(0);
    if (!isMax) {
      // Divisor per output: the window's size counted over a tensor of ones
      // padded like the input: explicit pads count only with
      // count_include_pad, the extra ceil_mode padding never does.
      bool anyPad = llvm::any_of(lo, [](int64_t v) { return v; }) ||
                    llvm::any_of(hi, [](int64_t v) { return v; });
      Value divisor;
      if (!anyPad) {
        int64_t count = 1;
        for (int64_t v : kernel)
          count *= v;
        divisor = scalarConstant(rewriter, loc, elt, (double)count);
        acc = buildElementwise(rewriter, loc, outTy, acc,
                               [&](OpBuilder &nb, Location nl, ValueRange a) {
                                 return arith::DivFOp::create(nb, nl, a[0], divisor).getResult();
                               });
      } else {
        SmallVector<int64_t> onesShape(rank, 1), cntShape(rank, 1);
        SmallVector<OpFoldResult> onesSizes(rank, rewriter.getIndexAttr(1)), cntSizes(onesSizes);
        for (int64_t i = 0; i < k; ++i) {
          onesShape[sp + i] = inTy.getDimSize(sp + i);
          cntShape[sp + i] = outTy.getDimSize(sp + i);
          onesSizes[sp + i] = tensor::getMixedSize(rewriter, loc, op.getInput(), sp + i);
          cntSizes[sp + i] = win.outSizes[sp + i];
        }
        Value ones = filled(rewriter, loc, RankedTensorType::get(onesShape, elt),
                            scalarConstant(rewriter, loc, elt, 1.0), onesSizes);
        SmallVector<int64_t> hiExplicit(pads.drop_front(k));
        Value padded = padSpatial(rewriter, loc, ones, pads.take_front(k), hiExplicit,
                                  scalarConstant(rewriter, loc, elt,
                                                 op.getCountIncludePad() ? 1.0 : 0.0),
                                  sp);
        padded = padSpatial(rewriter, loc, padded, SmallVector<int64_t>(k, 0), extra,
                            scalarConstant(rewriter, loc, elt, 0.0), sp);
        auto cntTy = RankedTensorType::get(cntShape, elt);
        Value cntInit =
            filled(rewriter, loc, cntTy, scalarConstant(rewriter, loc, elt, 0.0), cntSizes);
        Value counts = linalg::GenericOp::create(
                           rewriter, loc, cntTy, ValueRange{padded, window}, cntInit, maps,
                           iters,
                           [](OpBuilder &nb, Location nl, ValueRange a) {
                             linalg::YieldOp::create(
                                 nb, nl, ValueRange{arith::AddFOp::create(nb, nl, a[2], a[0])});
                           })
                           .getResult(0);
        acc = buildElementwise(rewriter, loc, outTy, ValueRange{acc, counts},
                               [](OpBuilder &nb, Location nl, ValueRange a) {
                                 return arith::DivFOp::create(nb, nl, a[0], a[1]).getResult();
                               });
      }
    }
    rewriter.replaceOp(op, restoreSign(rewriter, loc, acc, origOutTy));
    return success();
  }
};

using Combine = llvm::function_ref<Value(OpBuilder &, Location, Value, Value)>;

Value buildReduce(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
                  RankedTensorType resultType, Value initValue, Combine combine,
                  Combine merge = nullptr);

/// Lanes of a split reduction's partial results (one vector of f32).
constexpr int64_t kReductionLanes = 16;

/// A static f32 reduction over the trailing dims of `input`, of at least 64
/// elements per row and a multiple of kReductionLanes, in two steps: each
/// row's elements fold into kReductionLanes partials with `combine` (the
/// lanes the innermost, parallel loop: one vector operation per
/// kReductionLanes elements instead of a serial chain of scalar ones),
/// then the partials fold with `merge`. For max/min the result is the
/// same; a sum is reassociated (lane-strided partial sums). Null when the
/// reduction does not qualify.
Value splitReduce(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
                  RankedTensorType resultType, Value initValue, Combine combine, Combine merge) {
  auto inTy = cast<RankedTensorType>(input.getType());
  int64_t rank = inTy.getRank(), outer = rank - (int64_t)axes.size();
  if (!inTy.hasStaticShape() || !inTy.getElementType().isF32() || axes.empty() ||
      outer < 1 || !resultType.hasStaticShape())
    return {};
  for (auto [i, a] : llvm::enumerate(axes))
    if (a != outer + (int64_t)i)
      return {};
  int64_t row = 1;
  for (int64_t a : axes)
    row *= inTy.getDimSize(a);
  if (row < 4 * kReductionLanes || row % kReductionLanes)
    return {};
  Type elt = inTy.getElementType();
  SmallVector<int64_t> shape(inTy.getShape().take_front(outer));
  // [outer.., row / lanes, lanes]
  SmallVector<int64_t> splitShape(shape);
  splitShape.append({row / kReductionLanes, kReductionLanes});
  SmallVector<ReassociationIndices> toRow;
  for (int64_t i = 0; i < outer; ++i)
    toRow.push_back({i});
  ReassociationIndices rowDims;
  for (int64_t i = outer; i < rank; ++i)
    rowDims.push_back(i);
  toRow.push_back(rowDims);
  SmallVector<int64_t> rowShape(shape);
  rowShape.push_back(row);
  Value x = input;
  if (axes.size() > 1)
    x = tensor::CollapseShapeOp::create(b, loc, RankedTensorType::get(rowShape, elt), x, toRow);
  SmallVector<ReassociationIndices> toSplit;
  for (int64_t i = 0; i < outer; ++i)
    toSplit.push_back({i});
  toSplit.push_back({outer, outer + 1});
  x = tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get(splitShape, elt), x, toSplit);
  // Partials (loops outer.., r reduction, lane), then the partials folded.
  SmallVector<int64_t> partialShape(shape);
  partialShape.push_back(kReductionLanes);
  Value partial = buildReduce(b, loc, x, {outer}, RankedTensorType::get(partialShape, elt),
                              initValue, combine);
  Value merged = buildReduce(b, loc, partial, {outer}, RankedTensorType::get(shape, elt),
                             initValue, merge);
  // Sums are reassociated by it (docs/passes.md): --report says where.
  recordRewrite("convert-whittle-to-linalg", "row reductions in 16 lane partials");
  if (resultType.getRank() == outer)
    return merged;
  // Kept dims: [outer..] -> [outer.., 1..].
  SmallVector<ReassociationIndices> keep;
  for (int64_t i = 0; i < outer; ++i)
    keep.push_back({i});
  for (int64_t i = outer; i < rank; ++i)
    keep.back().push_back(i);
  return tensor::ExpandShapeOp::create(b, loc, resultType, merged, keep);
}

/// Reduces `input` over `axes` with `combine` from `initValue`; the result
/// keeps reduced dims as size 1 when `resultType` does. With `merge` (how
/// two partial results combine), a long static f32 row reduction runs in
/// vector lanes first (splitReduce).
Value buildReduce(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
                  RankedTensorType resultType, Value initValue, Combine combine,
                  Combine merge) {
  if (merge)
    if (Value v = splitReduce(b, loc, input, axes, resultType, initValue, combine, merge))
      return v;
  auto inTy = cast<RankedTensorType>(input.getType());
  MLIRContext *ctx = b.getContext();
  int64_t rank = inTy.getRank();
  bool keep = resultType.getRank() == rank;
  SmallVector<AffineExpr> outE;
  SmallVector<IteratorType> iters;
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < rank; ++i) {
    bool reduced = llvm::is_contained(axes, i);
    iters.push_back(reduced ? IteratorType::reduction : IteratorType::parallel);
    if (!reduced) {
      outE.push_back(getAffineDimExpr(i, ctx));
      sizes.push_back(tensor::getMixedSize(b, loc, input, i));
    } else if (keep) {
      outE.push_back(getAffineConstantExpr(0, ctx));
      sizes.push_back(b.getIndexAttr(1));
    }
  }
  Value init = filled(b, loc, resultType, initValue, sizes);
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank),
                              AffineMap::get(rank, 0, outE, ctx)};
  return linalg::GenericOp::create(
             b, loc, resultType, input, init, maps, iters,
             [&](OpBuilder &nb, Location nl, ValueRange a) {
               linalg::YieldOp::create(nb, nl, ValueRange{combine(nb, nl, a[1], a[0])});
             })
      .getResult(0);
}

/// Reductions of floats and (signed or unsigned) integers; the log, exp and
/// root forms are float-only.
struct LowerReduce : OpRewritePattern<wt::ReduceOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ReduceOp op, PatternRewriter &rewriter) const override {
    auto inTy = rankedType(op.getInput()), origOutTy = rankedType(op.getOutput());
    if (!inTy || !origOutTy || !origOutTy.getElementType().isIntOrFloat() ||
        inTy.getElementType() != origOutTy.getElementType())
      return rewriter.notifyMatchFailure(op, "needs ranked numeric types");
    auto outTy = cast<RankedTensorType>(signlessType(origOutTy));
    Type elt = outTy.getElementType();
    bool isUnsigned = isUnsignedInt(origOutTy);
    wt::ReduceFn fn = op.getFn();
    if (!reductionSupported(fn, elt))
      return rewriter.notifyMatchFailure(op, "float-only reduction of integers");
    Location loc = op.getLoc();
    Value input = signlessView(rewriter, loc, op.getInput());
    Reduction red = reduction(rewriter, loc, fn, elt, isUnsigned);
    Value r = buildReduce(rewriter, loc, input, op.getAxes(), outTy, red.init, red.combine);
    if (needsFinish(fn)) {
      // The number of reduced elements, counted at run time over dynamic dims.
      int64_t count = 1;
      Value dynCount;
      for (int64_t a : op.getAxes()) {
        if (!inTy.isDynamicDim(a)) {
          count *= inTy.getDimSize(a);
          continue;
        }
        Value d = tensor::DimOp::create(rewriter, loc, input, a);
        dynCount = dynCount ? arith::MulIOp::create(rewriter, loc, dynCount, d).getResult() : d;
      }
      Value c = scalarConstant(rewriter, loc, elt, (double)count);
      if (dynCount) {
        Value n = arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), dynCount);
        Value dc = isa<FloatType>(elt) ? arith::SIToFPOp::create(rewriter, loc, elt, n).getResult()
                   : elt.getIntOrFloatBitWidth() < 64
                       ? arith::TruncIOp::create(rewriter, loc, elt, n).getResult()
                       : n;
        c = isa<FloatType>(elt) ? arith::MulFOp::create(rewriter, loc, c, dc).getResult()
                                : arith::MulIOp::create(rewriter, loc, c, dc).getResult();
      }
      r = buildElementwise(rewriter, loc, outTy, r, [&](OpBuilder &b, Location l, ValueRange a) {
        return finishReduction(b, l, fn, a[0], c, isUnsigned);
      });
    }
    rewriter.replaceOp(op, restoreSign(rewriter, loc, r, origOutTy));
    return success();
  }
};

/// Reduction over run-time axes: per input dim a run-time "reduced" flag;
/// every input element is combined into the result element whose linear
/// index skips the reduced dims. The accumulator is 1-D over the result's
/// static element count, reshaped at the end.
struct LowerDynamicReduce : OpRewritePattern<wt::DynamicReduceOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::DynamicReduceOp op,
                                PatternRewriter &rewriter) const override {
    auto inTy = staticType(op.getInput()), origOutTy = staticType(op.getOutput()),
         axTy = staticType(op.getAxes());
    if (!inTy || !origOutTy || !axTy || !origOutTy.getElementType().isIntOrFloat())
      return rewriter.notifyMatchFailure(op, "needs static numeric types");
    Location loc = op.getLoc();
    Type elt = signlessType(origOutTy.getElementType());
    bool isUnsigned = isUnsignedInt(origOutTy);
    wt::ReduceFn fn = op.getFn();
    if (!reductionSupported(fn, elt))
      return rewriter.notifyMatchFailure(op, "float-only reduction of integers");
    int64_t rank = inTy.getRank(), n = axTy.getDimSize(0);
    Value input = signlessView(rewriter, loc, op.getInput());
    if (n == 0 && op.getNoopWithEmptyAxes()) {
      if (inTy.getShape() != origOutTy.getShape())
        return rewriter.notifyMatchFailure(op, "a no-op that changes the shape");
      rewriter.replaceOp(op, op.getInput());
      return success();
    }
    auto cidx = [&](int64_t v) { return arith::ConstantIndexOp::create(rewriter, loc, v); };
    using P = arith::CmpIPredicate;
    // reduced[d]: some axis names d (every dim when the axes are empty).
    SmallVector<Value> reduced(rank);
    for (int64_t d = 0; d < rank; ++d) {
      Value any = arith::ConstantIntOp::create(rewriter, loc, n == 0 ? 1 : 0, 1);
      for (int64_t k = 0; k < n; ++k) {
        Value a = tensor::ExtractOp::create(rewriter, loc, op.getAxes(), ValueRange{cidx(k)});
        a = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), a);
        Value wrapped = arith::SelectOp::create(
            rewriter, loc, arith::CmpIOp::create(rewriter, loc, P::slt, a, cidx(0)),
            arith::AddIOp::create(rewriter, loc, a, cidx(rank)), a);
        any = arith::OrIOp::create(rewriter, loc, any,
                                   arith::CmpIOp::create(rewriter, loc, P::eq, wrapped, cidx(d)));
      }
      reduced[d] = any;
    }
    // Result strides over the kept dims, innermost first; and the count.
    SmallVector<Value> strides(rank);
    Value stride = cidx(1), count = cidx(1);
    for (int64_t d = rank - 1; d >= 0; --d) {
      strides[d] = stride;
      Value size = cidx(inTy.getDimSize(d));
      stride = arith::SelectOp::create(rewriter, loc, reduced[d], stride,
                                       arith::MulIOp::create(rewriter, loc, stride, size));
      count = arith::SelectOp::create(rewriter, loc, reduced[d],
                                      arith::MulIOp::create(rewriter, loc, count, size), count);
    }
    auto flatTy = RankedTensorType::get({origOutTy.getNumElements()}, elt);
    Reduction red = reduction(rewriter, loc, fn, elt, isUnsigned);
    Value acc = filled(rewriter, loc, flatTy, red.init);
    acc = loopNestCarrying(
        rewriter, loc, inTy.getShape(), acc,
        [&](OpBuilder &b, Location l, ValueRange ivs, Value carried) -> Value {
          Value lin = arith::ConstantIndexOp::create(b, l, 0);
          for (int64_t d = 0; d < rank; ++d) {
            Value term = arith::MulIOp::create(b, l, ivs[d], strides[d]);
            term = arith::SelectOp::create(b, l, reduced[d],
                                           arith::ConstantIndexOp::create(b, l, 0), term);
            lin = arith::AddIOp::create(b, l, lin, term);
          }
          Value x = tensor::ExtractOp::create(b, l, input, ivs);
          Value old = tensor::ExtractOp::create(b, l, carried, ValueRange{lin});
          return tensor::InsertOp::create(b, l, red.combine(b, l, old, x), carried,
                                          ValueRange{lin});
        });
    if (needsFinish(fn)) {
      Value c = arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), count);
      if (isa<FloatType>(elt))
        c = arith::UIToFPOp::create(rewriter, loc, elt, c);
      else if (!elt.isInteger(64))
        c = arith::TruncIOp::create(rewriter, loc, elt, c);
      acc = buildElementwise(rewriter, loc, flatTy, acc,
                             [&](OpBuilder &b, Location l, ValueRange a) {
                               return finishReduction(b, l, fn, a[0], c, isUnsigned);
                             });
    }
    Value r = reshapeTo(rewriter, loc, acc,
                        cast<RankedTensorType>(signlessType(origOutTy)));
    rewriter.replaceOp(op, restoreSign(rewriter, loc, r, origOutTy));
    return success();
  }
};

/// One generic: the result's letters are the parallel loops, the other
/// letters reductions; each input reads through its term's letters.
struct LowerEinsum : OpRewritePattern<wt::EinsumOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::EinsumOp op, PatternRewriter &rewriter) const override {
    auto outTy = staticType(op.getOutput());
    if (!outTy || !isSignlessOrFloat(outTy) ||
        llvm::any_of(op.getInputs(), [](Value v) { return !staticType(v); }))
      return rewriter.notifyMatchFailure(op, "needs static signless types");
    auto [lhs, out] = op.getEquation().split("->");
    SmallVector<StringRef> terms;
    lhs.split(terms, ',');
    std::string letters = out.str();
    for (StringRef t : terms)
      for (char c : t)
        if (letters.find(c) == std::string::npos)
          letters += c;
    MLIRContext *ctx = getContext();
    int64_t loops = letters.size();
    auto mapOf = [&](StringRef term) {
      SmallVector<AffineExpr> e;
      for (char c : term)
        e.push_back(getAffineDimExpr(letters.find(c), ctx));
      return AffineMap::get(loops, 0, e, ctx);
    };
    SmallVector<AffineMap> maps;
    for (StringRef t : terms)
      maps.push_back(mapOf(t));
    maps.push_back(mapOf(out));
    SmallVector<IteratorType> iters(loops, IteratorType::reduction);
    for (size_t i = 0; i < out.size(); ++i)
      iters[i] = IteratorType::parallel;
    Location loc = op.getLoc();
    Type elt = outTy.getElementType();
    Value init = filled(rewriter, loc, outTy, scalarConstant(rewriter, loc, elt, 0.0));
    bool isFloat = isa<FloatType>(elt);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, outTy, op.getInputs(), init, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value acc = a.back();
          ValueRange ins = a.drop_back();
          Value p = ins[0];
          for (Value v : ins.drop_front())
            p = isFloat ? arith::MulFOp::create(b, l, p, v).getResult()
                        : arith::MulIOp::create(b, l, p, v).getResult();
          Value r = isFloat ? arith::AddFOp::create(b, l, acc, p).getResult()
                            : arith::AddIOp::create(b, l, acc, p).getResult();
          linalg::YieldOp::create(b, l, r);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// Running sum along static `axis`: one visit per element in row-major
/// order (reversed for `reverse`), adding the neighbour already computed.
Value buildCumSum(OpBuilder &b, Location loc, Value input, int64_t axis,
                  bool exclusive, bool reverse) {
  auto ty = cast<RankedTensorType>(input.getType());
  Type elt = ty.getElementType();
  bool isFloat = isa<FloatType>(elt);
  Value zero = scalarConstant(b, loc, elt, 0.0);
  int64_t n = ty.getDimSize(axis);
  return loopNestCarrying(
      b, loc, ty.getShape(), filled(b, loc, ty, zero),
      [&](OpBuilder &nb, Location l, ValueRange ivs, Value acc) -> Value {
        SmallVector<Value> at(ivs.begin(), ivs.end());
        if (reverse)
          for (int64_t d = 0; d < ty.getRank(); ++d)
            at[d] = arith::SubIOp::create(
                nb, l, arith::ConstantIndexOp::create(nb, l, ty.getDimSize(d) - 1), ivs[d]);
        Value k = at[axis];
        Value edge = arith::ConstantIndexOp::create(nb, l, reverse ? n - 1 : 0);
        Value first = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, k, edge);
        // The neighbour visited just before along the axis (itself at the edge).
        Value step = arith::ConstantIndexOp::create(nb, l, reverse ? 1 : -1);
        SmallVector<Value> prev(at);
        prev[axis] = arith::SelectOp::create(nb, l, first, k,
                                             arith::AddIOp::create(nb, l, k, step));
        auto add = [&](Value x, Value y) {
          return isFloat ? arith::AddFOp::create(nb, l, x, y).getResult()
                         : arith::AddIOp::create(nb, l, x, y).getResult();
        };
        Value before = arith::SelectOp::create(
            nb, l, first, zero, tensor::ExtractOp::create(nb, l, acc, prev));
        Value x = exclusive ? (Value)arith::SelectOp::create(
                                  nb, l, first, zero, tensor::ExtractOp::create(nb, l, input, prev))
                            : (Value)tensor::ExtractOp::create(nb, l, input, at);
        return tensor::InsertOp::create(nb, l, add(before, x), acc, at);
      });
}

/// A run-time axis picks one of the static-axis loops with scf.index_switch.
struct LowerCumSum : OpRewritePattern<wt::CumSumOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::CumSumOp op, PatternRewriter &rewriter) const override {
    auto origTy = staticType(op.getInput());
    if (!origTy || !origTy.getElementType().isIntOrFloat())
      return rewriter.notifyMatchFailure(op, "needs a static numeric input");
    Location loc = op.getLoc();
    Value input = signlessView(rewriter, loc, op.getInput());
    auto ty = cast<RankedTensorType>(input.getType());
    bool exclusive = op.getExclusive(), reverse = op.getReverse();
    Value r;
    if (!op.getAxisValue()) {
      r = buildCumSum(rewriter, loc, input, op.getAxis(), exclusive, reverse);
    } else {
      auto aTy = cast<RankedTensorType>(op.getAxisValue().getType());
      SmallVector<Value> zeros(aTy.getRank(), arith::ConstantIndexOp::create(rewriter, loc, 0));
      Value a = tensor::ExtractOp::create(rewriter, loc, op.getAxisValue(), zeros);
      a = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), a);
      a = wrapIndex(rewriter, loc, a, ty.getRank());
      SmallVector<int64_t> cases;
      for (int64_t d = 0; d < ty.getRank(); ++d)
        cases.push_back(d);
      auto sw = scf::IndexSwitchOp::create(rewriter, loc, TypeRange{ty}, a, cases,
                                           cases.size());
      for (int64_t d = 0; d <= ty.getRank(); ++d) {
        // Cases 0..rank-1, then the default (an out-of-range axis: the input).
        Region &region = d < ty.getRank() ? sw.getCaseRegions()[d] : sw.getDefaultRegion();
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPointToStart(&region.emplaceBlock());
        Value v = d < ty.getRank() ? buildCumSum(rewriter, loc, input, d, exclusive, reverse)
                                   : input;
        scf::YieldOp::create(rewriter, loc, v);
      }
      r = sw.getResult(0);
    }
    rewriter.replaceOp(op, restoreSign(rewriter, loc, r, origTy));
    return success();
  }
};

/// softmax(x) = exp(x - max) / sum(exp(x - max)) along one axis.
struct LowerSoftmax : OpRewritePattern<wt::SoftmaxOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::SoftmaxOp op, PatternRewriter &rewriter) const override {
    auto ty = rankedType(op.getInput());
    if (!ty)
      return rewriter.notifyMatchFailure(op, "needs a ranked input");
    Location loc = op.getLoc();
    int64_t axis = op.getAxis();
    SmallVector<int64_t> keptShape(ty.getShape());
    keptShape[axis] = 1;
    auto keptTy = RankedTensorType::get(keptShape, ty.getElementType());
    auto maximum = [](OpBuilder &b, Location l, Value acc, Value x) -> Value {
      return arith::MaximumFOp::create(b, l, acc, x);
    };
    auto add = [](OpBuilder &b, Location l, Value acc, Value x) -> Value {
      return arith::AddFOp::create(b, l, acc, x);
    };
    Value mx = buildReduce(rewriter, loc, op.getInput(), {axis}, keptTy,
                           extremeValue(rewriter, loc, ty.getElementType(), false, false),
                           maximum, maximum);
    Value shifted = buildElementwise(rewriter, loc, ty, ValueRange{op.getInput(), mx},
                                     [](OpBuilder &b, Location l, ValueRange a) -> Value {
                                       return arith::SubFOp::create(b, l, a[0], a[1]);
                                     });
    Value e = buildElementwise(rewriter, loc, ty, shifted,
                               [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                                 return op.getLog() ? a[0]
                                                    : math::ExpOp::create(b, l, a[0]).getResult();
                               });
    Value sum = buildReduce(rewriter, loc, op.getLog() ? shifted : e, {axis}, keptTy,
                            scalarConstant(rewriter, loc, ty.getElementType(), 0.0),
                            [&](OpBuilder &b, Location l, Value acc, Value x) -> Value {
                              Value v = op.getLog() ? math::ExpOp::create(b, l, x).getResult() : x;
                              return arith::AddFOp::create(b, l, acc, v);
                            },
                            add);
    Value r = buildElementwise(rewriter, loc, ty, ValueRange{e, sum},
                               [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                                 if (op.getLog())
                                   return arith::SubFOp::create(
                                       b, l, a[0], math::LogOp::create(b, l, a[1]));
                                 return arith::DivFOp::create(b, l, a[0], a[1]);
                               });
    if (r.getType() != op.getOutput().getType())
      r = tensor::CastOp::create(rewriter, loc, op.getOutput().getType(), r);
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// Index of the max/min along one axis: one generic carrying the best value
/// and its index; ties keep the first (or the last with select_last_index).
struct LowerArgReduce : OpRewritePattern<wt::ArgReduceOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::ArgReduceOp op, PatternRewriter &rewriter) const override {
    auto inTy = rankedType(op.getInput()), outTy = rankedType(op.getOutput());
    if (!inTy || !outTy || !inTy.getElementType().isIntOrFloat())
      return rewriter.notifyMatchFailure(op, "needs ranked numeric types");
    Location loc = op.getLoc();
    MLIRContext *ctx = getContext();
    int64_t rank = inTy.getRank(), axis = op.getAxis();
    SmallVector<OpFoldResult> keptSizes = sizesOf(rewriter, loc, op.getInput());
    keptSizes[axis] = rewriter.getIndexAttr(1);
    bool isMax = op.getFn() == wt::ReduceFn::max, last = op.getSelectLastIndex();
    bool isUnsigned = isUnsignedInt(inTy);
    Value input = signlessView(rewriter, loc, op.getInput());
    Type elt = signlessType(inTy.getElementType());
    SmallVector<int64_t> keptShape(inTy.getShape());
    keptShape[axis] = 1;
    SmallVector<AffineExpr> outE;
    SmallVector<utils::IteratorType> iters;
    for (int64_t i = 0; i < rank; ++i) {
      iters.push_back(i == axis ? utils::IteratorType::reduction : utils::IteratorType::parallel);
      outE.push_back(i == axis ? getAffineConstantExpr(0, ctx) : getAffineDimExpr(i, ctx));
    }
    AffineMap outMap = AffineMap::get(rank, 0, outE, ctx);
    auto valTy = RankedTensorType::get(keptShape, elt);
    auto idxTy = RankedTensorType::get(keptShape, rewriter.getI64Type());
    Value vInit = filled(rewriter, loc, valTy,
                         extremeValue(rewriter, loc, elt, isUnsigned, /*high=*/!isMax), keptSizes);
    Value iInit = filled(rewriter, loc, idxTy,
                         scalarConstant(rewriter, loc, rewriter.getI64Type(), 0), keptSizes);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{valTy, idxTy}, input, ValueRange{vInit, iInit},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank), outMap, outMap}, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value i = arith::IndexCastOp::create(b, l, b.getI64Type(),
                                               linalg::IndexOp::create(b, l, axis));
          Value better;
          if (isa<FloatType>(elt)) {
            auto pred = isMax ? (last ? arith::CmpFPredicate::OGE : arith::CmpFPredicate::OGT)
                              : (last ? arith::CmpFPredicate::OLE : arith::CmpFPredicate::OLT);
            better = arith::CmpFOp::create(b, l, pred, a[0], a[1]);
          } else {
            using P = arith::CmpIPredicate;
            P pred = isMax ? (last ? (isUnsigned ? P::uge : P::sge) : (isUnsigned ? P::ugt : P::sgt))
                           : (last ? (isUnsigned ? P::ule : P::sle) : (isUnsigned ? P::ult : P::slt));
            better = arith::CmpIOp::create(b, l, pred, a[0], a[1]);
          }
          linalg::YieldOp::create(
              b, l, ValueRange{arith::SelectOp::create(b, l, better, a[0], a[1]),
                               arith::SelectOp::create(b, l, better, i, a[2])});
        });
    Value idx = generic.getResult(1);
    if (idxTy != outTy) {
      SmallVector<OpFoldResult> outSizes(keptSizes);
      if (outTy.getRank() < rank)
        outSizes.erase(outSizes.begin() + axis);
      idx = reshapeTo(rewriter, loc, idx, outTy, outSizes);
    }
    rewriter.replaceOp(op, idx);
    return success();
  }
};

/// (x - mean) / sqrt(var + eps) * scale + bias over the axes from `axis` on.
struct LowerLayerNorm : OpRewritePattern<wt::LayerNormOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::LayerNormOp op, PatternRewriter &rewriter) const override {
    auto ty = rankedType(op.getInput()), outTy = rankedType(op.getOutput());
    if (!ty || !outTy || !staticType(op.getScale()) ||
        (op.getBias() && !staticType(op.getBias())))
      return rewriter.notifyMatchFailure(op, "needs ranked types, static scale and bias");
    for (int64_t i = op.getAxis(); i < ty.getRank(); ++i)
      if (ty.isDynamicDim(i))
        return rewriter.notifyMatchFailure(op, "a dynamic normalized dim");
    Location loc = op.getLoc();
    Type elt = ty.getElementType();
    SmallVector<int64_t> axes, kept(ty.getShape());
    int64_t count = 1;
    for (int64_t i = op.getAxis(); i < ty.getRank(); ++i) {
      axes.push_back(i);
      kept[i] = 1;
      count *= ty.getDimSize(i);
    }
    auto keptTy = RankedTensorType::get(kept, elt);
    auto add = [](OpBuilder &b, Location l, Value acc, Value x) -> Value {
      return arith::AddFOp::create(b, l, acc, x);
    };
    Value n = scalarConstant(rewriter, loc, elt, (double)count);
    Value zero = scalarConstant(rewriter, loc, elt, 0.0);
    Value sum = buildReduce(rewriter, loc, op.getInput(), axes, keptTy, zero, add, add);
    Value centered = buildElementwise(
        rewriter, loc, ty, ValueRange{op.getInput(), sum},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          return arith::SubFOp::create(b, l, a[0], arith::DivFOp::create(b, l, a[1], n));
        });
    Value sq = buildReduce(rewriter, loc, centered, axes, keptTy, zero,
                           [](OpBuilder &b, Location l, Value acc, Value x) -> Value {
                             return arith::AddFOp::create(b, l, acc, arith::MulFOp::create(b, l, x, x));
                           },
                           add);
    double eps = op.getEpsilon().convertToDouble();
    SmallVector<Value> ins{centered, sq, op.getScale()};
    if (op.getBias())
      ins.push_back(op.getBias());
    Value y = buildElementwise(
        rewriter, loc, outTy, ins, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value var = arith::DivFOp::create(b, l, a[1], n);
          Value inv = math::RsqrtOp::create(
              b, l, arith::AddFOp::create(b, l, var, scalarConstant(b, l, elt, eps)));
          Value v = arith::MulFOp::create(b, l, arith::MulFOp::create(b, l, a[0], inv), a[2]);
          return a.size() > 3 ? arith::AddFOp::create(b, l, v, a[3]).getResult() : v;
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// Attention as its parts: the scale goes on the query (Sq x D multiplies
/// instead of Sq x Sk), the scores are one matmul reading the key in
/// place, the mask add and the softmax's passes fuse into elementwise
/// loops, and a second matmul weighs the values.
struct LowerAttention : OpRewritePattern<wt::AttentionOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::AttentionOp op, PatternRewriter &rewriter) const override {
    auto qTy = rankedType(op.getQuery()), kTy = rankedType(op.getKey());
    if (!qTy || !kTy)
      return rewriter.notifyMatchFailure(op, "needs ranked operands");
    Location loc = op.getLoc();
    int64_t r = qTy.getRank();
    Type elt = qTy.getElementType();
    Value q = op.getQuery();
    if (op.getScale().convertToDouble() != 1.0) {
      Value s = wt::ConstantOp::create(
          rewriter, loc,
          wt::makeElements(RankedTensorType::get({}, elt), {op.getScale().convertToDouble()}));
      q = wt::BinaryOp::create(rewriter, loc, qTy, q, s, wt::BinaryFn::mul);
    }
    SmallVector<int64_t> scoreShape(qTy.getShape().drop_back());
    scoreShape.push_back(kTy.getDimSize(op.getKeyTransposed() ? r - 1 : r - 2));
    auto scoreTy = RankedTensorType::get(scoreShape, elt);
    Value scores = wt::MatmulOp::create(rewriter, loc, scoreTy, q, op.getKey(), Value(), Value(),
                                        false, !op.getKeyTransposed(), wt::EpilogueAttr());
    if (op.getMask())
      scores = wt::BinaryOp::create(rewriter, loc, scoreTy, scores, op.getMask(),
                                    wt::BinaryFn::add);
    Value probs = wt::SoftmaxOp::create(rewriter, loc, scoreTy, scores, r - 1, false);
    rewriter.replaceOpWithNewOp<wt::MatmulOp>(op, op.getOutput().getType(), probs, op.getValue(),
                                              Value(), Value(), false, false, wt::EpilogueAttr());
    return success();
  }
};

} // namespace

void whittle::lowering::populateStructuredLowerings(RewritePatternSet &patterns,
                                                   ContractionOptions options) {
  patterns.add<LowerConv, LowerMatmul>(patterns.getContext(), options);
  patterns.add<LowerDynamicReduce, LowerEinsum, LowerCumSum, LowerPool,
               LowerMaxPoolIndices, LowerReduce, LowerSoftmax, LowerArgReduce, LowerLayerNorm, LowerAttention>(
      patterns.getContext());
}
