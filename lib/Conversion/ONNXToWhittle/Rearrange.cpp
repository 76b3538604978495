//===- Rearrange.cpp - Tile, DepthToSpace, SpaceToDepth -------------------===//
//
// Element rearrangements spelled as reshape / broadcast / transpose chains
// on static shapes. Tile needs no repeats value: the static result shape
// says how often each dim repeats.
//
//===----------------------------------------------------------------------===//

#include "LegalizationTable.h"

using namespace mlir;
using namespace whittle;
using namespace whittle::conversion;

namespace {

Value transposeTo(PatternRewriter &rewriter, Location loc, Value v,
                  ArrayRef<int64_t> perm) {
  auto ty = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(ty.getDimSize(p));
  return wt::TransposeOp::create(rewriter, loc,
                                 RankedTensorType::get(shape, ty.getElementType()), v,
                                 rewriter.getDenseI64ArrayAttr(perm));
}

/// [a, b] tiled r1 x r2 times: [1, a, 1, b] broadcast to [r1, a, r2, b],
/// then merged pairwise.
LogicalResult convertTile(onnx::TileOp op, PatternRewriter &rewriter) {
  auto inTy = rankedType(op.getInput()), outTy = rankedType(op.getOutput());
  if (!inTy || !outTy || !inTy.hasStaticShape() || !outTy.hasStaticShape() ||
      inTy.getRank() != outTy.getRank())
    return rewriter.notifyMatchFailure(op, "needs static shapes");
  Location loc = op.getLoc();
  SmallVector<int64_t> spread, tiled;
  for (int64_t i = 0; i < inTy.getRank(); ++i) {
    int64_t in = inTy.getDimSize(i), out = outTy.getDimSize(i);
    if (in == 0 ? out != 0 : out % in != 0)
      return rewriter.notifyMatchFailure(op, "result is not a whole tiling");
    spread.append({1, in});
    tiled.append({in ? out / in : 0, in});
  }
  Value x = reshapeTo(rewriter, loc, op.getInput(), spread);
  x = wt::BroadcastOp::create(rewriter, loc,
                              RankedTensorType::get(tiled, inTy.getElementType()), x,
                              Value());
  rewriter.replaceOp(op, reshapeTo(rewriter, loc, x, outTy.getShape()));
  return success();
}

LogicalResult convertDepthToSpace(onnx::DepthToSpaceOp op, PatternRewriter &rewriter) {
  auto inTy = rankedType(op.getInput()), outTy = rankedType(op.getOutput());
  int64_t b = op.getBlocksize();
  if (!inTy || !outTy || !inTy.hasStaticShape() || inTy.getRank() != 4 || b < 1 ||
      inTy.getDimSize(1) % (b * b) != 0)
    return rewriter.notifyMatchFailure(op, "needs a static N x C x H x W input");
  int64_t n = inTy.getDimSize(0), c = inTy.getDimSize(1) / (b * b),
          h = inTy.getDimSize(2), w = inTy.getDimSize(3);
  Location loc = op.getLoc();
  bool crd = op.getMode() == "CRD";
  Value x = reshapeTo(rewriter, loc, op.getInput(),
                      crd ? ArrayRef<int64_t>{n, c, b, b, h, w}
                          : ArrayRef<int64_t>{n, b, b, c, h, w});
  x = transposeTo(rewriter, loc, x,
                  crd ? ArrayRef<int64_t>{0, 1, 4, 2, 5, 3}
                      : ArrayRef<int64_t>{0, 3, 4, 1, 5, 2});
  rewriter.replaceOp(op, reshapeTo(rewriter, loc, x, {n, c, h * b, w * b}));
  return success();
}

LogicalResult convertSpaceToDepth(onnx::SpaceToDepthOp op, PatternRewriter &rewriter) {
  auto inTy = rankedType(op.getInput());
  int64_t b = op.getBlocksize();
  if (!inTy || !inTy.hasStaticShape() || inTy.getRank() != 4 || b < 1 ||
      inTy.getDimSize(2) % b != 0 || inTy.getDimSize(3) % b != 0)
    return rewriter.notifyMatchFailure(op, "needs a static N x C x H x W input");
  int64_t n = inTy.getDimSize(0), c = inTy.getDimSize(1), h = inTy.getDimSize(2) / b,
          w = inTy.getDimSize(3) / b;
  Location loc = op.getLoc();
  Value x = reshapeTo(rewriter, loc, op.getInput(), {n, c, h, b, w, b});
  x = transposeTo(rewriter, loc, x, {0, 3, 5, 1, 2, 4});
  rewriter.replaceOp(op, reshapeTo(rewriter, loc, x, {n, c * b * b, h, w}));
  return success();
}

} // namespace

void whittle::conversion::populateRearrangeLegalizations(LegalizationTable &table) {
  table.onOp<onnx::TileOp>(1, convertTile);
  table.onOp<onnx::DepthToSpaceOp>(1, convertDepthToSpace);
  table.onOp<onnx::SpaceToDepthOp>(1, convertSpaceToDepth);
}
