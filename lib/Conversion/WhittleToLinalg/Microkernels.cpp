//===- Microkernels.cpp - the whittle-lower-microkernels pass -------------===//
//
// Packed contractions (PackedContraction.h) on buffers become loops around
// a register tile of vector accumulators: rows x panels x (16 / lanes)
// vectors are loaded from the output (which holds the bias or zeros), each
// reduction step loads one vector per panel column block and broadcasts one
// input value per row, and fmas them into every accumulator; the tile is
// stored once at the end. LLVM keeps the accumulators in registers (the
// reduction loops carry them as iter_args), so the inner loop is loads and
// fmas only. A Winograd conv's input and output transforms (Winograd.cpp)
// become vector code too: per tile and vector of channels, the separable
// transform with its zero coefficients skipped.
//
//===----------------------------------------------------------------------===//

#include "whittle/Conversion/PackedContraction.h"
#include "whittle/Conversion/Passes.h"
#include "whittle/Dialect/Whittle/WhittleConstants.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"

#include <functional>
#include <limits>

namespace whittle {
#define GEN_PASS_DEF_LOWERMICROKERNELSPASS
#include "whittle/Conversion/Passes.h.inc"
} // namespace whittle

using namespace mlir;
using whittle::kMaxTilePanels;
using whittle::kPanelWidth;
using whittle::PackedContractionDims;

std::optional<whittle::PackedContractionDims>
whittle::packedContractionDims(linalg::GenericOp op) {
  if (!op->hasAttr(kPackedContractionAttr) || op.getNumDpsInputs() < 2 ||
      op.getNumDpsInits() != 1)
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap a = maps[0], w = maps[1], c = maps.back();
  int64_t loops = op.getNumLoops(), cn = c.getNumResults(), wn = w.getNumResults();
  if (cn < 3 || wn < 2 || !c.isProjectedPermutation())
    return std::nullopt;
  auto dimAt = [](AffineMap map, int64_t i) -> int64_t {
    auto e = dyn_cast<AffineDimExpr>(map.getResult(i));
    return e ? (int64_t)e.getPosition() : -1;
  };
  int64_t nr = loops - 1, nb = dimAt(c, cn - 2), m = dimAt(c, cn - 3);
  if (dimAt(c, cn - 1) != nr || dimAt(w, wn - 1) != nr || nb < 0 || m < 0 ||
      !llvm::is_contained(w.getResults(), getAffineDimExpr(nb, op.getContext())) ||
      w.isFunctionOfDim(m))
    return std::nullopt;
  // The input reads neither nb nor nr, or (depthwise) reads channel
  // nb * 16 + nr as its last, contiguous dim and nowhere else.
  bool vectorInput = a.isFunctionOfDim(nr) || a.isFunctionOfDim(nb);
  if (vectorInput) {
    MLIRContext *ctx = op.getContext();
    AffineExpr channel =
        getAffineDimExpr(nb, ctx) * kPanelWidth + getAffineDimExpr(nr, ctx);
    if (a.getNumResults() < 1 || a.getResults().back() != channel ||
        a.dropResult(a.getNumResults() - 1).isFunctionOfDim(nr) ||
        a.dropResult(a.getNumResults() - 1).isFunctionOfDim(nb))
      return std::nullopt;
  }
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  for (int64_t d : {m, nb, nr})
    if (iters[d] != utils::IteratorType::parallel)
      return std::nullopt;
  return PackedContractionDims{m, nb, nr, vectorInput};
}

