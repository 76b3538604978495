// RUN: whittle-opt %s -split-input-file -convert-whittle-to-linalg="winograd-tile=4" | FileCheck %s
// RUN: whittle-opt %s -split-input-file -convert-whittle-to-linalg="winograd-tile=2" | FileCheck %s --check-prefix=TILE2
// RUN: whittle-opt %s -split-input-file -convert-whittle-to-linalg | FileCheck %s --check-prefix=OFF
// RUN: whittle-opt %s -split-input-file -convert-whittle-to-linalg="winograd-tile=4" -one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" -whittle-lower-microkernels | FileCheck %s --check-prefix=VEC

// A 3x3 stride-1 conv over whole 4x4 output tiles: F(4x4, 3x3). The
// padded input's 6x6 tiles are transformed by kron(B^T, B^T) (the generic
// carries B^T), the 36 matmuls are one packed contraction over the
// transformed filter (packed at compile time: 2 panels x 6 x 6 x 32 x 16),
// and the output transform (kron(A^T, A^T), carrying A^T) starts from the
// bias and ends in the residual add and relu, written as 1 x 4 x 4 x 4 x 4
// x 32 tiles of the output.
// CHECK-LABEL: func.func @f4x4
// CHECK: tensor.pad %{{.*}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: %[[V:.*]] = linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<6x6x1x4x4x32xf32>)
// CHECK-SAME: whittle.winograd_input = array<f64: 4.000000e+00, 0.000000e+00, -5.000000e+00
// CHECK: %[[M:.*]] = linalg.generic
// CHECK-SAME: ins(%[[V]], %{{.*}} : tensor<6x6x1x4x4x32xf32>, tensor<2x6x6x32x16xf32>)
// CHECK-SAME: whittle.packed_contraction
// CHECK: %[[MC:.*]] = tensor.collapse_shape %[[M]]
// CHECK: %[[Y:.*]] = linalg.generic
// CHECK-SAME: ins(%[[MC]], %{{.*}}, %arg1, %{{.*}} : tensor<6x6x1x4x4x32xf32>, tensor<4x4x6x6xf32>, tensor<32xf32>, tensor<1x4x4x4x4x32xf32>)
// CHECK-SAME: whittle.winograd_output = array<f64: 1.000000e+00, 1.000000e+00
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK: tensor.collapse_shape %[[Y]] {{\[}}[0], [1, 2], [3, 4], [5]] : tensor<1x4x4x4x4x32xf32> into tensor<1x16x16x32xf32>
// TILE2-LABEL: func.func @f4x4
// TILE2: linalg.generic
// TILE2-SAME: outs(%{{.*}} : tensor<4x4x1x8x8x32xf32>)
// TILE2-SAME: whittle.winograd_input = array<f64: 1.000000e+00, 0.000000e+00, -1.000000e+00
// OFF-LABEL: func.func @f4x4
// OFF-NOT: winograd
// OFF: whittle.packed_contraction
// OFF-NOT: winograd
// On buffers, the transforms become vector code in kernels of their own
// (outlined last, so printed first): the output transform loads a tile's
// 36 products, applies A^T on both sides, adds the bias and the residual,
// applies the relu and stores 16 vectors; the input transform loads 36
// input vectors and stores 36 (+-1 coefficients are additions).
// VEC-LABEL: func.func @f4x4
// VEC-NOT: linalg.generic
// VEC: func.func private @whittle_kernel
// VEC-NOT: linalg.generic
// VEC-COUNT-36: vector.load
// VEC: arith.addf
// VEC: arith.maximumf
// VEC-COUNT-16: vector.store
// VEC-NOT: vector.store
// VEC: return
// VEC: func.func private @whittle_kernel
// VEC-COUNT-36: vector.load
// VEC: arith.subf %{{.*}} : vector<16xf32>
// VEC-COUNT-36: vector.store
// VEC-NOT: vector.store
// VEC: return
// VEC: func.func private @whittle_kernel
// VEC: vector.fma
func.func @f4x4(%x: tensor<1x16x16x32xf32>, %bias: tensor<32xf32>, %res: tensor<1x16x16x32xf32>) -> tensor<1x16x16x32xf32> {
  %w = whittle.constant dense<0.25> : tensor<3x3x32x32xf32>
  %y = whittle.conv %x, %w bias %bias residual %res {channels_last, dilations = array<i64: 1, 1>, epilogue = #whittle.epilogue<relu>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x16x16x32xf32>, tensor<3x3x32x32xf32>, tensor<32xf32>, tensor<1x16x16x32xf32>) -> tensor<1x16x16x32xf32>
  return %y : tensor<1x16x16x32xf32>
}

// -----

// 14x14 outputs are not whole 4x4 tiles: F(2x2, 3x3), 7x7 tiles.
// CHECK-LABEL: func.func @f2x2
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<4x4x1x7x7x48xf32>)
// CHECK-SAME: whittle.winograd_input
// CHECK: whittle.winograd_output
func.func @f2x2(%x: tensor<1x14x14x48xf32>) -> tensor<1x14x14x32xf32> {
  %w = whittle.constant dense<0.25> : tensor<3x3x48x32xf32>
  %y = whittle.conv %x, %w {channels_last, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x14x14x48xf32>, tensor<3x3x48x32xf32>) -> tensor<1x14x14x32xf32>
  return %y : tensor<1x14x14x32xf32>
}

