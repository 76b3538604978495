//===- PackedContraction.h - contractions over packed weights ---*- C++ -*-===//
//
// A float matmul or channels-last conv with constant weights is lowered to
// a linalg.generic over weights packed at compile time into panels of
// kPanelWidth output columns: W[K.., N] becomes P[N / 16, K.., 16], so the
// K.. x 16 values one panel contributes are contiguous. The generic's loops
// end in (..., m, nb, reductions..., nr) where
//   * nr (the last loop, parallel, extent kPanelWidth) indexes lanes within
//     a panel: last dim of the weights and of the output;
//   * nb indexes panels: a dim of the weights (the first of packed
//     constants; a run-time matrix is read in place as .. x K x NB x 16),
//     second-to-last of the output, not read by the other input;
//   * m (parallel, third-to-last output dim, not in the weights) is the
//     row the register-blocked kernel tiles (a matmul row, a conv output
//     column);
// and the body is one fma, fma(x, w, acc). Inputs after x and w are read
// by a fused start and epilogue (Structured.cpp's packedContract): acc is
// then `select(first reduction step, start, out)` with the start a
// column's bias value or a constant, and the yield
// `select(last step, epilogue(fma, inputs..), fma)` with the epilogue
// elementwise ops. A depthwise conv's input reads channel
// nb * 16 + nr as its last dim (`vectorInput`): the kernel then loads input
// vectors instead of broadcasting one value per row. The generic carries kPackedContractionAttr;
// whittle-lower-microkernels turns it into register-blocked vector code
// after bufferization (anything it leaves is still a correct generic).
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_CONVERSION_PACKEDCONTRACTION_H
#define WHITTLE_CONVERSION_PACKEDCONTRACTION_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace whittle {

inline constexpr llvm::StringLiteral kPackedContractionAttr = "whittle.packed_contraction";
/// The transforms of a Winograd conv (WhittleToLinalg/Winograd.cpp): the
/// generics carry the 1-D transform matrix (B^T, A^T; f64 array, row-major)
/// that whittle-lower-microkernels computes them with.
inline constexpr llvm::StringLiteral kWinogradInputAttr = "whittle.winograd_input";
inline constexpr llvm::StringLiteral kWinogradOutputAttr = "whittle.winograd_output";
/// Whether `op` is a generic whittle-lower-microkernels lowers by its
/// form (a packed contraction or a Winograd transform): passes before it
/// fuse nothing into it and reshape nothing through it.
inline bool hasKernelForm(mlir::Operation *op) {
  return op && (op->hasAttr(kPackedContractionAttr) || op->hasAttr(kWinogradInputAttr) ||
                op->hasAttr(kWinogradOutputAttr));
}

/// Output columns per weight panel.
inline constexpr int64_t kPanelWidth = 16;
/// Most weight panels one register tile covers (whittle-lower-microkernels);
/// thread chunks of panels come in groups of this many.
inline constexpr int64_t kMaxTilePanels = 4;
/// Fewest output columns a matmul is packed for: a single panel then
/// computes at most twice the columns it keeps. An ungrouped channels-last
/// conv is packed whatever its output channels: its packed kernel beats
/// the unpacked loops even on a panel mostly padding (a detector's 1- to
/// 4-channel heads), and it keeps the layout transposes away from them
/// (ultraface 1.34 -> 1.12 ms, yolox-nano 8.0 -> 7.8 ms).
inline constexpr int64_t kMinPackedColumns = 8;

struct PackedContractionDims {
  int64_t m, nb, nr;
  bool vectorInput = false;
};

/// The (m, nb, nr) loops of a generic marked kPackedContractionAttr whose
/// maps have the packed structure above (tensors or buffers), else nullopt.
std::optional<PackedContractionDims> packedContractionDims(mlir::linalg::GenericOp op);

} // namespace whittle

#endif // WHITTLE_CONVERSION_PACKEDCONTRACTION_H
