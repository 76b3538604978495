//===- Rearrange.cpp - Tile, DepthToSpace, SpaceToDepth, Einsum ----------===//
//
// Element rearrangements spelled as reshape / broadcast / transpose chains
// on static shapes. Tile needs no repeats value: the static result shape
// says how often each dim repeats. Einsum becomes whittle.einsum with its
// equation made explicit (result term written out, ellipses named).
//
//===----------------------------------------------------------------------===//

#include "LegalizationTable.h"

#include <map>

using namespace mlir;
using namespace whittle;
using namespace whittle::conversion;

namespace {

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

/// The explicit form of an Einsum equation for inputs of the given ranks:
/// spaces dropped, "..." replaced by letters the equation does not use, and
/// the implicit result (ellipsis dims, then the letters used once, sorted)
/// written out. Empty when it cannot be made explicit.
std::string explicitEquation(StringRef equation, ArrayRef<int64_t> ranks) {
  std::string eq;
  for (char c : equation)
    if (c != ' ')
      eq += c;
  auto [lhs, rhs] = StringRef(eq).split("->");
  bool hasArrow = StringRef(eq).contains("->");
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  if (terms.size() != ranks.size())
    return "";
  std::string unused;
  for (char c = 'z'; c >= 'a'; --c)
    if (!StringRef(eq).contains(c))
      unused += c;
  int64_t ellipsis = -1;
  SmallVector<std::string> outTerms;
  for (auto [term, rank] : llvm::zip(terms, ranks)) {
    std::string t = term.str();
    size_t at = t.find("...");
    if (at != std::string::npos) {
      int64_t n = rank - ((int64_t)t.size() - 3);
      if (n < 0 || (ellipsis >= 0 && ellipsis != n) || n > (int64_t)unused.size())
        return "";
      ellipsis = n;
      t = t.substr(0, at) + unused.substr(0, n) + t.substr(at + 3);
    }
    if ((int64_t)t.size() != rank)
      return "";
    outTerms.push_back(t);
  }
  std::string named = ellipsis > 0 ? unused.substr(0, ellipsis) : "";
  std::string result;
  if (hasArrow) {
    result = rhs.str();
    size_t at = result.find("...");
    if (at != std::string::npos)
      result = result.substr(0, at) + named + result.substr(at + 3);
  } else {
    std::map<char, int> count;
    for (const std::string &t : outTerms)
      for (char c : t)
        ++count[c];
    result = named;
    for (auto [c, n] : count)
      if (n == 1 && named.find(c) == std::string::npos)
        result += c;
  }
  std::string out;
  for (size_t i = 0; i < outTerms.size(); ++i)
    out += (i ? "," : "") + outTerms[i];
  return out + "->" + result;
}

LogicalResult convertEinsum(onnx::EinsumOp op, PatternRewriter &rewriter) {
  SmallVector<int64_t> ranks;
  for (Value v : op.getInputs()) {
    auto t = rankedType(v);
    if (!t)
      return rewriter.notifyMatchFailure(op, "needs ranked inputs");
    ranks.push_back(t.getRank());
  }
  std::string eq = explicitEquation(op.getEquation(), ranks);
  if (eq.empty())
    return rewriter.notifyMatchFailure(op, "equation cannot be made explicit");
  rewriter.replaceOpWithNewOp<wt::EinsumOp>(op, op.getOutput().getType(), op.getInputs(),
                                            rewriter.getStringAttr(eq));
  return success();
}

} // namespace

void whittle::conversion::populateRearrangeLegalizations(LegalizationTable &table) {
  table.onOp<onnx::TileOp>(1, convertTile);
  table.onOp<onnx::DepthToSpaceOp>(1, convertDepthToSpace);
  table.onOp<onnx::SpaceToDepthOp>(1, convertSpaceToDepth);
  table.onOp<onnx::EinsumOp>(1, convertEinsum);
}