namespace {

/// The register tile: `rows` output rows x `panels` weight panels.
struct TileShape {
  int64_t rows = 1, panels = 1;
};

/// Estimated cycles per reduction step of a tile, for a core that issues
/// two vector fmas and two loads per cycle and needs ~8 independent fma
/// chains to cover their latency; a little is charged per tile (loop and
/// accumulator load/store overhead) so larger tiles win ties.
double tileCost(int64_t rows, int64_t panels, int64_t vpp, bool vectorInput) {
  double fmas = rows * panels * vpp;
  // Weight vectors, plus a broadcast per row or an input vector per fma.
  double loads = panels * vpp + (vectorInput ? fmas : rows);
  return std::max({fmas / 2, loads / 2, 4.0}) + 0.5;
}

/// Rows tiles of at most `maxRows` covering `extent` evenly: the size of
/// each full tile (the remainder tile is smaller).
int64_t evenRows(int64_t extent, int64_t maxRows) {
  int64_t tiles = (extent + maxRows - 1) / maxRows;
  return (extent + tiles - 1) / tiles;
}

/// The tile shape with the least estimated time over `rowExtent` x
/// `panelExtent` (static, or a nominal guess where dynamic) whose
/// accumulators fit in `budget` vector registers and whose panel group's
/// weights (`panelBytes` each) fit in `l2Bytes`.
TileShape chooseTile(int64_t rowExtent, int64_t panelExtent, int64_t vpp, int64_t budget,
                     bool vectorInput, int64_t panelBytes, int64_t l2Bytes) {
  TileShape best;
  double bestCost = std::numeric_limits<double>::infinity();
  for (int64_t panels = 1; panels <= kMaxTilePanels && panels <= panelExtent; ++panels) {
    // A panel group's weights are read again for every row tile: they
    // must stay in the L2 cache.
    if (panels > 1 && panels * panelBytes > l2Bytes)
      continue;
    // The panel group's weight vectors and a broadcast stay in registers
    // beside the accumulators (more spill an accumulator every step).
    int64_t maxRows = std::min<int64_t>(16, (budget - panels * vpp - 1) / (panels * vpp));
    if (maxRows < 1)
      continue;
    int64_t rows = evenRows(rowExtent, maxRows);
    auto cost = [&](int64_t p) {
      double c = (rowExtent / rows) * tileCost(rows, p, vpp, vectorInput);
      if (rowExtent % rows)
        c += tileCost(rowExtent % rows, p, vpp, vectorInput);
      return c;
    };
    double total = (panelExtent / panels) * cost(panels);
    if (panelExtent % panels)
      total += cost(panelExtent % panels);
    if (total < bestCost) {
      bestCost = total;
      best = {rows, panels};
    }
  }
  return best;
}

/// The parts of a packed contraction's body (Structured.cpp's
/// packedContract): `fma(x, w, acc)`, where acc is the output's value or,
/// at the first reduction step, a start value (an input read per column,
/// or a constant); the yield is the fma, or at the last step an epilogue
/// computed from it (and from other inputs, read like the output) by
/// elementwise ops.
struct KernelBody {
  math::FmaOp fma;
  /// The start: an input's block argument, or a constant; null: the output.
  Value start;
  /// The value yielded after the last step, or null (the fma's).
  Value epilogue;
};

/// Whether `v` is computed in `body` from the fma's result and block
/// arguments other than x, w and the output, by elementwise ops (constants
/// allowed); on success the ops are appended to `ops` in order.
bool elementwiseSlice(Value v, Block *body, math::FmaOp fma, SmallVectorImpl<Operation *> &ops) {
  if (v == fma.getResult())
    return true;
  if (auto arg = dyn_cast<BlockArgument>(v))
    return arg.getOwner() == body && arg.getArgNumber() >= 2 &&
           arg.getArgNumber() + 1 < body->getNumArguments();
  Operation *def = v.getDefiningOp();
  if (!def || def->getBlock() != body)
    return true; // defined outside the body: a scalar the kernel broadcasts
  if (llvm::is_contained(ops, def))
    return true;
  if (matchPattern(v, m_Constant()))
    return true;
  if (!def->hasTrait<OpTrait::Elementwise>() || def->getNumResults() != 1 ||
      def->getNumRegions() != 0)
    return false;
  for (Value operand : def->getOperands())
    if (!elementwiseSlice(operand, body, fma, ops))
      return false;
  ops.push_back(def);
  return true;
}

std::optional<KernelBody> matchBody(linalg::GenericOp op, SmallVectorImpl<Operation *> &epilogueOps) {
  Block *body = op.getBody();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  if (yield.getNumOperands() != 1)
    return std::nullopt;
  math::FmaOp fma;
  for (Operation &o : body->getOperations())
    if (auto f = dyn_cast<math::FmaOp>(o); f && !fma)
      fma = f;
  if (!fma || fma.getA() != body->getArgument(0) || fma.getB() != body->getArgument(1))
    return std::nullopt;
  KernelBody kb{fma, Value(), Value()};
  Value out = body->getArguments().back();
  if (fma.getC() != out) {
    auto sel = fma.getC().getDefiningOp<arith::SelectOp>();
    if (!sel || sel.getFalseValue() != out)
      return std::nullopt;
    kb.start = sel.getTrueValue();
    auto arg = dyn_cast<BlockArgument>(kb.start);
    if (!(arg && arg.getOwner() == body && arg.getArgNumber() >= 2 && arg != out) &&
        !matchPattern(kb.start, m_Constant()))
      return std::nullopt;
  }
  Value yielded = yield.getOperand(0);
  if (yielded != fma.getResult()) {
    auto sel = yielded.getDefiningOp<arith::SelectOp>();
    if (!sel || sel.getFalseValue() != fma.getResult() ||
        !elementwiseSlice(sel.getTrueValue(), body, fma, epilogueOps))
      return std::nullopt;
    kb.epilogue = sel.getTrueValue();
  }
  return kb;
}

/// The operand indices `map` gives for the loop values `ivs`.
SmallVector<Value> mapIndices(OpBuilder &b, Location loc, AffineMap map, ArrayRef<Value> ivs) {
  SmallVector<Value> out;
  for (AffineExpr e : map.getResults()) {
    if (auto dim = dyn_cast<AffineDimExpr>(e))
      out.push_back(ivs[dim.getPosition()]);
    else if (auto c = dyn_cast<AffineConstantExpr>(e))
      out.push_back(arith::ConstantIndexOp::create(b, loc, c.getValue()));
    else
      out.push_back(affine::AffineApplyOp::create(
          b, loc, AffineMap::get(map.getNumDims(), 0, e), ivs));
  }
  return out;
}

/// The body's epilogue on the finished sums `sum` (vectors of `lanes`):
/// its elementwise ops cloned on vectors, block-argument operands (a
/// residual) loaded by `load`, scalars broadcast.
Value cloneEpilogue(OpBuilder &b, Location loc, linalg::GenericOp op, KernelBody body,
                    ArrayRef<Operation *> epilogueOps, Value sum, int64_t lanes,
                    function_ref<Value(OpBuilder &, BlockArgument, VectorType)> load) {
  auto vectorOf = [&](Type t) { return VectorType::get({lanes}, t); };
  IRMapping map;
  map.map(body.fma.getResult(), sum);
  auto operand = [&](Value v) -> Value {
    if (Value m = map.lookupOrNull(v))
      return m;
    Value scalar = v;
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      Value loaded = load(b, arg, vectorOf(v.getType()));
      map.map(v, loaded);
      return loaded;
    }
    if (v.getDefiningOp() && v.getDefiningOp()->getBlock() == op.getBody())
      scalar = b.clone(*v.getDefiningOp())->getResult(0); // a constant
    Value splat = vector::BroadcastOp::create(b, loc, vectorOf(v.getType()), scalar);
    map.map(v, splat);
    return splat;
  };
  for (Operation *o : epilogueOps) {
    SmallVector<Value> operands;
    for (Value v : o->getOperands())
      operands.push_back(operand(v));
    OperationState state(loc, o->getName(), operands,
                         TypeRange{vectorOf(o->getResult(0).getType())}, o->getAttrs());
    map.map(o->getResult(0), b.create(state)->getResult(0));
  }
  return operand(body.epilogue);
}

