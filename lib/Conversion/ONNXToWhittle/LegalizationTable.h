//===- LegalizationTable.h - onnx -> whittle handler table ------*- C++ -*-===//
//
// The legalization is a table, as in torch-mlir's ONNX importer: each
// operator registers handlers keyed by the first opset they apply to,
//
//   table.onOp<onnx::SoftmaxOp>(1, softmaxBefore13);
//   table.onOp<onnx::SoftmaxOp>(13, softmax);
//
// and the handler with the greatest since-version not above the model's
// opset runs. Handlers are grouped by op family, one file per family; each
// file exports one populate function.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_LIB_CONVERSION_ONNXTOWHITTLE_LEGALIZATIONTABLE_H
#define WHITTLE_LIB_CONVERSION_ONNXTOWHITTLE_LEGALIZATIONTABLE_H

#include "whittle/Dialect/ONNX/ONNXOps.h"
#include "whittle/Dialect/Whittle/WhittleOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/StringMap.h"

#include <functional>
#include <optional>

namespace whittle::conversion {

using Handler =
    std::function<mlir::LogicalResult(mlir::Operation *, mlir::PatternRewriter &)>;

class LegalizationTable {
public:
  /// Registers `handler` for OpTy from opset `sinceVersion` on.
  template <typename OpTy, typename Fn>
  void onOp(int64_t sinceVersion, Fn handler) {
    add(OpTy::getOperationName(), sinceVersion,
        [handler](mlir::Operation *op, mlir::PatternRewriter &rewriter) {
          return handler(llvm::cast<OpTy>(op), rewriter);
        });
  }

  /// Registers `handler` for an operator imported as onnx.Custom (another
  /// domain, or a default-domain operator newer than the installed ONNX),
  /// from version `sinceVersion` of its domain.
  void onCustomOp(llvm::StringRef domain, llvm::StringRef opType,
                  int64_t sinceVersion, Handler handler) {
    add(customKey(domain, opType), sinceVersion, std::move(handler));
  }

  void add(llvm::StringRef opName, int64_t sinceVersion, Handler handler);

  /// The handler for `op` at the default-domain `opset` (custom ops at their
  /// own domain version), or null.
  const Handler *lookup(mlir::Operation *op, int64_t opset) const;
  const Handler *lookup(llvm::StringRef key, int64_t opset) const;

  static std::string customKey(llvm::StringRef domain, llvm::StringRef opType) {
    return ("onnx.Custom:" + domain + "::" + opType).str();
  }