// -----

// 15x15 outputs as 4x4 tiles (16x16, 14% past the edge): the input is
// padded by one more row and column at the end, the output cut to 15x15,
// and the residual add and relu run on the cut result.
// CHECK-LABEL: func.func @partial
// CHECK: tensor.pad %{{.*}} low[0, 1, 1, 0] high[0, 2, 2, 0]
// CHECK: whittle.winograd_input
// CHECK: %[[Y:.*]] = linalg.generic {{.*}}whittle.winograd_output
// CHECK-NOT: arith.maximumf
// CHECK: } -> tensor<1x4x4x4x4x32xf32>
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[Y]]
// CHECK: %[[S:.*]] = tensor.extract_slice %[[C]][0, 0, 0, 0] [1, 15, 15, 32] [1, 1, 1, 1] : tensor<1x16x16x32xf32> to tensor<1x15x15x32xf32>
// CHECK: linalg.generic {{.*}} ins(%arg1 : tensor<1x15x15x32xf32>) outs(%[[S]] : tensor<1x15x15x32xf32>)
// CHECK: arith.addf
// CHECK: arith.maximumf
func.func @partial(%x: tensor<1x15x15x32xf32>, %res: tensor<1x15x15x32xf32>) -> tensor<1x15x15x32xf32> {
  %w = whittle.constant dense<0.25> : tensor<3x3x32x32xf32>
  %y = whittle.conv %x, %w residual %res {channels_last, dilations = array<i64: 1, 1>, epilogue = #whittle.epilogue<relu>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x15x15x32xf32>, tensor<3x3x32x32xf32>, tensor<1x15x15x32xf32>) -> tensor<1x15x15x32xf32>
  return %y : tensor<1x15x15x32xf32>
}

// -----

// Direct convolution: strided, dilated, channels not in whole panels (24),
// too few channels (16), 7x7 outputs (as 8x8 tiles, 31% of the outputs
// computed would be past the edge), a run-time filter, a single row of
// tiles (2x64 outputs).
// CHECK-LABEL: func.func @direct
// CHECK-NOT: winograd
// CHECK: return
func.func @direct(%x: tensor<1x16x16x32xf32>, %x24: tensor<1x16x16x24xf32>, %x16: tensor<1x16x16x16xf32>, %x7: tensor<1x7x7x32xf32>, %wr: tensor<3x3x32x32xf32>) -> (tensor<1x8x8x32xf32>, tensor<1x16x16x32xf32>, tensor<1x16x16x32xf32>, tensor<1x16x16x32xf32>, tensor<1x7x7x32xf32>, tensor<1x16x16x32xf32>, tensor<1x2x64x32xf32>) {
  %w = whittle.constant dense<0.25> : tensor<3x3x32x32xf32>
  %w24 = whittle.constant dense<0.25> : tensor<3x3x24x32xf32>
  %w16 = whittle.constant dense<0.25> : tensor<3x3x16x32xf32>
  %s = whittle.conv %x, %w {channels_last, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x16x16x32xf32>, tensor<3x3x32x32xf32>) -> tensor<1x8x8x32xf32>
  %d = whittle.conv %x, %w {channels_last, dilations = array<i64: 2, 2>, pads = array<i64: 2, 2, 2, 2>, strides = array<i64: 1, 1>} : (tensor<1x16x16x32xf32>, tensor<3x3x32x32xf32>) -> tensor<1x16x16x32xf32>
  %c = whittle.conv %x24, %w24 {channels_last, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x16x16x24xf32>, tensor<3x3x24x32xf32>) -> tensor<1x16x16x32xf32>
  %f = whittle.conv %x16, %w16 {channels_last, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x16x16x16xf32>, tensor<3x3x16x32xf32>) -> tensor<1x16x16x32xf32>
  %o = whittle.conv %x7, %w {channels_last, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x7x7x32xf32>, tensor<3x3x32x32xf32>) -> tensor<1x7x7x32xf32>
  %r = whittle.conv %x, %wr {channels_last, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x16x16x32xf32>, tensor<3x3x32x32xf32>) -> tensor<1x16x16x32xf32>
  %x2 = tensor.empty() : tensor<1x2x64x32xf32>
  %row = whittle.conv %x2, %w {channels_last, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x2x64x32xf32>, tensor<3x3x32x32xf32>) -> tensor<1x2x64x32xf32>
  return %s, %d, %c, %f, %o, %r, %row : tensor<1x8x8x32xf32>, tensor<1x16x16x32xf32>, tensor<1x16x16x32xf32>, tensor<1x16x16x32xf32>, tensor<1x7x7x32xf32>, tensor<1x16x16x32xf32>, tensor<1x2x64x32xf32>
}