class MicrokernelEmitter {
public:
  MicrokernelEmitter(linalg::GenericOp op, PackedContractionDims dims, KernelBody body,
                     ArrayRef<Operation *> epilogueOps, int64_t lanes, int64_t budget,
                     int64_t l2Bytes)
      : op(op), dims(dims), body(body), epilogueOps(epilogueOps), lanes(lanes),
        vpp(kPanelWidth / lanes), budget(budget), l2Bytes(l2Bytes), loc(op.getLoc()) {}

  void emit() {
    OpBuilder b(op);
    auto linalgOp = cast<linalg::LinalgOp>(op.getOperation());
    ranges = linalgOp.createLoopRanges(b, loc);
    maps = op.getIndexingMapsArray();
    ivs.assign(op.getNumLoops(), cst(b, 0));
    SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
    for (int64_t d = 0; d < (int64_t)iters.size(); ++d) {
      if (d == dims.m || d == dims.nb || d == dims.nr)
        continue;
      (iters[d] == utils::IteratorType::reduction ? reductions : outer).push_back(d);
    }
    constexpr int64_t kNominal = 64;
    auto extent = [&](int64_t d) {
      std::optional<int64_t> c = getConstantIntValue(ranges[d].size);
      return c ? *c : kNominal;
    };
    int64_t panelBytes = kPanelWidth * 4;
    for (int64_t d : reductions)
      panelBytes *= extent(d);
    // Weights of a full group of panels beyond the L2 cache (a 3x3 conv
    // over 512 channels: 4 x 295 KB): the outermost reduction loop (the
    // kernel row) goes outside the row tiles, each step reading a slice of
    // the weights that stays cached for all of them, and the partial sums
    // go through the output.
    blocked = reductions.size() >= 2 && getConstantIntValue(ranges[reductions[0]].size) &&
              extent(reductions[0]) > 1 && kMaxTilePanels * panelBytes > l2Bytes;
    if (blocked)
      panelBytes /= extent(reductions[0]);
    // Rows across the output dim just outside m (a conv's output row,
    // static): a 7-wide output row then fills 6-row tiles without a
    // 1-row remainder, rows running on into the next output row.
    AffineMap outMap = maps.back();
    for (int64_t i = 1; i < outMap.getNumResults(); ++i) {
      auto here = dyn_cast<AffineDimExpr>(outMap.getResult(i));
      auto before = dyn_cast<AffineDimExpr>(outMap.getResult(i - 1));
      if (!here || !before || (int64_t)here.getPosition() != dims.m)
        continue;
      int64_t o = before.getPosition();
      // The weight vectors of a step serve every row of the tile: they
      // must not depend on the flattened dim (a batched matmul's per-batch
      // right-hand side).
      if (llvm::is_contained(outer, o) && !maps[1].isFunctionOfDim(o) &&
          getConstantIntValue(ranges[o].size) &&
          getConstantIntValue(ranges[dims.m].size) && extent(o) > 1) {
        flatOuter = o;
        llvm::erase(outer, o);
      }
    }
    int64_t rowExtent = extent(dims.m) * (flatOuter >= 0 ? extent(flatOuter) : 1);
    tile = chooseTile(rowExtent, extent(dims.nb), vpp, budget, dims.vectorInput, panelBytes,
                      l2Bytes);
    // Panel groups outermost, (the blocked reduction,) then the other
    // parallel loops, then rows.
    auto rowTiles = [&](OpBuilder &pb, Value nb0, int64_t panels) {
      outerLoops(pb, 0, [&](OpBuilder &ob) {
        TileBody rowTile = [&](OpBuilder &rb, Value m0, int64_t rows) {
          kernel(rb, m0, rows, nb0, panels);
        };
        if (flatOuter >= 0)
          tiledOver(ob, ob.getIndexAttr(rowExtent), tile.rows, rowTile);
        else
          tiled(ob, dims.m, tile.rows, rowTile);
      });
    };
    tiled(b, dims.nb, tile.panels, [&](OpBuilder &pb, Value nb0, int64_t panels) {
      if (!blocked)
        return rowTiles(pb, nb0, panels);
      int64_t d = reductions[0];
      auto f = scf::ForOp::create(pb, loc, cst(pb, 0), cst(pb, extent(d)), cst(pb, 1));
      OpBuilder::InsertionGuard guard(pb);
      pb.setInsertionPoint(f.getBody()->getTerminator());
      ivs[d] = f.getInductionVar();
      rowTiles(pb, nb0, panels);
    });
    op.erase();
  }

private:
  using TileBody = std::function<void(OpBuilder &, Value, int64_t)>;

