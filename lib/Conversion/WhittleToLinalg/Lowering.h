//===- Lowering.h - whittle -> linalg shared builders -----------*- C++ -*-===//
//
// Builders shared by the whittle-to-linalg patterns: broadcasting
// elementwise linalg.generic, scalar constants, padding, reductions.
// Shapes may have dynamic dims: a result's run-time sizes come from its
// operands (tensor.dim), and where a lowering relies on two sizes being
// equal it calls the entry point's whittle_rt_check_dim, which ends the run
// with an error when they differ. Patterns that still need static shapes
// decline on a dynamic dim.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_LIB_CONVERSION_WHITTLETOLINALG_LOWERING_H
#define WHITTLE_LIB_CONVERSION_WHITTLETOLINALG_LOWERING_H

#include "whittle/Dialect/Whittle/WhittleOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

#include <functional>
#include <optional>
#include <vector>

namespace whittle::lowering {

using BodyFn = llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                              mlir::ValueRange)>;

/// Static ranked type of `v`, or null.
mlir::RankedTensorType staticType(mlir::Value v);
/// Ranked type of `v` (dynamic dims allowed), or null.
mlir::RankedTensorType rankedType(mlir::Value v);

/// The runtime check of an assumed size: (found, expected, site), i64s.
inline constexpr const char *kCheckDim = "whittle_rt_check_dim";
/// The runtime check of data-dependent indices: (min, max, size, site),
/// i64s; the run ends unless -size <= min and max < size.
inline constexpr const char *kCheckIndex = "whittle_rt_check_index";

/// Every dim of tensor `v`: constants for static dims, tensor.dim else.
llvm::SmallVector<mlir::OpFoldResult> sizesOf(mlir::OpBuilder &b, mlir::Location loc,
                                              mlir::Value v);
/// tensor.empty of `type`; its dynamic dims take their size from `sizes`
/// (one entry per dim; entries of static dims are not read).
mlir::Value emptyTensor(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType type,
                        llvm::ArrayRef<mlir::OpFoldResult> sizes);
/// ONNX Slice's (start, count) along a dim of run-time size `dim`, for any
/// nonzero step: start and end counted from the back when negative and
/// clamped as ONNX does.
std::pair<mlir::Value, mlir::Value> sliceRangeAtRunTime(mlir::OpBuilder &b, mlir::Location loc,
                                                        mlir::Value dim, int64_t start,
                                                        int64_t end, int64_t step);
/// x + y, folded when both are constants.
mlir::OpFoldResult addSizes(mlir::OpBuilder &b, mlir::Location loc, mlir::OpFoldResult x,
                            mlir::OpFoldResult y);
/// `expected`, after a run-time check (when either is dynamic) that
/// `found` equals it; the run ends with an error where they differ.
mlir::OpFoldResult checkSameSize(mlir::OpBuilder &b, mlir::Location loc,
                                 mlir::OpFoldResult found, mlir::OpFoldResult expected);
/// The sizes of `resultType`, the numpy broadcast of `inputs` at run time:
/// every input dim that is not a static 1 must be 1 or the result's size
/// (checked as the run reaches it).
llvm::SmallVector<mlir::OpFoldResult> broadcastSizes(mlir::OpBuilder &b,
                                                     mlir::Location loc,
                                                     mlir::ValueRange inputs,
                                                     mlir::RankedTensorType resultType);

/// `input` with every dynamic dim that is 1 at run time, where the
/// result's (`outSizes`, aligned at the back) is not, repeated to the
/// result's size; `input` itself otherwise (an scf.if: the repeat is a
/// gather, the common case costs a compare per dim).
mlir::Value broadcastAtRunTime(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                               llvm::ArrayRef<mlir::OpFoldResult> outSizes);

/// A linalg.generic computing `body` elementwise over `resultType`, with
/// every input broadcast to it numpy-style (at run time over dynamic dims).
mlir::Value buildElementwise(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::RankedTensorType resultType,
                             mlir::ValueRange inputs, BodyFn body);

/// The map of an input of shape `inShape` broadcast numpy-style into a
/// loop nest of rank `rank`.
mlir::AffineMap broadcastMap(mlir::MLIRContext *ctx, llvm::ArrayRef<int64_t> inShape,
                             llvm::ArrayRef<int64_t> outShape);

/// A linalg.generic over `resultType` with no inputs: `body` computes each
/// element (reading anything it likes with linalg.index and
/// tensor.extract); the gathers, strided reads and general pads use it.
mlir::Value buildIndexedGeneric(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::RankedTensorType resultType,
                                llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location)>
                                    body,
                                llvm::ArrayRef<mlir::OpFoldResult> sizes = {});

/// A scalar constant of `type` (float or integer).
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Type type, double value);

/// A tensor of `type` filled with `value` (`sizes` as for emptyTensor).
mlir::Value filled(mlir::OpBuilder &b, mlir::Location loc,
                   mlir::RankedTensorType type, mlir::Value value,
                   llvm::ArrayRef<mlir::OpFoldResult> sizes = {});

