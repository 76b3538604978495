// RUN: whittle-opt %s -split-input-file -convert-whittle-to-linalg | FileCheck %s

// Nearest resize reads the input at a computed index per output element.
// CHECK-LABEL: func.func @nearest
// CHECK: linalg.generic
// CHECK: linalg.index 2
// CHECK: math.floor
// CHECK: tensor.extract %arg0
func.func @nearest(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x8x8xf32> {
  %y = whittle.resize nearest %x {coordinate_mode = "asymmetric", nearest_mode = "floor", scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : tensor<1x2x4x4xf32> -> tensor<1x2x8x8xf32>
  return %y : tensor<1x2x8x8xf32>
}

// -----

// Linear resize over two dims: four weighted reads.
// CHECK-LABEL: func.func @bilinear
// CHECK-COUNT-4: tensor.extract %arg0
func.func @bilinear(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32> {
  %y = whittle.resize linear %x {coordinate_mode = "half_pixel"} : tensor<1x1x4x4xf32> -> tensor<1x1x8x8xf32>
  return %y : tensor<1x1x8x8xf32>
}