  Value cst(OpBuilder &b, int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  /// Loop `d` in tiles of `size`; a remainder tile (static extent) or
  /// single steps (dynamic extent) after the full ones.
  void tiled(OpBuilder &b, int64_t d, int64_t size, const TileBody &body) {
    tiledOver(b, ranges[d].size, size, body);
  }

  void tiledOver(OpBuilder &b, OpFoldResult extent, int64_t size, const TileBody &body) {
    auto loop = [&](Value lo, Value hi, int64_t step, int64_t count) {
      auto f = scf::ForOp::create(b, loc, lo, hi, cst(b, step));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(f.getBody()->getTerminator());
      body(b, f.getInductionVar(), count);
    };
    if (std::optional<int64_t> c = getConstantIntValue(extent)) {
      int64_t full = *c / size * size;
      if (full == size)
        body(b, cst(b, 0), size);
      else if (full > 0)
        loop(cst(b, 0), cst(b, full), size, size);
      if (*c > full)
        body(b, cst(b, full), *c - full);
      return;
    }
    Value n = cast<Value>(extent);
    Value full = arith::MulIOp::create(b, loc, arith::DivUIOp::create(b, loc, n, cst(b, size)),
                                       cst(b, size));
    loop(cst(b, 0), full, size, size);
    if (size > 1)
      loop(full, n, 1, 1);
  }

  void outerLoops(OpBuilder &b, size_t level, const std::function<void(OpBuilder &)> &body) {
    if (level == outer.size())
      return body(b);
    int64_t d = outer[level];
    auto f = scf::ForOp::create(b, loc, cst(b, 0),
                                getValueOrCreateConstantIndexOp(b, loc, ranges[d].size),
                                cst(b, 1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(f.getBody()->getTerminator());
    ivs[d] = f.getInductionVar();
    outerLoops(b, level + 1, body);
  }

  /// The operand indices `map` gives for the current loop values.
  SmallVector<Value> indices(OpBuilder &b, AffineMap map) { return mapIndices(b, loc, map, ivs); }

  void kernel(OpBuilder &b, Value m0, int64_t rows, Value nb0, int64_t panels) {
    auto vt = VectorType::get({lanes}, b.getF32Type());
    Value x = op.getDpsInputs()[0], w = op.getDpsInputs()[1], out = op.getDpsInits()[0];
    // Each row's m (and, flattened, its outer output dim).
    SmallVector<Value> rowIv, rowOuter, panelIv, laneIv;
    Value width = flatOuter >= 0 ? cst(b, *getConstantIntValue(ranges[dims.m].size)) : Value();
    for (int64_t r = 0; r < rows; ++r) {
      Value f = r ? arith::AddIOp::create(b, loc, m0, cst(b, r)).getResult() : m0;
      if (flatOuter < 0) {
        rowIv.push_back(f);
        continue;
      }
      rowIv.push_back(arith::RemUIOp::create(b, loc, f, width));
      rowOuter.push_back(arith::DivUIOp::create(b, loc, f, width));
    }
    auto atRow = [&](int64_t r) {
      ivs[dims.m] = rowIv[r];
      if (flatOuter >= 0)
        ivs[flatOuter] = rowOuter[r];
    };
    for (int64_t p = 0; p < panels; ++p)
      panelIv.push_back(p ? arith::AddIOp::create(b, loc, nb0, cst(b, p)).getResult() : nb0);
    for (int64_t v = 0; v < vpp; ++v)
      laneIv.push_back(cst(b, v * lanes));
    auto accIndex = [&](int64_t r, int64_t p, int64_t v) { return (r * panels + p) * vpp + v; };
    auto outIndices = [&](OpBuilder &ib, int64_t r, int64_t p, int64_t v) {
      atRow(r);
      ivs[dims.nb] = panelIv[p];
      ivs[dims.nr] = laneIv[v];
      return indices(ib, maps.back());
    };
    // An operand of the body's block argument `arg`, loaded as a vector
    // at the current loop values.
    auto loadArg = [&](OpBuilder &ib, BlockArgument arg) {
      unsigned i = arg.getArgNumber();
      return vector::LoadOp::create(ib, loc, vt, op->getOperand(i), indices(ib, maps[i]))
          .getResult();
    };
    // The accumulators start from the output, or from the fused start: a
    // column's value (the same for every row) or a constant. Blocked, the
    // fused start is for the first block; later ones continue the output.
    Value firstBlock, lastBlock;
    if (blocked) {
      int64_t d = reductions[0];
      auto at = [&](int64_t v) {
        return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, ivs[d], cst(b, v))
            .getResult();
      };
      firstBlock = at(0);
      lastBlock = at(*getConstantIntValue(ranges[d].size) - 1);
    }
    SmallVector<Value> acc(rows * panels * vpp);
    for (int64_t p = 0; p < panels; ++p)
      for (int64_t v = 0; v < vpp; ++v) {
        Value start;
        if (auto arg = dyn_cast_or_null<BlockArgument>(body.start)) {
          outIndices(b, 0, p, v);
          start = loadArg(b, arg);
        } else if (body.start) {
          start = vector::BroadcastOp::create(b, loc, vt, b.clone(*body.start.getDefiningOp())->getResult(0));
        }
        for (int64_t r = 0; r < rows; ++r) {
          Value a = start;
          if (!start || blocked) {
            Value partial = vector::LoadOp::create(b, loc, vt, out, outIndices(b, r, p, v));
            a = start ? arith::SelectOp::create(b, loc, firstBlock, start, partial).getResult()
                      : partial;
          }
          acc[accIndex(r, p, v)] = a;
        }
      }

    // One reduction step: the weight vectors, then each row's broadcast
    // input value into its accumulators.
    auto step = [&](OpBuilder &sb, ValueRange in) {
      SmallVector<Value> next(in.begin(), in.end()), wv;
      for (int64_t p = 0; p < panels; ++p)
        for (int64_t v = 0; v < vpp; ++v) {
          ivs[dims.nb] = panelIv[p];
          ivs[dims.nr] = laneIv[v];
          wv.push_back(vector::LoadOp::create(sb, loc, vt, w, indices(sb, maps[1])));
        }
      for (int64_t r = 0; r < rows; ++r) {
        atRow(r);
        Value s;
        if (!dims.vectorInput)
          s = vector::BroadcastOp::create(
              sb, loc, vt, memref::LoadOp::create(sb, loc, x, indices(sb, maps[0])));
        for (int64_t p = 0; p < panels; ++p)
          for (int64_t v = 0; v < vpp; ++v) {
            Value in = s;
            if (dims.vectorInput) {
              ivs[dims.nb] = panelIv[p];
              ivs[dims.nr] = laneIv[v];
              in = vector::LoadOp::create(sb, loc, vt, x, indices(sb, maps[0]));
            }
            int64_t i = accIndex(r, p, v);
            next[i] = vector::FMAOp::create(sb, loc, in, wv[p * vpp + v], next[i]);
          }
      }
      return next;
    };
    std::function<SmallVector<Value>(OpBuilder &, size_t, ValueRange)> reduce =
        [&](OpBuilder &rb, size_t level, ValueRange in) -> SmallVector<Value> {
      if (level == reductions.size())
        return step(rb, in);
      int64_t d = reductions[level];
      auto f = scf::ForOp::create(
          rb, loc, cst(rb, 0), getValueOrCreateConstantIndexOp(rb, loc, ranges[d].size),
          cst(rb, 1), in, [&](OpBuilder &fb, Location, Value iv, ValueRange iter) {
            ivs[d] = iv;
            scf::YieldOp::create(fb, loc, reduce(fb, level + 1, iter));
          });
      return SmallVector<Value>(f.getResults());
    };
    acc = reduce(b, blocked ? 1 : 0, acc);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t p = 0; p < panels; ++p)
        for (int64_t v = 0; v < vpp; ++v) {
          SmallVector<Value> at = outIndices(b, r, p, v);
          Value y = acc[accIndex(r, p, v)];
          if (body.epilogue) {
            Value e = epilogue(b, y);
            y = blocked ? arith::SelectOp::create(b, loc, lastBlock, e, y).getResult() : e;
          }
          vector::StoreOp::create(b, loc, y, out, at);
        }
  }

  /// The body's epilogue on the finished sums `sum` (a vector at the
  /// current loop values); other inputs (a residual) loaded like the output.
  Value epilogue(OpBuilder &b, Value sum) {
    return cloneEpilogue(b, loc, op, body, epilogueOps, sum, lanes,
                         [&](OpBuilder &ib, BlockArgument arg, VectorType vt) {
                           unsigned i = arg.getArgNumber();
                           return vector::LoadOp::create(ib, loc, vt, op->getOperand(i),
                                                         indices(ib, maps[i]))
                               .getResult();
                         });
  }

  linalg::GenericOp op;
  PackedContractionDims dims;
  KernelBody body;
  ArrayRef<Operation *> epilogueOps;
  int64_t lanes, vpp, budget, l2Bytes;
  Location loc;
  SmallVector<Range> ranges;
  SmallVector<AffineMap> maps;
  SmallVector<Value> ivs;
  SmallVector<int64_t> outer, reductions;
  TileShape tile;
  /// Whether the outermost reduction loop runs outside the row tiles.
  bool blocked = false;
  /// The output dim the rows run across with m (flattened), or -1.
  int64_t flatOuter = -1;
};

/// A Winograd transform generic (Winograd.cpp) as vector code. Its loops
/// are the tile loops, two transform dims (the a x a values of a tile for
/// the input transform, loops n th tw a b c | i j; the m x m outputs for
/// the output transform, n th i tw j k | a b), the channels, and the two
/// reduction dims over the tile's values; the generic's constant operand
/// is kron(p, p) of the 1-D transform p it carries. Per tile and vector of
/// channels the transform is applied separably, p d, then (p d) p^T, its
/// zero coefficients skipped and +-1 ones additions, then the start (bias)
/// added and the epilogue applied.
class WinogradTransformEmitter {
public:
  WinogradTransformEmitter(linalg::GenericOp op, KernelBody body,
                           ArrayRef<Operation *> epilogueOps, int64_t lanes)
      : op(op), body(body), epilogueOps(epilogueOps), lanes(lanes), loc(op.getLoc()) {
    bool input = op->hasAttr(whittle::kWinogradInputAttr);
    tileDims = input ? SmallVector<int64_t>{0, 1, 2} : SmallVector<int64_t>{0, 1, 3};
    outDims = input ? SmallVector<int64_t>{3, 4} : SmallVector<int64_t>{2, 4};
    auto p = op->getAttrOfType<DenseF64ArrayAttr>(input ? whittle::kWinogradInputAttr
                                                        : whittle::kWinogradOutputAttr);
    if (p)
      matrix.assign(p.asArrayRef().begin(), p.asArrayRef().end());
  }