/// `v` reshaped to `type` (same element count; `sizes` gives the dynamic
/// dims as for emptyTensor).
mlir::Value reshapeTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                      mlir::RankedTensorType type,
                      llvm::ArrayRef<mlir::OpFoldResult> sizes = {});

/// Pads the spatial dims of an N x C x ... tensor: the trailing lo.size()
/// dims, or lo.size() dims from `firstDim` (channels-last tensors).
mlir::Value padSpatial(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                       llvm::ArrayRef<int64_t> lo, llvm::ArrayRef<int64_t> hi,
                       mlir::Value padValue,
                       int64_t firstDim = -1);

/// An integer index `i` (any width) as an `index`, counted from the end
/// when negative, for a dimension of static size `dimSize`, and clamped
/// into the dimension: generated code never reads or writes outside a
/// tensor, whatever the data (checkIndices reports bad indices first).
mlir::Value wrapIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value i,
                      int64_t dimSize);
/// The same for a dimension of run-time size `dimSize`.
mlir::Value wrapIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value i,
                      mlir::OpFoldResult dimSize);
/// The runtime check of a run-time scale: (scale, extent, site), f64 f64
/// i64; the run ends unless the scale is finite and positive and the
/// scaled extent a representable size.
inline constexpr const char *kCheckScale = "whittle_rt_check_scale";
/// Calls it for `scale` (any float type) of a dimension of size `extent`.
void checkScale(mlir::OpBuilder &b, mlir::Location loc, mlir::Value scale,
                mlir::OpFoldResult extent);

/// Ends the run with an error naming the op unless every element of the
/// integer tensor `indices` lies in [-size, size) (one pass for the min
/// and max, then one call, before the indices are used). Nothing when
/// `indices` is a constant whose values are in range.
void checkIndices(mlir::OpBuilder &b, mlir::Location loc, mlir::Value indices,
                  mlir::OpFoldResult size);

//===----------------------------------------------------------------------===//
// Sign-typed integers
//
// arith and LLVM take signless integers only, so code is generated on a
// signless view of ui8/si32/... tensors (a whittle.storage_cast); ops whose
// meaning depends on the sign (division, comparison, extension) read it
// from the original type. The pass makes the function boundary signless
// when it is done.
//===----------------------------------------------------------------------===//

/// Whether `t` (scalar or shaped) has float or signless integer elements:
/// what arith and the LLVM lowering compute on directly.
bool isSignlessOrFloat(mlir::Type t);
/// Whether `t` (scalar or shaped) has sign-typed integer elements, or
/// strings: element types code holds in a signless view (strings as i64
/// pointers to NUL-terminated bytes).
bool isSignTyped(mlir::Type t);
/// Whether `t` (scalar or shaped) has unsigned integer elements.
bool isUnsignedInt(mlir::Type t);
/// `t` (scalar or shaped) with sign-typed integer elements made signless.
mlir::Type signlessType(mlir::Type t);
/// The signless view of `v`, or `v` itself when it is not sign-typed.
mlir::Value signlessView(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v);
/// `v` given back the sign-typed `type` it is a view of (no-op otherwise).
mlir::Value restoreSign(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                        mlir::Type type);

/// max / min of two scalars: NaN-propagating for floats, signed or unsigned
/// for integers.
mlir::Value maxOf(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                  mlir::Value y, bool isUnsigned);
mlir::Value minOf(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                  mlir::Value y, bool isUnsigned);
/// The lowest (`high` = false) or highest value of scalar `type`:
/// -inf/+inf for floats.
mlir::Value extremeValue(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type,
                         bool isUnsigned, bool high);

/// An scf.for nest over [0, shape) carrying the tensor `init`; `body` gets
/// the induction variables and the carried tensor and returns its next
/// value. Visits elements in row-major order.
mlir::Value loopNestCarrying(
    mlir::OpBuilder &b, mlir::Location loc, llvm::ArrayRef<int64_t> shape,
    mlir::Value init,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::ValueRange,
                                   mlir::Value)>
        body);

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

/// How a whittle.reduce function accumulates: the start value and the step
/// `combine(acc, x)`.
struct Reduction {
  mlir::Value init;
  std::function<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::Value,
                            mlir::Value)>
      combine;
};
/// Whether `fn` has code for element type `elt` (log/exp/root forms are
/// float-only).
bool reductionSupported(wt::ReduceFn fn, mlir::Type elt);
Reduction reduction(mlir::OpBuilder &b, mlir::Location loc, wt::ReduceFn fn,
                    mlir::Type elt, bool isUnsigned);
/// Whether `fn` needs a last step on the accumulated value (mean, l2, logs).
bool needsFinish(wt::ReduceFn fn);
/// That last step; `count` is the number of reduced elements (for mean).
mlir::Value finishReduction(mlir::OpBuilder &b, mlir::Location loc, wt::ReduceFn fn,
                            mlir::Value acc, mlir::Value count, bool isUnsigned);

/// The value of `epilogue` applied to `x` (float).
mlir::Value applyActivation(mlir::OpBuilder &b, mlir::Location loc,
                            wt::UnaryFn fn, mlir::Value x,
                            std::optional<double> alpha,
                            std::optional<double> beta);

