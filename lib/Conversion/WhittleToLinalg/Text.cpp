//===- Text.cpp - whittle.ngram_count, whittle.string_normalize -----------===//
//
// ngram_count: one reduction generic over (row, pool entry, start, skip)
// compares the pooled tokens (a constant table) with the row's tokens at
// start + j * (skip + 1); a second generic places each entry's count in its
// output column.
// string_normalize: strings are i64 pointers in code; the op calls the
// helper whittle_rt_string_normalize of the model's entry point (a few
// lines of C: case folding and stopword matching are byte loops, not
// tensor code) on the input's buffer, an output buffer and the stopwords
// as NUL-separated bytes.
// cast between numbers and strings: the numbers are widened to f32, f64 or
// i64 in a generic, and whittle_rt_format_* / whittle_rt_parse_* convert
// the flat buffer (shortest round-trip text; strtod / strtoll).
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/MapVector.h"

using namespace mlir;
using namespace whittle;
using namespace whittle::lowering;

namespace {

struct LowerNgramCount : OpRewritePattern<wt::NgramCountOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::NgramCountOp op, PatternRewriter &rewriter) const override {
    auto inTy = staticType(op.getInput()), outTy = staticType(op.getOutput());
    if (!inTy || !outTy)
      return rewriter.notifyMatchFailure(op, "needs static shapes");
    Location loc = op.getLoc();
    auto i64 = rewriter.getI64Type();
    auto f = cast<FloatType>(outTy.getElementType());
    int64_t rows = inTy.getRank() == 2 ? inTy.getDimSize(0) : 1;
    int64_t n = inTy.getDimSize(inTy.getRank() - 1), cols = outTy.getDimSize(outTy.getRank() - 1);
    // The pool as a table: tokens [entries, max_gram] and lengths [entries]
    // (0 for lengths outside [min_gram, max_gram]: never counted).
    ArrayRef<int64_t> pool = op.getPool(), starts = op.getPoolStarts();
    int64_t width = std::max<int64_t>(1, starts.size());
    SmallVector<int64_t> tokens, lengths;
    for (size_t g = 0; g < starts.size(); ++g) {
      int64_t len = g + 1, end = g + 1 < starts.size() ? starts[g + 1] : (int64_t)pool.size();
      for (int64_t e = starts[g]; e + len <= end; e += len) {
        for (int64_t j = 0; j < width; ++j)
          tokens.push_back(j < len ? pool[e + j] : 0);
        bool counted = len >= (int64_t)op.getMinGram() && len <= (int64_t)op.getMaxGram();
        lengths.push_back(counted ? len : 0);
      }
    }
    int64_t entries = lengths.size();
    if (entries == 0) {
      rewriter.replaceOp(op, filled(rewriter, loc, outTy, scalarConstant(rewriter, loc, f, 0)));
      return success();
    }
    auto table = [&](ArrayRef<int64_t> shape, ArrayRef<int64_t> values) -> Value {
      auto ty = RankedTensorType::get(shape, i64);
      return arith::ConstantOp::create(rewriter, loc, ty, DenseElementsAttr::get(ty, values));
    };
    Value tokTable = table({entries, width}, tokens), lenTable = table({entries}, lengths);
    SmallVector<int64_t> entryOf(cols, -1);
    for (auto [e, c] : llvm::enumerate(op.getColumns()))
      entryOf[c] = e;
    Value entryTable = table({cols}, entryOf);
    Value x = op.getInput();
    auto xTy = RankedTensorType::get({rows, n}, inTy.getElementType());
    if (inTy.getRank() == 1)
      x = reshapeTo(rewriter, loc, x, xTy);
    int64_t skips = op.getMaxSkip() + 1;
    MLIRContext *ctx = getContext();
    auto countTy = RankedTensorType::get({rows, entries}, f);
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    Value counts =
        linalg::GenericOp::create(
            rewriter, loc, countTy,
            // Gives the start and skip loops their sizes (never read).
            ValueRange{tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{n, skips}, f)},
            filled(rewriter, loc, countTy, scalarConstant(rewriter, loc, f, 0)),
            SmallVector<AffineMap>{AffineMap::get(4, 0, {d(2), d(3)}, ctx),
                                   AffineMap::get(4, 0, {d(0), d(1)}, ctx)},
            SmallVector<utils::IteratorType>{utils::IteratorType::parallel,
                                             utils::IteratorType::parallel,
                                             utils::IteratorType::reduction,
                                             utils::IteratorType::reduction},
            [&](OpBuilder &b, Location l, ValueRange a) {
              Value r = linalg::IndexOp::create(b, l, 0), e = linalg::IndexOp::create(b, l, 1);
              Value i = linalg::IndexOp::create(b, l, 2), s = linalg::IndexOp::create(b, l, 3);
              auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, l, v); };
              auto cmp = [&](arith::CmpIPredicate p, Value u, Value v) {
                return arith::CmpIOp::create(b, l, p, u, v);
              };
              Value len = arith::IndexCastOp::create(
                  b, l, b.getIndexType(), tensor::ExtractOp::create(b, l, lenTable, e));
              // Counted lengths only; a unigram once, not once per skip.
              Value match = arith::AndIOp::create(
                  b, l, cmp(arith::CmpIPredicate::sgt, len, idx(0)),
                  arith::OrIOp::create(b, l, cmp(arith::CmpIPredicate::sgt, len, idx(1)),
                                       cmp(arith::CmpIPredicate::eq, s, idx(0))));
              Value gap = arith::AddIOp::create(b, l, s, idx(1));
              for (int64_t j = 0; j < width; ++j) {
                Value pos = arith::AddIOp::create(
                    b, l, i, arith::MulIOp::create(b, l, gap, idx(j)));
                Value inside = cmp(arith::CmpIPredicate::slt, pos, idx(n));
                Value safe = arith::SelectOp::create(b, l, inside, pos, idx(0));
                Value tok = tensor::ExtractOp::create(b, l, x, ValueRange{r, safe});
                if (tok.getType() != i64)
                  tok = arith::ExtSIOp::create(b, l, i64, tok);
                Value want = tensor::ExtractOp::create(b, l, tokTable, ValueRange{e, idx(j)});
                Value same = arith::AndIOp::create(
                    b, l, inside, cmp(arith::CmpIPredicate::eq, tok, want));
                Value needed = cmp(arith::CmpIPredicate::slt, idx(j), len);
                match = arith::AndIOp::create(
                    b, l, match,
                    arith::OrIOp::create(b, l, arith::XOrIOp::create(
                                                   b, l, needed,
                                                   arith::ConstantIntOp::create(b, l, 1, 1)),
                                         same));
              }
              Value one = arith::UIToFPOp::create(b, l, f, match);
              linalg::YieldOp::create(b, l, ValueRange{arith::AddFOp::create(b, l, a[1], one)});
            })
            .getResult(0);
    auto placedTy = RankedTensorType::get({rows, cols}, f);
    Value placed = buildIndexedGeneric(rewriter, loc, placedTy, [&](OpBuilder &b, Location l) {
      Value r = linalg::IndexOp::create(b, l, 0), c = linalg::IndexOp::create(b, l, 1);
      Value e = tensor::ExtractOp::create(b, l, entryTable, c);
      Value has = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, e,
                                        arith::ConstantIntOp::create(b, l, i64, 0));
      Value safe = arith::SelectOp::create(b, l, has, e, arith::ConstantIntOp::create(b, l, i64, 0));
      Value v = tensor::ExtractOp::create(
          b, l, counts,
          ValueRange{r, arith::IndexCastOp::create(b, l, b.getIndexType(), safe)});
      return arith::SelectOp::create(b, l, has, v, scalarConstant(b, l, f, 0)).getResult();
    });
    rewriter.replaceOp(op, placedTy == outTy ? placed : reshapeTo(rewriter, loc, placed, outTy));
    return success();
  }
};