  /// Whether the generic has the structure above with whole transform dims
  /// (not split for threads) and whole vectors of channels.
  bool emittable() {
    if (op.getNumLoops() != 8 || matrix.empty() || op.getNumDpsInputs() < 2)
      return false;
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    rows = ranges[outDims[0]];
    cols = ranges[kInDims[0]];
    return !ShapedType::isDynamic(rows) && !ShapedType::isDynamic(cols) &&
           ranges[outDims[1]] == rows && ranges[kInDims[1]] == cols &&
           rows * cols == (int64_t)matrix.size() && !ShapedType::isDynamic(ranges[kChannel]) &&
           ranges[kChannel] % lanes == 0;
  }

  /// Whether the generic's constant operand (a global's value) is
  /// kron(p, p) for the transform p it carries, which the vector code
  /// computes instead.
  bool readsItsTransform() {
    auto get = op.getDpsInputs()[1].getDefiningOp<memref::GetGlobalOp>();
    auto global = get ? SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
                            op, get.getNameAttr())
                      : memref::GlobalOp();
    auto value = global && global.getConstant()
                     ? dyn_cast_or_null<ElementsAttr>(global.getInitialValueAttr())
                     : ElementsAttr();
    if (!value || value.getNumElements() != rows * rows * cols * cols)
      return false;
    bool same = true;
    whittle::wt::forEachElement(value, [&](int64_t i, double v) {
      int64_t j = i % cols, c = i / cols % cols, s = i / (cols * cols) % rows,
              r = i / (cols * cols * rows);
      same &= (float)v == (float)(matrix[r * cols + c] * matrix[s * cols + j]);
    });
    return same;
  }

