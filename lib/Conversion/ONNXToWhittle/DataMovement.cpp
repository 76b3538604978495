//===- DataMovement.cpp - constants, shapes, reshapes, slicing ------------===//
//
// Every op here needs some of its inputs to be constants (the target shape
// of a Reshape, the bounds of a Slice, ...); constant inputs become static
// attributes. Where ONNX computed a shape at run time and the result type is
// not static, the shape travels as an operand (Reshape, Expand,
// ConstantOfShape) or the handler declines and the op stays onnx.
//
//===----------------------------------------------------------------------===//

#include "LegalizationTable.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace whittle;
using namespace whittle::conversion;

namespace {

/// Replaces `op` by a reshape of `input` to the op's own result type.
LogicalResult replaceWithReshape(Operation *op, PatternRewriter &rewriter,
                                 Value input, Value shape = Value()) {
  auto outTy = rankedType(op->getResult(0));
  if (!outTy)
    return rewriter.notifyMatchFailure(op, "result rank unknown");
  if (!shape && outTy.getNumDynamicDims() > 1)
    return rewriter.notifyMatchFailure(op, "more than one dynamic dim");
  rewriter.replaceOpWithNewOp<wt::ReshapeOp>(op, outTy, input, shape, false);
  return success();
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

LogicalResult convertConstant(onnx::ConstantOp op, PatternRewriter &rewriter) {
  auto resultTy = cast<ShapedType>(op.getOutput().getType());
  ElementsAttr value;
  if (auto v = op.getValueAttr()) {
    value = v;
  } else if (auto f = op.getValueFloatAttr()) {
    value = DenseElementsAttr::get(RankedTensorType::get({}, rewriter.getF32Type()),
                                   ArrayRef<Attribute>{f});
  } else if (auto i = op.getValueIntAttr()) {
    value = DenseElementsAttr::get(RankedTensorType::get({}, rewriter.getI64Type()),
                                   ArrayRef<Attribute>{i});
  } else if (auto fs = op.getValueFloats()) {
    value = DenseElementsAttr::get(
        RankedTensorType::get({(int64_t)fs->size()}, rewriter.getF32Type()), *fs);
  } else if (auto is = op.getValueInts()) {
    value = DenseElementsAttr::get(
        RankedTensorType::get({(int64_t)is->size()}, rewriter.getI64Type()), *is);
  } else {
    return rewriter.notifyMatchFailure(op, "string or sparse constant");
  }
  if (!isa<FloatType, IntegerType>(value.getElementType()))
    return rewriter.notifyMatchFailure(op, "non-numeric constant");
  if (value.getType() != resultTy)
    return rewriter.notifyMatchFailure(op, "value type differs from result");
  rewriter.replaceOpWithNewOp<wt::ConstantOp>(op, value);
  return success();
}

LogicalResult convertConstantOfShape(onnx::ConstantOfShapeOp op,
                                     PatternRewriter &rewriter) {
  auto outTy = rankedType(op.getOutput());
  if (!outTy)
    return rewriter.notifyMatchFailure(op, "result rank unknown");
  Type elt = outTy.getElementType();
  Attribute scalar;
  if (auto v = op.getValueAttr()) {
    auto dense = dyn_cast<DenseElementsAttr>(v);
    if (!dense || dense.getNumElements() != 1)
      return rewriter.notifyMatchFailure(op, "value is not a 1-element tensor");
    scalar = dense.getValues<Attribute>()[0];
  } else {
    scalar = rewriter.getZeroAttr(elt);
  }
  if (outTy.hasStaticShape()) {
    rewriter.replaceOpWithNewOp<wt::ConstantOp>(
        op, cast<ElementsAttr>(DenseElementsAttr::get(outTy, scalar)));
    return success();
  }
  Value s = wt::ConstantOp::create(
      rewriter, op.getLoc(),
      cast<ElementsAttr>(
          DenseElementsAttr::get(RankedTensorType::get({}, elt), scalar)));
  rewriter.replaceOpWithNewOp<wt::BroadcastOp>(op, outTy, s, op.getInput());
  return success();
}

//===----------------------------------------------------------------------===//
// Reshapes
//===----------------------------------------------------------------------===//

LogicalResult convertReshape(onnx::ReshapeOp op, PatternRewriter &rewriter) {
  auto outTy = rankedType(op.getReshaped());
  if (outTy && outTy.getNumDynamicDims() <= 1)
    return replaceWithReshape(op, rewriter, op.getData());
  // Otherwise the shape travels as an operand, with ONNX's 0/-1 rules.
  auto shapeTy = rankedType(op.getShape());
  if (!shapeTy || shapeTy.getRank() != 1 || shapeTy.isDynamicDim(0) ||
      !shapeTy.getElementType().isSignlessInteger(64))
    return rewriter.notifyMatchFailure(op, "shape of unknown length");
  Type resultType = op.getReshaped().getType();
  auto refined = outTy ? outTy
                       : RankedTensorType::get(
                             SmallVector<int64_t>(shapeTy.getDimSize(0),
                                                  ShapedType::kDynamic),
                             outTy ? outTy.getElementType()
                                   : cast<ShapedType>(resultType).getElementType());
  Value r = wt::ReshapeOp::create(rewriter, op.getLoc(), refined, op.getData(),
                                  op.getShape(), op.getAllowzero() != 0);
  if (refined != resultType)
    r = tensor::CastOp::create(rewriter, op.getLoc(), resultType, r);
  rewriter.replaceOp(op, r);
  return success();
}

/// A 1-D i64 shape for a reshape of `input` whose dimension i is input
/// dimension `src[i]`, or 1 where `src[i]` is negative. Static parts fold.
Value runtimeShape(PatternRewriter &rewriter, Location loc, Value input,
                   ArrayRef<int64_t> src) {
  auto inTy = cast<RankedTensorType>(input.getType());
  int64_t rank = inTy.getRank();
  auto i64 = rewriter.getI64Type();
  Value shape = wt::ShapeOfOp::create(
      rewriter, loc, RankedTensorType::get({rank}, i64), input);
  auto oneTy = RankedTensorType::get({1}, i64);
  Value one = wt::ConstantOp::create(
      rewriter, loc, cast<ElementsAttr>(DenseElementsAttr::get(oneTy, int64_t(1))));
  Value ext = wt::ConcatOp::create(
      rewriter, loc, RankedTensorType::get({rank + 1}, i64),
      ValueRange{shape, one}, 0);
  SmallVector<int64_t> idx;
  for (int64_t s : src)
    idx.push_back(s < 0 ? rank : s);
  auto idxTy = RankedTensorType::get({(int64_t)idx.size()}, i64);
  Value idxC = wt::ConstantOp::create(
      rewriter, loc, cast<ElementsAttr>(DenseElementsAttr::get(idxTy, ArrayRef<int64_t>(idx))));
  return wt::GatherOp::create(rewriter, loc, idxTy, ext, idxC, 0);
}

/// Reshape to the op's result when at most one dim is dynamic, else with a
/// run-time shape built from the input's dims.
LogicalResult replaceWithMappedReshape(Operation *op, PatternRewriter &rewriter,
                                       Value input, ArrayRef<int64_t> src) {
  auto outTy = rankedType(op->getResult(0));
  if (!outTy)
    return rewriter.notifyMatchFailure(op, "result rank unknown");
  if (outTy.getNumDynamicDims() <= 1)
    return replaceWithReshape(op, rewriter, input);
  if (!rankedType(input))
    return rewriter.notifyMatchFailure(op, "input rank unknown");
  Value shape = runtimeShape(rewriter, op->getLoc(), input, src);
  rewriter.replaceOpWithNewOp<wt::ReshapeOp>(op, outTy, input, shape, false);
  return success();
}

/// Sorted, normalized axes of a constant input; nullopt if not constant.
std::optional<SmallVector<int64_t>> normalizedAxes(Value axesValue, int64_t rank) {
  auto axes = getConstantInts(axesValue);
  if (!axes)
    return std::nullopt;
  SmallVector<int64_t> out;
  for (int64_t a : *axes) {
    auto n = normalizeAxis(a, rank);
    if (!n)
      return std::nullopt;
    out.push_back(*n);
  }
  llvm::sort(out);
  return out;
}

LogicalResult convertUnsqueeze(onnx::UnsqueezeOp op, PatternRewriter &rewriter) {
  auto outTy = rankedType(op.getExpanded());
  if (outTy && outTy.getNumDynamicDims() <= 1)
    return replaceWithReshape(op, rewriter, op.getData());
  if (!outTy)
    return rewriter.notifyMatchFailure(op, "result rank unknown");
  auto axes = normalizedAxes(op.getAxes(), outTy.getRank());
  if (!axes)
    return rewriter.notifyMatchFailure(op, "axes are not constant");
  SmallVector<int64_t> src;
  int64_t next = 0;
  for (int64_t i = 0; i < outTy.getRank(); ++i)
    src.push_back(llvm::is_contained(*axes, i) ? -1 : next++);
  return replaceWithMappedReshape(op, rewriter, op.getData(), src);
}

LogicalResult convertSqueeze(onnx::SqueezeOp op, PatternRewriter &rewriter) {
  auto outTy = rankedType(op.getSqueezed());
  auto inTy = rankedType(op.getData());
  if (outTy && outTy.getNumDynamicDims() <= 1)
    return replaceWithReshape(op, rewriter, op.getData());
  if (!inTy || !op.getAxes())
    return rewriter.notifyMatchFailure(op, "needs ranked input and axes");
  auto axes = normalizedAxes(op.getAxes(), inTy.getRank());
  if (!axes)
    return rewriter.notifyMatchFailure(op, "axes are not constant");
  SmallVector<int64_t> src;
  for (int64_t i = 0; i < inTy.getRank(); ++i)
    if (!llvm::is_contained(*axes, i))
      src.push_back(i);
  return replaceWithMappedReshape(op, rewriter, op.getData(), src);
}

LogicalResult convertFlatten(onnx::FlattenOp op, PatternRewriter &rewriter) {
  auto outTy = rankedType(op.getOutput()), inTy = rankedType(op.getInput());
  if (!outTy || !inTy || outTy.getNumDynamicDims() <= 1)
    return replaceWithReshape(op, rewriter, op.getInput());
  // Both result dims dynamic: the run-time shape [prod(dims before axis), -1].
  // Flatten's axis lies in [-r, r]; a negative one counts from r.
  int64_t a = (int64_t)op.getAxis() < 0 ? (int64_t)op.getAxis() + inTy.getRank()
                                        : (int64_t)op.getAxis();
  if (a < 0 || a > inTy.getRank())
    return rewriter.notifyMatchFailure(op, "axis out of range");
  std::optional<int64_t> axis = a;
  Location loc = op.getLoc();
  auto i64 = rewriter.getI64Type();
  auto oneTy = RankedTensorType::get({1}, i64);
  auto cst = [&](int64_t v) -> Value {
    return wt::ConstantOp::create(
        rewriter, loc, cast<ElementsAttr>(DenseElementsAttr::get(oneTy, v)));
  };
  Value rows = cst(1);
  if (*axis > 0) {
    Value shape = wt::ShapeOfOp::create(
        rewriter, loc, RankedTensorType::get({inTy.getRank()}, i64), op.getInput());
    Value lead = wt::SliceOp::create(
        rewriter, loc, RankedTensorType::get({*axis}, i64), shape,
        rewriter.getDenseI64ArrayAttr({0}), rewriter.getDenseI64ArrayAttr({*axis}),
        rewriter.getDenseI64ArrayAttr({1}));
    rows = wt::ReduceOp::create(rewriter, loc, oneTy, lead, wt::ReduceFn::prod,
                                ArrayRef<int64_t>{0}, /*keep_dims=*/true);
  }
  Value newShape = wt::ConcatOp::create(rewriter, loc, RankedTensorType::get({2}, i64),
                                        ValueRange{rows, cst(-1)}, 0);
  return replaceWithReshape(op, rewriter, op.getInput(), newShape);
}

LogicalResult convertTranspose(onnx::TransposeOp op, PatternRewriter &rewriter) {
  auto inTy = rankedType(op.getData());
  if (!inTy)
    return rewriter.notifyMatchFailure(op, "needs a ranked input");
  SmallVector<int64_t> perm;
  if (auto p = op.getPerm()) {
    perm.assign(p->begin(), p->end());
  } else {
    for (int64_t i = inTy.getRank() - 1; i >= 0; --i)
      perm.push_back(i);
  }
  rewriter.replaceOpWithNewOp<wt::TransposeOp>(op, op.getTransposed().getType(),
                                               op.getData(), perm);
  return success();
}

//===----------------------------------------------------------------------===//
// Concat / Split / Slice / Gather
//===----------------------------------------------------------------------===//

LogicalResult convertConcat(onnx::ConcatOp op, PatternRewriter &rewriter) {
  auto outTy = rankedType(op.getConcatResult());
  int64_t rank = -1;
  for (Value v : op.getInputs())
    if (auto t = rankedType(v))
      rank = t.getRank();
  if (outTy)
    rank = outTy.getRank();
  if (rank < 0)
    return rewriter.notifyMatchFailure(op, "rank unknown");
  auto axis = normalizeAxis((int64_t)op.getAxis(), rank);
  if (!axis)
    return rewriter.notifyMatchFailure(op, "axis out of range");
  // ONNX allows empty inputs along the axis; drop them.
  SmallVector<Value> inputs;
  for (Value v : op.getInputs()) {
    auto t = rankedType(v);
    if (t && t.getDimSize(*axis) == 0)
      continue;
    inputs.push_back(v);
  }
  if (inputs.empty())
    return rewriter.notifyMatchFailure(op, "every input is empty");
  rewriter.replaceOpWithNewOp<wt::ConcatOp>(op, op.getConcatResult().getType(),
                                           inputs, *axis);
  return success();
}

LogicalResult convertSplit(onnx::SplitOp op, PatternRewriter &rewriter) {
  auto inTy = rankedType(op.getInput());
  if (!inTy)
    return rewriter.notifyMatchFailure(op, "needs a ranked input");
  auto axis = normalizeAxis((int64_t)op.getAxis(), inTy.getRank());
  if (!axis)
    return rewriter.notifyMatchFailure(op, "axis out of range");
  int64_t n = op.getOutputs().size();
  SmallVector<int64_t> sizes;
  if (op.getSplit()) {
    if (auto given = getConstantInts(op.getSplit())) {
      sizes = *given;
    } else {
      // Run-time sizes: the results' static shapes say what they are.
      for (Value r : op.getOutputs()) {
        auto rTy = rankedType(r);
        if (!rTy || rTy.isDynamicDim(*axis))
          return rewriter.notifyMatchFailure(op, "run-time split sizes, dynamic results");
        sizes.push_back(rTy.getDimSize(*axis));
      }
    }
  } else {
    int64_t dim = inTy.getDimSize(*axis);
    if (ShapedType::isDynamic(dim))
      return rewriter.notifyMatchFailure(op, "equal split of a dynamic dim");
    // Opset 18's num_outputs allows a smaller last chunk.
    int64_t chunk = (dim + n - 1) / n;
    for (int64_t i = 0; i < n; ++i)
      sizes.push_back(std::min(chunk, dim - i * chunk));
  }
  if ((int64_t)sizes.size() != n)
    return rewriter.notifyMatchFailure(op, "split count differs from outputs");
  auto split = wt::SplitOp::create(rewriter, op.getLoc(),
                                   op.getOutputs().getTypes(), op.getInput(),
                                   *axis, sizes);
  rewriter.replaceOp(op, split.getResults());
  return success();
}

LogicalResult convertSlice(onnx::SliceOp op, PatternRewriter &rewriter) {
  auto inTy = rankedType(op.getData());
  if (!inTy)
    return rewriter.notifyMatchFailure(op, "needs a ranked input");
  int64_t rank = inTy.getRank();
  auto starts = getConstantInts(op.getStarts());
  auto ends = getConstantInts(op.getEnds());
  std::optional<SmallVector<int64_t>> givenAxes, givenSteps;
  if (op.getAxes())
    givenAxes = getConstantInts(op.getAxes());
  if (op.getSteps())
    givenSteps = getConstantInts(op.getSteps());
  if (!starts || !ends || (op.getAxes() && !givenAxes) || (op.getSteps() && !givenSteps)) {
    // Run-time parameters: the static result shape fixes the counts.
    auto outTy = rankedType(op.getOutput());
    if (!outTy || !outTy.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "run-time slice of a dynamic result");
    rewriter.replaceOpWithNewOp<wt::DynamicSliceOp>(op, outTy, op.getData(), op.getStarts(),
                                                    op.getAxes(), op.getSteps());
    return success();
  }
  if (starts->size() != ends->size())
    return rewriter.notifyMatchFailure(op, "starts and ends differ in length");
  SmallVector<int64_t> axes, steps(starts->size(), 1);
  if (givenAxes) {
    axes = *givenAxes;
  } else {
    for (size_t i = 0; i < starts->size(); ++i)
      axes.push_back(i);
  }
  if (givenSteps)
    steps = *givenSteps;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  SmallVector<int64_t> allStarts(rank, 0), allEnds(rank, kMax), allSteps(rank, 1);
  for (size_t i = 0; i < axes.size(); ++i) {
    auto axis = normalizeAxis(axes[i], rank);
    if (!axis || steps[i] == 0)
      return rewriter.notifyMatchFailure(op, "bad axis or zero step");
    allStarts[*axis] = (*starts)[i];
    allEnds[*axis] = (*ends)[i];
    allSteps[*axis] = steps[i];
  }
  rewriter.replaceOpWithNewOp<wt::SliceOp>(op, op.getOutput().getType(),
                                           op.getData(), allStarts, allEnds,
                                           allSteps);
  return success();
}

LogicalResult convertGather(onnx::GatherOp op, PatternRewriter &rewriter) {
  auto inTy = rankedType(op.getData());
  if (!inTy)
    return rewriter.notifyMatchFailure(op, "needs a ranked input");
  auto axis = normalizeAxis((int64_t)op.getAxis(), inTy.getRank());
  if (!axis)
    return rewriter.notifyMatchFailure(op, "axis out of range");
  rewriter.replaceOpWithNewOp<wt::GatherOp>(op, op.getOutput().getType(),
                                            op.getData(), op.getIndices(),
                                            *axis);
  return success();
}

//===----------------------------------------------------------------------===//
// Shape / Expand / Pad / Resize
//===----------------------------------------------------------------------===//

LogicalResult convertShape(onnx::ShapeOp op, PatternRewriter &rewriter) {
  auto inTy = rankedType(op.getData());
  if (!inTy)
    return rewriter.notifyMatchFailure(op, "needs a ranked input");
  int64_t rank = inTy.getRank();
  int64_t start = (int64_t)op.getStart();
  int64_t end = op.getEndAttr() ? (int64_t)*op.getEnd() : rank;
  if (start < 0)
    start += rank;
  if (end < 0)
    end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  auto fullTy = RankedTensorType::get({rank}, rewriter.getI64Type());
  if (start == 0 && end == rank) {
    rewriter.replaceOpWithNewOp<wt::ShapeOfOp>(op, op.getShape().getType(),
                                               op.getData());
    return success();
  }
  Value full = wt::ShapeOfOp::create(rewriter, op.getLoc(), fullTy, op.getData());
  rewriter.replaceOpWithNewOp<wt::SliceOp>(
      op, op.getShape().getType(), full, ArrayRef<int64_t>{start},
      ArrayRef<int64_t>{end}, ArrayRef<int64_t>{1});
  return success();
}

LogicalResult convertExpand(onnx::ExpandOp op, PatternRewriter &rewriter) {
  auto outTy = rankedType(op.getOutput());
  if (!outTy)
    return rewriter.notifyMatchFailure(op, "result rank unknown");
  auto inTy = rankedType(op.getInput());
  if (outTy.hasStaticShape() || (inTy && inTy == outTy)) {
    rewriter.replaceOpWithNewOp<wt::BroadcastOp>(op, outTy, op.getInput(),
                                                 Value());
    return success();
  }
  // ONNX broadcasts the input with the shape; the operand must hold the
  // final shape, which it only does when no entry is 1 against a larger dim.
  if (!inTy || inTy.getRank() > outTy.getRank())
    return rewriter.notifyMatchFailure(op, "dynamic Expand of unknown input");
  rewriter.replaceOpWithNewOp<wt::BroadcastOp>(op, outTy, op.getInput(),
                                               op.getShape());
  return success();
}

LogicalResult convertPad(onnx::PadOp op, PatternRewriter &rewriter) {
  std::optional<wt::PadMode> mode = wt::symbolizePadMode(op.getMode());
  if (!mode)
    return rewriter.notifyMatchFailure(op, "unknown pad mode");
  Value value = op.getConstantValue();
  if (*mode != wt::PadMode::constant)
    value = Value();
  auto pads = getConstantInts(op.getPads());
  if (!pads) {
    // Run-time pads: the static result shape gives the sizes.
    auto outTy = rankedType(op.getOutput()), inTy = rankedType(op.getData());
    auto padTy = rankedType(op.getPads());
    if (!outTy || !outTy.hasStaticShape() || !inTy || !padTy || padTy.getRank() != 1 ||
        padTy.getDimSize(0) != 2 * inTy.getRank())
      return rewriter.notifyMatchFailure(op, "run-time pads of a dynamic result");
    rewriter.replaceOpWithNewOp<wt::PadOp>(op, outTy, op.getData(), *mode,
                                           ArrayRef<int64_t>{}, value, op.getPads());
    return success();
  }
  rewriter.replaceOpWithNewOp<wt::PadOp>(op, op.getOutput().getType(), op.getData(), *mode,
                                         *pads, value, Value());
  return success();
}

LogicalResult convertResize(onnx::ResizeOp op, PatternRewriter &rewriter) {
  auto outTy = rankedType(op.getY());
  if (!outTy)
    return rewriter.notifyMatchFailure(op, "output rank unknown");
  StringRef coord = op.getCoordinateTransformationMode();
  // Opset 11 spelled tf_half_pixel_for_nearest this way.
  if (coord == "tf_half_pixel_for_nn")
    coord = "tf_half_pixel_for_nearest";
  if (coord == "tf_crop_and_resize")
    return rewriter.notifyMatchFailure(op, "tf_crop_and_resize");
  std::optional<wt::ResizeMode> mode = wt::symbolizeResizeMode(op.getMode());
  if (!mode)
    return rewriter.notifyMatchFailure(op, "unknown mode");
  DenseF32ArrayAttr scalesAttr;
  Value scaleValues;
  if (Value s = op.getScales()) {
    if (auto scales = getConstantFloats(s)) {
      if (!scales->empty()) {
        SmallVector<float> f(scales->begin(), scales->end());
        scalesAttr = rewriter.getDenseF32ArrayAttr(f);
      }
    } else {
      // Run-time scales: the coordinate map reads them; a dynamic result's
      // size is floor(input * scale), computed by the code too.
      auto sTy = rankedType(s);
      auto inTy = rankedType(op.getX());
      if (!sTy || sTy.getRank() != 1 || !sTy.getElementType().isF32() || !inTy ||
          (!sTy.isDynamicDim(0) && sTy.getDimSize(0) != inTy.getRank()))
        return rewriter.notifyMatchFailure(op, "run-time scales of another shape");
      scaleValues = s;
    }
  }
  // A dynamic output size is only derivable from scales.
  if (!outTy.hasStaticShape() && !scalesAttr && !scaleValues)
    return rewriter.notifyMatchFailure(op, "dynamic output without scales");
  rewriter.replaceOpWithNewOp<wt::ResizeOp>(
      op, outTy, op.getX(), *mode, coord, op.getNearestMode(),
      op.getCubicCoeffA(), op.getExcludeOutside() != 0, scalesAttr, scaleValues);
  return success();
}

//===----------------------------------------------------------------------===//
// Trilu / Range (static shapes: constants)
//===----------------------------------------------------------------------===//

/// Trilu keeps the upper (j - i >= k) or lower (j - i <= k) triangle of the
/// last two dims: a constant j - i compared with k (constant or not) gives
/// the mask of a select.
LogicalResult convertGridSample(onnx::GridSampleOp op, PatternRewriter &rewriter) {
  StringRef mode = op.getMode(), pad = op.getPaddingMode();
  if (!llvm::is_contained({"bilinear", "nearest", "bicubic"}, mode) ||
      !llvm::is_contained({"zeros", "border", "reflection"}, pad))
    return rewriter.notifyMatchFailure(op, "unknown mode or padding mode");
  rewriter.replaceOpWithNewOp<wt::GridSampleOp>(op, op.getY().getType(), op.getX(),
                                                op.getGrid(), mode, pad,
                                                op.getAlignCorners() != 0);
  return success();
}

LogicalResult convertTrilu(onnx::TriluOp op, PatternRewriter &rewriter) {
  auto ty = rankedType(op.getInput());
  if (!ty || ty.getRank() < 2 || ty.isDynamicDim(ty.getRank() - 1) ||
      ty.isDynamicDim(ty.getRank() - 2))
    return rewriter.notifyMatchFailure(op, "needs static matrix dims");
  if (Value kv = op.getK()) {
    auto kTy = rankedType(kv);
    if (!kTy || kTy.getNumElements() != 1 || !kTy.getElementType().isInteger(64))
      return rewriter.notifyMatchFailure(op, "k must be one int64");
  }
  int64_t n = ty.getDimSize(ty.getRank() - 2), m = ty.getDimSize(ty.getRank() - 1);
  SmallVector<int64_t> diff;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j)
      diff.push_back(j - i);
  Location loc = op.getLoc();
  auto i64 = rewriter.getI64Type();
  auto diffTy = RankedTensorType::get({n, m}, i64);
  Value d = wt::ConstantOp::create(
      rewriter, loc, cast<ElementsAttr>(DenseElementsAttr::get(diffTy, ArrayRef<int64_t>(diff))));
  Value k = op.getK();
  if (k && rankedType(k).getRank() > 0)
    k = wt::ReshapeOp::create(rewriter, loc, RankedTensorType::get({}, i64), k,
                              Value(), false);
  if (!k)
    k = createScalarConstant(rewriter, loc, i64, 0);
  Value mask = wt::BinaryOp::create(
      rewriter, loc, RankedTensorType::get({n, m}, rewriter.getI1Type()), d, k,
      op.getUpper() != 0 ? wt::BinaryFn::ge : wt::BinaryFn::le);
  Value zero = createScalarConstant(rewriter, loc, ty.getElementType(), 0.0);
  rewriter.replaceOpWithNewOp<wt::SelectOp>(op, op.getOutput().getType(), mask,
                                            op.getInput(), zero);
  return success();
}

//===----------------------------------------------------------------------===//
// No-ops at inference
//===----------------------------------------------------------------------===//

LogicalResult convertIdentity(onnx::IdentityOp op, PatternRewriter &rewriter) {
  Type from = op.getInput().getType(), to = op.getOutput().getType();
  if (from == to) {
    rewriter.replaceOp(op, op.getInput());
    return success();
  }
  if (!tensor::CastOp::areCastCompatible(from, to))
    return rewriter.notifyMatchFailure(op, "identity of an incompatible type");
  rewriter.replaceOpWithNewOp<tensor::CastOp>(op, to, op.getInput());
  return success();
}

/// A one-element i64 constant holding exactly `v` (doubles would round).
Value i64Scalar(PatternRewriter &rewriter, Location loc, uint64_t v) {
  auto ty = RankedTensorType::get({}, rewriter.getI64Type());
  return wt::ConstantOp::create(
      rewriter, loc, cast<ElementsAttr>(DenseElementsAttr::get(ty, APInt(64, v))));
}

/// Uniform numbers in [0, 1) of `shape`, one per element: SplitMix64 of the
/// element's flat index and `seed`, so each element is drawn independently
/// (and in parallel) in generated code.
Value uniformNoise(PatternRewriter &rewriter, Location loc, ArrayRef<int64_t> shape,
                   FloatType elt, uint64_t seed) {
  auto i64 = rewriter.getI64Type();
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  auto ty = RankedTensorType::get(shape, i64);
  auto op = [&](Value a, Value b, wt::BinaryFn fn) -> Value {
    return wt::BinaryOp::create(rewriter, loc, ty, a, b, fn);
  };
  auto mixShift = [&](Value z, uint64_t bits) {
    return op(z, op(z, i64Scalar(rewriter, loc, bits), wt::BinaryFn::shift_right),
              wt::BinaryFn::bitwise_xor);
  };
  Value z = reshapeTo(rewriter, loc, createIota(rewriter, loc, n, i64), shape);
  z = op(op(z, i64Scalar(rewriter, loc, 0x9E3779B97F4A7C15ULL), wt::BinaryFn::mul),
         i64Scalar(rewriter, loc, seed * 0xD1B54A32D192ED03ULL + 0x9E3779B97F4A7C15ULL),
         wt::BinaryFn::add);
  z = op(mixShift(z, 30), i64Scalar(rewriter, loc, 0xBF58476D1CE4E5B9ULL), wt::BinaryFn::mul);
  z = op(mixShift(z, 27), i64Scalar(rewriter, loc, 0x94D049BB133111EBULL), wt::BinaryFn::mul);
  z = mixShift(z, 31);
  // The top 24 bits, exact in any float type we compute in, scaled to [0, 1).
  z = op(z, i64Scalar(rewriter, loc, 40), wt::BinaryFn::shift_right);
  auto fty = RankedTensorType::get(shape, elt);
  Value u = wt::CastOp::create(rewriter, loc, fty, z);
  return wt::BinaryOp::create(rewriter, loc, fty, u,
                              createScalarConstant(rewriter, loc, elt, 1.0 / (1 << 24)),
                              wt::BinaryFn::mul);
}

/// Inference: the identity and a mask of all true. Training mode (a
/// constant or a run-time flag): each element is kept with probability
/// 1 - ratio and scaled by 1 / (1 - ratio), the rest are 0; the mask says
/// which were kept. The draw is SplitMix64 over the element index and the
/// `seed` attribute (0 when absent), so every run drops the same elements:
/// ONNX leaves the generator to the runtime, so only ratio 0 reproduces
/// another runtime's numbers.
LogicalResult convertDropout(onnx::DropoutOp op, PatternRewriter &rewriter) {
  if (op.getData().getType() != op.getOutput().getType())
    return rewriter.notifyMatchFailure(op, "dropout of another type");
  Value mask = op.getMask() && !op.getMask().use_empty() ? op.getMask() : Value();
  auto maskTy = mask ? rankedType(mask) : RankedTensorType();
  if (mask && (!maskTy || !maskTy.hasStaticShape()))
    return rewriter.notifyMatchFailure(op, "mask of a dynamic shape");
  std::optional<double> training =
      op.getTrainingMode() ? getConstantScalar(op.getTrainingMode()) : 0.0;
  std::optional<double> ratio =
      op.getRatio() ? getConstantScalar(op.getRatio()) : std::optional<double>(0.5);
  Location loc = op.getLoc();
  if ((training && *training == 0) || (ratio && *ratio == 0)) {
    if (mask)
      rewriter.replaceAllUsesWith(
          mask, wt::ConstantOp::create(rewriter, loc,
                                       cast<ElementsAttr>(DenseElementsAttr::get(
                                           maskTy, rewriter.getBoolAttr(true)))));
    rewriter.replaceAllUsesWith(op.getOutput(), op.getData());
    rewriter.eraseOp(op);
    return success();
  }
  auto ty = rankedType(op.getData());
  auto elt = ty ? dyn_cast<FloatType>(ty.getElementType()) : FloatType();
  if (!ty || !ty.hasStaticShape() || !elt)
    return rewriter.notifyMatchFailure(op, "training dropout needs a static float input");
  auto boolTy = RankedTensorType::get(ty.getShape(), rewriter.getI1Type());
  auto scalarBool = RankedTensorType::get({}, rewriter.getI1Type());
  auto scalarF = RankedTensorType::get({}, elt);
  Value r = op.getRatio() ? toScalar(rewriter, loc, op.getRatio())
                          : createScalarConstant(rewriter, loc, elt, 0.5);
  if (cast<RankedTensorType>(r.getType()).getElementType() != elt)
    r = wt::CastOp::create(rewriter, loc, scalarF, r);
  Value u = uniformNoise(rewriter, loc, ty.getShape(), elt, op.getSeed().value_or(0));
  Value keep = wt::BinaryOp::create(rewriter, loc, boolTy, u, r, wt::BinaryFn::ge);
  Value one = createScalarConstant(rewriter, loc, elt, 1);
  Value scale = wt::BinaryOp::create(
      rewriter, loc, scalarF, one,
      wt::BinaryOp::create(rewriter, loc, scalarF, one, r, wt::BinaryFn::sub),
      wt::BinaryFn::div);
  if (!training) {
    Value t = toScalar(rewriter, loc, op.getTrainingMode());
    if (cast<RankedTensorType>(t.getType()).getElementType() != rewriter.getI1Type())
      t = wt::CastOp::create(rewriter, loc, scalarBool, t);
    Value off = wt::UnaryOp::create(rewriter, loc, scalarBool, t, wt::UnaryFn::logical_not,
                                    FloatAttr(), FloatAttr());
    keep = wt::BinaryOp::create(rewriter, loc, boolTy, keep, off, wt::BinaryFn::logical_or);
    scale = wt::SelectOp::create(rewriter, loc, scalarF, t, scale, one);
  }
  Value scaled = wt::BinaryOp::create(rewriter, loc, ty, op.getData(), scale,
                                      wt::BinaryFn::mul);
  Value y = wt::SelectOp::create(rewriter, loc, ty, keep, scaled,
                                 createScalarConstant(rewriter, loc, elt, 0));
  if (mask)
    rewriter.replaceAllUsesWith(mask, keep);
  rewriter.replaceAllUsesWith(op.getOutput(), y);
  rewriter.eraseOp(op);
  return success();
}

} // namespace