  /// Names of every op with at least one handler.
  llvm::SmallVector<llvm::StringRef> opNames() const;

private:
  llvm::StringMap<llvm::SmallVector<std::pair<int64_t, Handler>>> entries;
};

// One populate function per op family.
void populateElementwiseLegalizations(LegalizationTable &table);
void populateNeuralNetLegalizations(LegalizationTable &table);
void populateDataMovementLegalizations(LegalizationTable &table);
void populateControlFlowLegalizations(LegalizationTable &table);
void populateQuantizationLegalizations(LegalizationTable &table);
void populateIndexingLegalizations(LegalizationTable &table);
void populateLossLegalizations(LegalizationTable &table);
void populateGeneratorLegalizations(LegalizationTable &table);
void populateRearrangeLegalizations(LegalizationTable &table);
void populateNormalizationLegalizations(LegalizationTable &table);
void populateQuantArithmeticLegalizations(LegalizationTable &table);
void populateSelectionLegalizations(LegalizationTable &table);
void populateTextLegalizations(LegalizationTable &table);
void populateSpectralLegalizations(LegalizationTable &table);

/// Rewrites sequence ops of a compile-time structure (constant positions,
/// sequences built inside `func`) into tensors and whittle ops.
void resolveStaticSequences(mlir::func::FuncOp func);

/// Quantization with run-time scales or zero points, in plain arithmetic
/// (the `!quant.uniform` forms need constants).
mlir::LogicalResult quantizeArithmetic(onnx::QuantizeLinearOp op,
                                       mlir::PatternRewriter &rewriter);
mlir::LogicalResult dequantizeArithmetic(onnx::DequantizeLinearOp op,
                                         mlir::PatternRewriter &rewriter);
mlir::LogicalResult qlinearMatMulArithmetic(onnx::QLinearMatMulOp op,
                                            mlir::PatternRewriter &rewriter);
mlir::LogicalResult convertBatchNormTraining(onnx::BatchNormalizationOp op,
                                            mlir::PatternRewriter &rewriter);
mlir::LogicalResult qlinearConvArithmetic(onnx::QLinearConvOp op,
                                          mlir::PatternRewriter &rewriter);

//===----------------------------------------------------------------------===//
// Helpers shared by the handlers
//===----------------------------------------------------------------------===//

/// Integer contents of a constant (whittle.constant or onnx.Constant).
std::optional<llvm::SmallVector<int64_t>> getConstantInts(mlir::Value v);
/// Floating-point (or integer) contents of a constant, as doubles.
std::optional<llvm::SmallVector<double>> getConstantFloats(mlir::Value v);
/// The single value of a one-element constant.
std::optional<double> getConstantScalar(mlir::Value v);

/// `axis` made non-negative for `rank`; nullopt when out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// A scalar-shaped (rank 0) whittle.constant of `elementType`.
mlir::Value createScalarConstant(mlir::PatternRewriter &rewriter,
                                 mlir::Location loc, mlir::Type elementType,
                                 double value);

/// Largest tensor (in bytes) a handler writes out as a constant. A model
/// from anywhere can ask for a Range or EyeLike of 10^12 elements: past
/// this size, a generated tensor is computed at run time (or the handler
/// declines), never materialized in the compiler's memory.
constexpr int64_t kMaxGeneratedConstantBytes = int64_t(64) << 20;

/// 0, 1, .., n-1 of `elementType`: a 1-D whittle.constant within
/// kMaxGeneratedConstantBytes, else computed at run time (an exclusive
/// running sum of ones in int64, cast).
mlir::Value createIota(mlir::PatternRewriter &rewriter, mlir::Location loc,
                       int64_t n, mlir::Type elementType);

/// A one-element tensor reshaped to rank 0 (a no-op when already scalar).
mlir::Value toScalar(mlir::PatternRewriter &rewriter, mlir::Location loc,
                     mlir::Value v);

/// `v` reshaped to `shape` (static, same element count).
mlir::Value reshapeTo(mlir::PatternRewriter &rewriter, mlir::Location loc,
                      mlir::Value v, llvm::ArrayRef<int64_t> shape);

/// `v` (static) transposed by `perm`.
mlir::Value transposeTo(mlir::PatternRewriter &rewriter, mlir::Location loc,
                        mlir::Value v, llvm::ArrayRef<int64_t> perm);

/// Ranked type of a value, or null.
/// `v` as `type` (a tensor.cast when only the static-ness of dims differs):
/// ops whose result type must equal an operand's are built on the operand's
/// type and cast to the declared one (a model may declare a static output
/// over dynamic inputs).
inline mlir::Value castToType(mlir::PatternRewriter &rewriter, mlir::Location loc,
                              mlir::Value v, mlir::Type type) {
  if (v.getType() == type || !mlir::tensor::CastOp::areCastCompatible(v.getType(), type))
    return v;
  return mlir::tensor::CastOp::create(rewriter, loc, type, v);
}

inline mlir::RankedTensorType rankedType(mlir::Value v) {
  return v ? llvm::dyn_cast<mlir::RankedTensorType>(v.getType()) : nullptr;
}

/// Reads an integer-list attribute (absent -> `fallback`).
llvm::SmallVector<int64_t> intsOr(std::optional<llvm::ArrayRef<int64_t>> attr,
                                  llvm::ArrayRef<int64_t> fallback);

/// The window pads of conv/pool ops after resolving ONNX's auto_pad.
mlir::FailureOr<llvm::SmallVector<int64_t>>
resolvePads(mlir::Operation *op, mlir::PatternRewriter &rewriter,
            llvm::StringRef autoPad, std::optional<llvm::ArrayRef<int64_t>> pads,
            mlir::RankedTensorType inputType, llvm::ArrayRef<int64_t> kernel,
            llvm::ArrayRef<int64_t> strides, llvm::ArrayRef<int64_t> dilations);

} // namespace whittle::conversion

#endif // WHITTLE_LIB_CONVERSION_ONNXTOWHITTLE_LEGALIZATIONTABLE_H