  void emit() {
    OpBuilder b(op);
    auto linalgOp = cast<linalg::LinalgOp>(op.getOperation());
    SmallVector<Range> ranges = linalgOp.createLoopRanges(b, loc);
    maps = op.getIndexingMapsArray();
    ivs.assign(op.getNumLoops(), cst(b, 0));
    std::function<void(OpBuilder &, size_t)> loops = [&](OpBuilder &lb, size_t level) {
      bool channels = level == tileDims.size();
      int64_t d = channels ? kChannel : tileDims[level];
      auto f = scf::ForOp::create(lb, loc, cst(lb, 0),
                                  getValueOrCreateConstantIndexOp(lb, loc, ranges[d].size),
                                  cst(lb, channels ? lanes : 1));
      OpBuilder::InsertionGuard guard(lb);
      lb.setInsertionPoint(f.getBody()->getTerminator());
      ivs[d] = f.getInductionVar();
      if (channels)
        tile(lb);
      else
        loops(lb, level + 1);
    };
    loops(b, 0);
    op.erase();
  }

private:
  static constexpr int64_t kChannel = 5;
  static constexpr int64_t kInDims[2] = {6, 7};

  Value cst(OpBuilder &b, int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  /// sum_i coefs[i] * vals[i] over the nonzero coefficients.
  Value combine(OpBuilder &b, ArrayRef<double> coefs, ArrayRef<Value> vals) {
    auto vt = VectorType::get({lanes}, b.getF32Type());
    Value acc;
    for (auto [c, v] : llvm::zip(coefs, vals)) {
      if (c == 0)
        continue;
      Value scale;
      if (c != 1 && c != -1)
        scale = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(vt, (float)c));
      if (!acc)
        acc = c == 1    ? v
              : c == -1 ? arith::NegFOp::create(b, loc, v).getResult()
                        : arith::MulFOp::create(b, loc, scale, v).getResult();
      else
        acc = c == 1    ? arith::AddFOp::create(b, loc, acc, v).getResult()
              : c == -1 ? arith::SubFOp::create(b, loc, acc, v).getResult()
                        : vector::FMAOp::create(b, loc, scale, v, acc).getResult();
    }
    return acc ? acc
               : arith::ConstantOp::create(b, loc, DenseElementsAttr::get(vt, 0.0f)).getResult();
  }

