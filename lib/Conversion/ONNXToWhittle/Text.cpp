//===- Text.cpp - TfIdfVectorizer, StringNormalizer -----------------------===//
//
// TfIdfVectorizer over integer tokens: whittle.ngram_count gives the term
// frequencies (TF); IDF and TFIDF weigh them per output column in
// elementwise ops (IDF: the weight where the count is non-zero).
// StringNormalizer: whittle.string_normalize. How many strings survive the
// stopwords depends on the data: the declared output shape fixes it, and a
// run that leaves another count fails with a message.
//
//===----------------------------------------------------------------------===//

#include "LegalizationTable.h"

using namespace mlir;
using namespace whittle;
using namespace whittle::conversion;

namespace {

LogicalResult convertTfIdf(onnx::TfIdfVectorizerOp op, PatternRewriter &rewriter) {
  auto inTy = rankedType(op.getX());
  auto outTy = rankedType(op.getY());
  if (!inTy || !outTy || !inTy.hasStaticShape() || !outTy.hasStaticShape() ||
      !isa<IntegerType>(inTy.getElementType()))
    return rewriter.notifyMatchFailure(op, "needs static integer tokens");
  auto pool = op.getPoolInt64s();
  if (!pool)
    return rewriter.notifyMatchFailure(op, "string pools need string tensors");
  Location loc = op.getLoc();
  auto counts = wt::NgramCountOp::create(
      rewriter, loc, outTy, op.getX(), (int64_t)op.getMinGramLength(),
      (int64_t)op.getMaxGramLength(), (int64_t)op.getMaxSkipCount(), *pool,
      op.getNgramCounts(), op.getNgramIndexes());
  StringRef mode = op.getMode();
  if (mode == "TF") {
    rewriter.replaceOp(op, counts);
    return success();
  }
  if (mode != "IDF" && mode != "TFIDF")
    return op.emitError("TfIdfVectorizer: unknown mode '") << mode << "'";
  int64_t cols = outTy.getDimSize(outTy.getRank() - 1);
  SmallVector<float> weights(cols, 1.0f);
  if (auto w = op.getWeights()) {
    if ((int64_t)w->size() != cols)
      return op.emitError("TfIdfVectorizer: ") << w->size() << " weights for " << cols
                                               << " output columns";
    weights.assign(w->begin(), w->end());
  }
  auto wTy = RankedTensorType::get({cols}, outTy.getElementType());
  Value w = wt::ConstantOp::create(
      rewriter, loc, cast<ElementsAttr>(DenseElementsAttr::get(wTy, ArrayRef<float>(weights))));
  if (mode == "TFIDF") {
    rewriter.replaceOpWithNewOp<wt::BinaryOp>(op, outTy, counts, w, wt::BinaryFn::mul);
    return success();
  }
  Value zero = createScalarConstant(rewriter, loc, outTy.getElementType(), 0);
  Value seen = wt::BinaryOp::create(
      rewriter, loc, RankedTensorType::get(outTy.getShape(), rewriter.getI1Type()), counts,
      zero, wt::BinaryFn::gt);
  rewriter.replaceOpWithNewOp<wt::SelectOp>(op, outTy, seen,
                                            wt::BroadcastOp::create(rewriter, loc, outTy, w,
                                                                    Value()),
                                            zero);
  return success();
}


LogicalResult convertStringNormalizer(onnx::StringNormalizerOp op, PatternRewriter &rewriter) {
  auto inTy = rankedType(op.getX());
  auto outTy = rankedType(op.getY());
  if (!inTy || !inTy.hasStaticShape() || !outTy || outTy.getRank() != inTy.getRank())
    return rewriter.notifyMatchFailure(op, "needs a static [C] or [1, C] input");
  if (inTy.getRank() == 2 && inTy.getDimSize(0) != 1)
    return op.emitError("StringNormalizer: a 2-D input must be [1, C], not ")
           << inTy;
  if (!outTy.hasStaticShape())
    return rewriter.notifyMatchFailure(
        op, "the output's length depends on the data: declare it in the model");
  StringRef action = op.getCaseChangeAction();
  int64_t caseChange = action == "LOWER" ? 1 : action == "UPPER" ? 2 : 0;
  if (caseChange == 0 && action != "NONE" && !action.empty())
    return op.emitError("StringNormalizer: unknown case_change_action '") << action << "'";
  ArrayAttr stopwords = op.getStopwords().value_or(rewriter.getArrayAttr({}));
  rewriter.replaceOpWithNewOp<wt::StringNormalizeOp>(op, outTy, op.getX(), caseChange,
                                                     op.getIsCaseSensitive() != 0, stopwords);
  return success();
}

} // namespace

void whittle::conversion::populateTextLegalizations(LegalizationTable &table) {
  table.onOp<onnx::TfIdfVectorizerOp>(1, convertTfIdf);
  table.onOp<onnx::StringNormalizerOp>(1, convertStringNormalizer);
}