constexpr llvm::StringLiteral kStringNormalize = "whittle_rt_string_normalize";

struct LowerStringNormalize : OpRewritePattern<wt::StringNormalizeOp> {
  using Base::Base;
  LogicalResult matchAndRewrite(wt::StringNormalizeOp op,
                                PatternRewriter &rewriter) const override {
    auto inTy = staticType(op.getInput()), outTy = staticType(op.getOutput());
    if (!inTy || !outTy)
      return rewriter.notifyMatchFailure(op, "needs static shapes");
    Location loc = op.getLoc();
    auto i64 = rewriter.getI64Type(), i8 = rewriter.getI8Type();
    int64_t n = inTy.getNumElements(), m = outTy.getNumElements();
    Value in = reshapeTo(rewriter, loc, signlessView(rewriter, loc, op.getInput()),
                         RankedTensorType::get({n}, i64));
    Value inBuf = bufferization::ToBufferOp::create(
        rewriter, loc, MemRefType::get({n}, i64), in, /*read_only=*/true);
    Value outBuf = memref::AllocOp::create(rewriter, loc, MemRefType::get({m}, i64));
    std::vector<int8_t> bytes;
    for (Attribute a : op.getStopwords()) {
      StringRef w = cast<StringAttr>(a).getValue();
      bytes.insert(bytes.end(), w.begin(), w.end());
      bytes.push_back(0);
    }
    bytes.push_back(0); // an empty word ends the list
    auto wordsTy = RankedTensorType::get({(int64_t)bytes.size()}, i8);
    Value words = arith::ConstantOp::create(
        rewriter, loc, wordsTy, DenseElementsAttr::get(wordsTy, ArrayRef<int8_t>(bytes)));
    Value wordsBuf = bufferization::ToBufferOp::create(
        rewriter, loc, MemRefType::get(wordsTy.getShape(), i8), words, /*read_only=*/true);
    auto dyn = [&](Value buf, Type elt) {
      return memref::CastOp::create(rewriter, loc, MemRefType::get({ShapedType::kDynamic}, elt),
                                    buf)
          .getResult();
    };
    int64_t flags = op.getCaseChange() | (op.getCaseSensitive() ? 4 : 0);
    func::CallOp::create(rewriter, loc, kStringNormalize, TypeRange{},
                         ValueRange{dyn(inBuf, i64), dyn(outBuf, i64), dyn(wordsBuf, i8),
                                    arith::ConstantIntOp::create(rewriter, loc, i64, flags)});
    Value out = bufferization::ToTensorOp::create(rewriter, loc, RankedTensorType::get({m}, i64),
                                                  outBuf, /*restrict=*/true, /*writable=*/true);
    out = reshapeTo(rewriter, loc, out, cast<RankedTensorType>(signlessType(outTy)));
    rewriter.replaceOp(op, restoreSign(rewriter, loc, out, outTy));
    return success();
  }
};