  /// One tile and vector of channels at the current loop values.
  void tile(OpBuilder &b) {
    auto vt = VectorType::get({lanes}, b.getF32Type());
    Value in = op.getDpsInputs()[0], out = op.getDpsInits()[0];
    for (int64_t d : outDims)
      ivs[d] = cst(b, 0);
    // The tile's values d[i][j].
    SmallVector<Value> vals(cols * cols);
    for (int64_t i = 0; i < cols; ++i)
      for (int64_t j = 0; j < cols; ++j) {
        ivs[kInDims[0]] = cst(b, i);
        ivs[kInDims[1]] = cst(b, j);
        vals[i * cols + j] =
            vector::LoadOp::create(b, loc, vt, in, mapIndices(b, loc, maps[0], ivs));
      }
    ArrayRef<double> p(matrix);
    // t = p d (rows x cols), then r = t p^T (rows x rows).
    SmallVector<Value> t(rows * cols), column(cols);
    for (int64_t j = 0; j < cols; ++j) {
      for (int64_t i = 0; i < cols; ++i)
        column[i] = vals[i * cols + j];
      for (int64_t r = 0; r < rows; ++r)
        t[r * cols + j] = combine(b, p.slice(r * cols, cols), column);
    }
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t s = 0; s < rows; ++s) {
        ivs[outDims[0]] = cst(b, r);
        ivs[outDims[1]] = cst(b, s);
        Value y = combine(b, p.slice(s * cols, cols), ArrayRef<Value>(t).slice(r * cols, cols));
        if (auto arg = dyn_cast_or_null<BlockArgument>(body.start)) {
          unsigned i = arg.getArgNumber();
          Value start = vector::LoadOp::create(b, loc, vt, op->getOperand(i),
                                               mapIndices(b, loc, maps[i], ivs));
          y = arith::AddFOp::create(b, loc, start, y);
        } else if (body.start && !matchPattern(body.start, m_AnyZeroFloat())) {
          Value start = vector::BroadcastOp::create(
              b, loc, vt, b.clone(*body.start.getDefiningOp())->getResult(0));
          y = arith::AddFOp::create(b, loc, start, y);
        }
        if (body.epilogue)
          y = cloneEpilogue(b, loc, op, body, epilogueOps, y, lanes,
                            [&](OpBuilder &ib, BlockArgument arg, VectorType at) {
                              unsigned i = arg.getArgNumber();
                              return vector::LoadOp::create(ib, loc, at, op->getOperand(i),
                                                            mapIndices(ib, loc, maps[i], ivs))
                                  .getResult();
                            });
        vector::StoreOp::create(b, loc, y, out, mapIndices(b, loc, maps.back(), ivs));
      }
  }

  linalg::GenericOp op;
  KernelBody body;
  ArrayRef<Operation *> epilogueOps;
  int64_t lanes;
  Location loc;
  SmallVector<int64_t> tileDims, outDims;
  SmallVector<double> matrix;
  int64_t rows = 0, cols = 0;
  SmallVector<AffineMap> maps;
  SmallVector<Value> ivs;
};

