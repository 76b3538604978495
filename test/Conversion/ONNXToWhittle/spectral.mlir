// RUN: whittle-opt %s -split-input-file -convert-onnx-to-whittle | FileCheck %s

// A DFT along axis 1 of a real signal: the axis moves next to the
// components, one matmul with the [N, 2N] cos/sin matrix, and back.
// CHECK-LABEL: func.func @dft_real
// CHECK: whittle.transpose %arg0 {perm = array<i64: 0, 2, 1, 3>}
// CHECK: whittle.reshape {{.*}} -> tensor<5x4xf32>
// CHECK: whittle.matmul {{.*}} : (tensor<5x4xf32>, tensor<4x8xf32>) -> tensor<5x8xf32>
// CHECK: whittle.transpose {{.*}} {perm = array<i64: 0, 2, 1, 3>} : tensor<1x5x4x2xf32> -> tensor<1x4x5x2xf32>
func.func @dft_real(%x: tensor<1x4x5x1xf32>) -> tensor<1x4x5x2xf32> {
  %y = "onnx.DFT"(%x) {axis = 1 : i64} : (tensor<1x4x5x1xf32>) -> tensor<1x4x5x2xf32>
  return %y : tensor<1x4x5x2xf32>
}

// -----

// One-sided: L / 2 + 1 bins.
// CHECK-LABEL: func.func @dft_onesided
// CHECK: whittle.matmul {{.*}} : (tensor<1x8xf32>, tensor<8x10xf32>) -> tensor<1x10xf32>
func.func @dft_onesided(%x: tensor<1x8x1xf32>) -> tensor<1x5x2xf32> {
  %y = "onnx.DFT"(%x) {axis = 1 : i64, onesided = 1 : i64} : (tensor<1x8x1xf32>) -> tensor<1x5x2xf32>
  return %y : tensor<1x5x2xf32>
}

// -----

// STFT with a run-time step: frame indices f * step + n, a gather, the
// window, then the DFT of each frame.
// CHECK-LABEL: func.func @stft
// CHECK: whittle.binary mul
// CHECK: whittle.binary add {{.*}} -> tensor<15x16xi64>
// CHECK: whittle.gather %arg0[%{{.*}}] {axis = 1 : i64} : (tensor<1x128x1xf32>, tensor<15x16xi64>) -> tensor<1x15x16x1xf32>
// CHECK: whittle.matmul {{.*}} -> tensor<15x18xf32>
func.func @stft(%x: tensor<1x128x1xf32>, %step: tensor<i64>, %w: tensor<16xf32>) -> tensor<1x15x9x2xf32> {
  %y = "onnx.STFT"(%x, %step, %w) {operandSegmentSizes = array<i32: 1, 1, 1, 0>} : (tensor<1x128x1xf32>, tensor<i64>, tensor<16xf32>) -> tensor<1x15x9x2xf32>
  return %y : tensor<1x15x9x2xf32>
}