/// The helper converting between strings and `t`'s element type and the
/// element type that helper takes (f32, f64 or i64); null when none.
std::pair<StringRef, Type> stringCastHelper(Type t, bool toString) {
  MLIRContext *ctx = t.getContext();
  Type elt = cast<ShapedType>(t).getElementType();
  Type f32 = Float32Type::get(ctx), f64 = Float64Type::get(ctx);
  auto i64 = IntegerType::get(ctx, 64);
  if (auto ft = dyn_cast<FloatType>(elt)) {
    if (toString)
      return ft.getWidth() <= 32 ? std::make_pair(StringRef("whittle_rt_format_f32"), Type(f32))
                                 : std::make_pair(StringRef("whittle_rt_format_f64"), Type(f64));
    return {"whittle_rt_parse_f64", f64};
  }
  auto it = dyn_cast<IntegerType>(elt);
  if (!it || it.getWidth() == 1 || (it.isUnsigned() && it.getWidth() == 64))
    return {StringRef(), Type()};
  return {toString ? "whittle_rt_format_i64" : "whittle_rt_parse_i64", i64};
}

/// Elementwise conversion of numbers `v` to `type` (widths and kinds).
Value convertNumbers(OpBuilder &b, Location loc, Value v, RankedTensorType type,
                     bool isUnsigned) {
  Type to = type.getElementType();
  return buildElementwise(b, loc, type, v, [&](OpBuilder &nb, Location nl, ValueRange a) {
    Value x = a[0];
    Type from = x.getType();
    if (from == to)
      return x;
    if (isa<FloatType>(from) && isa<FloatType>(to))
      return from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth()
                 ? arith::ExtFOp::create(nb, nl, to, x).getResult()
                 : arith::TruncFOp::create(nb, nl, to, x).getResult();
    if (isa<IntegerType>(from) && isa<IntegerType>(to)) {
      if (from.getIntOrFloatBitWidth() > to.getIntOrFloatBitWidth())
        return arith::TruncIOp::create(nb, nl, to, x).getResult();
      return isUnsigned ? arith::ExtUIOp::create(nb, nl, to, x).getResult()
                        : arith::ExtSIOp::create(nb, nl, to, x).getResult();
    }
    return Value();
  });
}