/// A packed contraction this pass lowers: f32 buffers, a body matchBody
/// reads.
bool lowerable(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics())
    return false;
  for (Value v : op->getOperands()) {
    auto t = dyn_cast<MemRefType>(v.getType());
    if (!t || !t.getElementType().isF32())
      return false;
  }
  SmallVector<Operation *> epilogueOps;
  return matchBody(op, epilogueOps).has_value();
}

/// Moves `op` into a new private function of its module (called in its
/// place with its operands) and returns the moved op: each register-tiled
/// kernel is its own function, so the model's main function, which LLVM's
/// OpenMP outlining walks once per parallel region, stays small.
linalg::GenericOp outline(linalg::GenericOp op, SymbolTable &symbols) {
  auto parent = op->getParentOfType<func::FuncOp>();
  OpBuilder b(parent);
  b.setInsertionPointAfter(parent);
  Location loc = op.getLoc();
  auto fnTy = b.getFunctionType(op->getOperandTypes(), {});
  auto fn = func::FuncOp::create(b, loc, "whittle_kernel", fnTy);
  fn.setPrivate();
  symbols.insert(fn);
  Block *entry = fn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  IRMapping map;
  map.map(op->getOperands(), entry->getArguments());
  // Constants the body uses from outside (canonicalization hoists them)
  // are defined again in the kernel.
  SetVector<Value> captured;
  getUsedValuesDefinedAbove(op->getRegions(), captured);
  for (Value v : captured)
    map.map(v, b.clone(*v.getDefiningOp())->getResult(0));
  auto moved = cast<linalg::GenericOp>(b.clone(*op, map));
  func::ReturnOp::create(b, loc);
  b.setInsertionPoint(op);
  func::CallOp::create(b, loc, fn, op->getOperands());
  op.erase();
  return moved;
}

struct LowerMicrokernelsPass
    : whittle::impl::LowerMicrokernelsPassBase<LowerMicrokernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    int64_t lanes = std::clamp<int64_t>(vectorBits / 32, 4, whittle::kPanelWidth);
    // The register file: accumulators, a panel group's weight vectors and
    // a broadcast (chooseTile).
    int64_t budget = std::max<int64_t>((int64_t)vectorRegisters, 8);
    SmallVector<linalg::GenericOp> ops, transforms;
    getOperation().walk([&](linalg::GenericOp op) {
      // Values from outside the body can only be constants (outline).
      SetVector<Value> captured;
      getUsedValuesDefinedAbove(op->getRegions(), captured);
      if (!lowerable(op) || !op->getParentOfType<func::FuncOp>() ||
          !llvm::all_of(captured, [](Value v) {
            return v.getDefiningOp() && v.getDefiningOp()->hasTrait<OpTrait::ConstantLike>();
          }))
        return;
      if (whittle::packedContractionDims(op))
        ops.push_back(op);
      SmallVector<Operation *> epilogueOps;
      if ((op->hasAttr(whittle::kWinogradInputAttr) ||
           op->hasAttr(whittle::kWinogradOutputAttr)) &&
          [&] {
            WinogradTransformEmitter e(op, *matchBody(op, epilogueOps), epilogueOps, lanes);
            return e.emittable() && e.readsItsTransform();
          }())
        transforms.push_back(op);
    });
    SymbolTable symbols(getOperation());
    for (linalg::GenericOp op : ops) {
      linalg::GenericOp kernel = outline(op, symbols);
      SmallVector<Operation *> epilogueOps;
      KernelBody body = *matchBody(kernel, epilogueOps);
      MicrokernelEmitter(kernel, *whittle::packedContractionDims(kernel), body, epilogueOps,
                         lanes, budget, l2Bytes)
          .emit();
    }
    for (linalg::GenericOp op : transforms) {
      linalg::GenericOp kernel = outline(op, symbols);
      SmallVector<Operation *> epilogueOps;
      KernelBody body = *matchBody(kernel, epilogueOps);
      WinogradTransformEmitter emitter(kernel, body, epilogueOps, lanes);
      if (emitter.emittable())
        emitter.emit();
    }
  }
};

} // namespace