void whittle::conversion::populateDataMovementLegalizations(
    LegalizationTable &table) {
  table.onOp<onnx::ConstantOp>(1, convertConstant);
  table.onOp<onnx::ConstantOfShapeOp>(1, convertConstantOfShape);
  table.onOp<onnx::ReshapeOp>(1, convertReshape);
  table.onOp<onnx::UnsqueezeOp>(1, convertUnsqueeze);
  table.onOp<onnx::SqueezeOp>(1, convertSqueeze);
  table.onOp<onnx::FlattenOp>(1, convertFlatten);
  table.onOp<onnx::TransposeOp>(1, convertTranspose);
  table.onOp<onnx::ConcatOp>(1, convertConcat);
  table.onOp<onnx::SplitOp>(1, convertSplit);
  table.onOp<onnx::SliceOp>(1, convertSlice);
  table.onOp<onnx::GatherOp>(1, convertGather);
  table.onOp<onnx::ShapeOp>(1, convertShape);
  table.onOp<onnx::ExpandOp>(1, convertExpand);
  table.onOp<onnx::PadOp>(1, convertPad);
  table.onOp<onnx::ResizeOp>(1, convertResize);
  table.onOp<onnx::IdentityOp>(1, convertIdentity);
  table.onOp<onnx::TriluOp>(1, convertTrilu);
  table.onOp<onnx::GridSampleOp>(1, convertGridSample);
  table.onOp<onnx::DropoutOp>(1, convertDropout);
}