struct LowerStringCast : OpRewritePattern<wt::CastOp> {
  LowerStringCast(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(wt::CastOp op, PatternRewriter &rewriter) const override {
    auto inTy = staticType(op.getInput()), outTy = staticType(op.getOutput());
    if (!inTy || !outTy)
      return rewriter.notifyMatchFailure(op, "needs static shapes");
    bool toString = isa<onnx::StringType>(outTy.getElementType());
    bool fromString = isa<onnx::StringType>(inTy.getElementType());
    if (toString == fromString)
      return rewriter.notifyMatchFailure(op, "not a cast between numbers and strings");
    RankedTensorType numTy = toString ? inTy : outTy;
    auto [helper, helperElt] = stringCastHelper(numTy, toString);
    if (helper.empty())
      return rewriter.notifyMatchFailure(op, "no string conversion for this element type");
    Location loc = op.getLoc();
    auto i64 = rewriter.getI64Type();
    int64_t n = inTy.getNumElements();
    bool isUnsigned = isUnsignedInt(numTy);
    auto flat = [&](Type elt) { return RankedTensorType::get({n}, elt); };
    auto buffer = [&](Value t, Type elt) {
      Value b = bufferization::ToBufferOp::create(rewriter, loc, MemRefType::get({n}, elt), t,
                                                  /*read_only=*/true);
      return memref::CastOp::create(rewriter, loc, MemRefType::get({ShapedType::kDynamic}, elt),
                                    b)
          .getResult();
    };
    Value in = reshapeTo(rewriter, loc, signlessView(rewriter, loc, op.getInput()),
                         flat(fromString ? i64 : signlessType(inTy.getElementType())));
    if (!fromString)
      in = convertNumbers(rewriter, loc, in, flat(helperElt), isUnsigned);
    Type outElt = toString ? Type(i64) : helperElt;
    Value outBuf = memref::AllocOp::create(rewriter, loc, MemRefType::get({n}, outElt));
    Value outDyn = memref::CastOp::create(
        rewriter, loc, MemRefType::get({ShapedType::kDynamic}, outElt), outBuf);
    func::CallOp::create(rewriter, loc, helper, TypeRange{},
                         ValueRange{buffer(in, fromString ? i64 : helperElt), outDyn});
    Value out = bufferization::ToTensorOp::create(rewriter, loc, flat(outElt), outBuf,
                                                  /*restrict=*/true, /*writable=*/true);
    if (!toString)
      out = convertNumbers(rewriter, loc, out, flat(signlessType(outTy.getElementType())),
                           isUnsigned);
    out = reshapeTo(rewriter, loc, out, cast<RankedTensorType>(signlessType(outTy)));
    rewriter.replaceOp(op, restoreSign(rewriter, loc, out, outTy));
    return success();
  }
};

} // namespace

void whittle::lowering::declareRuntimeHelpers(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  auto i64 = IntegerType::get(ctx, 64);
  auto dyn = [&](Type elt) -> Type { return MemRefType::get({ShapedType::kDynamic}, elt); };
  llvm::MapVector<StringRef, FunctionType> needed;
  auto dynamic = [](Type t) {
    auto r = dyn_cast<RankedTensorType>(t);
    return r && !r.hasStaticShape();
  };
  module.walk([&](Operation *op) {
    // (found, expected, site): ends the run when a dynamic size differs
    // from the one a lowering relies on.
    if (llvm::any_of(op->getResultTypes(), dynamic) ||
        llvm::any_of(op->getOperandTypes(), dynamic))
      needed[kCheckDim] = FunctionType::get(ctx, {i64, i64, i64}, {});
    // (min, max, size, site): ends the run when data-dependent indices
    // fall outside the dimension they index.
    if (isa<wt::GatherOp, wt::GatherElementsOp, wt::GatherNdOp, wt::ScatterElementsOp,
            wt::ScatterNdOp>(op))
      needed[kCheckIndex] = FunctionType::get(ctx, {i64, i64, i64, i64}, {});
    if (auto r = dyn_cast<wt::ResizeOp>(op); r && r.getScaleValues())
      needed[kCheckScale] = FunctionType::get(
          ctx, {Float64Type::get(ctx), Float64Type::get(ctx), i64}, {});
    if (isa<wt::NonZeroOp>(op)) {
      // (count found, count declared): fails the run when they differ.
      needed["whittle_rt_check_count"] = FunctionType::get(ctx, {i64, i64}, {});
    } else if (isa<wt::StringNormalizeOp>(op)) {
      // (input strings, output strings, stopwords, flags): see the entry point.
      needed[kStringNormalize] =
          FunctionType::get(ctx, {dyn(i64), dyn(i64), dyn(IntegerType::get(ctx, 8)), i64}, {});
    } else if (auto c = dyn_cast<wt::CastOp>(op)) {
      bool toString = isa<onnx::StringType>(getElementTypeOrSelf(c.getOutput().getType()));
      bool fromString = isa<onnx::StringType>(getElementTypeOrSelf(c.getInput().getType()));
      if (toString == fromString)
        return;
      auto [name, elt] = stringCastHelper(toString ? c.getInput().getType()
                                                   : c.getOutput().getType(),
                                          toString);
      if (!name.empty())
        needed[name] = FunctionType::get(
            ctx, {dyn(toString ? elt : i64), dyn(toString ? i64 : elt)}, {});
    }
  });
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  for (auto &[name, type] : needed) {
    if (module.lookupSymbol(name))
      continue;
    auto fn = func::FuncOp::create(b, module.getLoc(), name, type);
    fn.setPrivate();
    fn->setAttr("llvm.emit_c_interface", UnitAttr::get(ctx));
  }
}

void whittle::lowering::populateTextLowerings(RewritePatternSet &patterns) {
  patterns.add<LowerNgramCount, LowerStringNormalize, LowerStringCast>(patterns.getContext());
}
