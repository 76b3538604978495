// RUN: whittle-opt %s -convert-whittle-to-linalg | FileCheck %s

// A stride-2 transposed conv: zeros inserted between input elements, the
// filter flipped and its channels swapped, then an ordinary convolution.
// CHECK-DAG: #[[FLIP:.+]] = affine_map<(d0, d1, d2, d3) -> ((d0 floordiv 5) * 3 + d1, d0 mod 5, -d2 + 1, -d3 + 1)>
// CHECK-LABEL: func.func @upsample2x
// CHECK: tensor.insert_slice %arg0 into %{{.*}}[0, 0, 0, 0] [1, 3, 4, 4] [1, 1, 2, 2] : tensor<1x3x4x4xf32> into tensor<1x3x7x7xf32>
// CHECK: linalg.generic {indexing_maps = [#[[FLIP]], {{.*}}} ins(%arg1 : tensor<3x5x2x2xf32>)
// CHECK: tensor.pad {{.*}} low[0, 0, 0, 1, 1] high[0, 0, 0, 1, 1]
// CHECK-NOT: whittle.
func.func @upsample2x(%x: tensor<1x3x4x4xf32>, %w: tensor<3x5x2x2xf32>) -> tensor<1x5x8x8xf32> {
  %y = whittle.conv_transpose %x, %w {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x4x4xf32>, tensor<3x5x2x2xf32>) -> tensor<1x5x8x8xf32>
  return %y : tensor<1x5x8x8xf32>
}