void populateElementwiseLowerings(mlir::RewritePatternSet &patterns);
/// How convolutions and matmuls are lowered.
struct ContractionOptions {
  /// f32 convolutions and matmuls accumulate in f64.
  bool wide = false;
  /// Constant weights are packed into panels for whittle-lower-microkernels
  /// (include/whittle/Conversion/PackedContraction.h).
  bool packWeights = true;
  /// Largest output tile m of Winograd F(m x m, 3 x 3) for the 3x3 convs
  /// that qualify (winogradTile; 2 or 4), or 0: none.
  int64_t winogradTile = 0;
};
void populateStructuredLowerings(mlir::RewritePatternSet &patterns,
                                 ContractionOptions options = {});

/// What a packed contraction computes besides its sum of products, fused
/// into the generic so the register-tiled kernel does it on its
/// accumulators (PackedContraction.h): the value each sum starts from (the
/// bias of its column, `bias` as NB x 16; zero with `zero`; else the
/// `init` tensor passed to packedContract), and the residual add and
/// activation applied to the finished sums.
struct PackedFusion {
  mlir::Value bias;
  bool zero = false;
  mlir::Value residual;
  wt::EpilogueAttr epilogue;
};

/// The values of constant weights (a whittle constant, or one already
/// lowered to arith), or nullopt.
std::optional<std::vector<double>> weightValues(mlir::Value v);

/// `result` with a conv/matmul epilogue applied: + residual (same shape;
/// may be null), then the activation (may be null).
mlir::Value applyEpilogue(mlir::OpBuilder &b, mlir::Location loc, mlir::Value result,
                          mlir::Value residual, wt::EpilogueAttr epilogue);

/// Weights of `shape` (K.. x N) packed at compile time into
/// ceil(N / kPanelWidth) panels of K.. x kPanelWidth (the last one padded
/// with zero columns): each panel, the weights one register tile reads, is
/// contiguous.
mlir::Value packedWeights(mlir::OpBuilder &b, mlir::Location loc, llvm::ArrayRef<double> values,
                          llvm::ArrayRef<int64_t> shape, mlir::Type elt);

/// A contraction generic of `accTy`: fma(x, w, acc) over the reduction
/// loops of `maps` (x, w, output), acc starting from `init`, or (fused)
/// from `start` read with `startMap` or from zero; with `fuseEpilogue`,
/// the last step yields activation(sum + residual). Structured.cpp.
mlir::linalg::GenericOp
fusedContraction(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType accTy,
                 mlir::Value x, mlir::Value w, mlir::Value init,
                 llvm::ArrayRef<mlir::AffineMap> maps,
                 llvm::ArrayRef<mlir::utils::IteratorType> iters, mlir::Value start,
                 mlir::AffineMap startMap, bool zeroStart, mlir::Value residual,
                 wt::EpilogueAttr epilogue, bool fuseEpilogue);

/// The packed contraction (PackedContraction.h) of `accTy` (.. x NB x 16)
/// over `packed` weights, with `fusion`'s start and epilogue, returned as
/// `outTy` (panels merged, padding columns dropped).
mlir::Value packedContract(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType outTy,
                           mlir::RankedTensorType accTy, mlir::Value x, mlir::Value packed,
                           mlir::Value init, llvm::ArrayRef<mlir::AffineMap> maps,
                           llvm::ArrayRef<mlir::utils::IteratorType> iters,
                           const PackedFusion &fusion);

/// Whether a channels-last f32 3x3 stride-1 conv with constant filter is
/// lowered as Winograd F(m x m, 3 x 3) with output tile `tile`
/// (Winograd.cpp), and the largest such tile up to `maxTile` (0: none).
bool winogradApplies(wt::ConvOp op, int64_t tile);
int64_t winogradTile(wt::ConvOp op, int64_t maxTile);
mlir::LogicalResult lowerWinograd(wt::ConvOp op, mlir::PatternRewriter &rewriter,
                                  int64_t tile);
void populateDataMovementLowerings(mlir::RewritePatternSet &patterns);
void populateResizeLowerings(mlir::RewritePatternSet &patterns);
void populateConvTransposeLowerings(mlir::RewritePatternSet &patterns);
void populateIndexingLowerings(mlir::RewritePatternSet &patterns);
void populateSignlessLowerings(mlir::RewritePatternSet &patterns);
void populateRecurrentLowerings(mlir::RewritePatternSet &patterns);
void populateSelectionLowerings(mlir::RewritePatternSet &patterns);
void populateTextLowerings(mlir::RewritePatternSet &patterns);

/// Declares, in `module`, the runtime helpers (string functions in the
/// model's entry point) that lowerings of ops found in it call.
void declareRuntimeHelpers(mlir::ModuleOp module);
/// Makes the arguments and results of a lowered function signless, dropping
/// the storage casts at its boundary.
void makeSignlessBoundary(mlir::func::FuncOp func);

} // namespace whittle::lowering

#endif // WHITTLE_LIB_CONVERSION_WHITTLETOLINALG_LOWERING_H
