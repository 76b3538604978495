// RUN: whittle-opt %s | whittle-opt | FileCheck %s
// RUN: whittle-opt %s --mlir-print-op-generic | whittle-opt | FileCheck %s

// CHECK-LABEL: func.func @conv_epilogue
func.func @conv_epilogue(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>,
                         %b: tensor<4xf32>, %r: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
  // CHECK: whittle.conv %{{.*}}, %{{.*}} bias %{{.*}} residual %{{.*}} {dilations = array<i64: 1, 1>, epilogue = #whittle.epilogue<relu>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
  %y = whittle.conv %x, %w bias %b residual %r {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, epilogue = #whittle.epilogue<relu>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>, tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %y : tensor<1x4x8x8xf32>
}

// CHECK-LABEL: func.func @depthwise
func.func @depthwise(%x: tensor<?x8x?x?xf32>, %w: tensor<8x1x3x3xf32>) -> tensor<?x8x?x?xf32> {
  // CHECK: whittle.conv {{.*}}groups = 8
  %y = whittle.conv %x, %w {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, groups = 8} : (tensor<?x8x?x?xf32>, tensor<8x1x3x3xf32>) -> tensor<?x8x?x?xf32>
  return %y : tensor<?x8x?x?xf32>
}

// CHECK-LABEL: func.func @quantized_conv
func.func @quantized_conv(%x: tensor<1x3x8x8x!quant.uniform<i8:f32, 0.5:-3>>,
                          %w: tensor<4x3x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.1,0.2,0.3,0.4}>>)
    -> tensor<1x4x8x8x!quant.uniform<i8:f32, 0.25:2>> {
  // CHECK: whittle.conv {{.*}}!quant.uniform<i8:f32, 2.500000e-01:2>
  %y = whittle.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8x!quant.uniform<i8:f32, 0.5:-3>>, tensor<4x3x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.1,0.2,0.3,0.4}>>) -> tensor<1x4x8x8x!quant.uniform<i8:f32, 0.25:2>>
  return %y : tensor<1x4x8x8x!quant.uniform<i8:f32, 0.25:2>>
}

// CHECK-LABEL: func.func @matmul
func.func @matmul(%a: tensor<2x128x768xf32>, %b: tensor<768x3072xf32>, %c: tensor<3072xf32>) -> tensor<2x128x3072xf32> {
  // CHECK: whittle.matmul %{{.*}}, %{{.*}} bias %{{.*}} {epilogue = #whittle.epilogue<gelu_erf>}
  %y = whittle.matmul %a, %b bias %c {epilogue = #whittle.epilogue<gelu_erf>} : (tensor<2x128x768xf32>, tensor<768x3072xf32>, tensor<3072xf32>) -> tensor<2x128x3072xf32>
  return %y : tensor<2x128x3072xf32>
}

// CHECK-LABEL: func.func @gemm_transposed
func.func @gemm_transposed(%a: tensor<1x16xf32>, %b: tensor<10x16xf32>) -> tensor<1x10xf32> {
  // CHECK: whittle.matmul {{.*}} {transpose_rhs}
  %y = whittle.matmul %a, %b {transpose_rhs} : (tensor<1x16xf32>, tensor<10x16xf32>) -> tensor<1x10xf32>
  return %y : tensor<1x10xf32>
}

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> (tensor<2x3xf32>, tensor<2x3xi1>, tensor<2x3xf32>) {
  // CHECK: whittle.unary leaky_relu %{{.*}} {alpha = 1.000000e-01 : f32}
  %0 = whittle.unary leaky_relu %a {alpha = 0.1 : f32} : tensor<2x3xf32> -> tensor<2x3xf32>
  // CHECK: whittle.binary add
  %1 = whittle.binary add %0, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: whittle.binary lt
  %2 = whittle.binary lt %1, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  // CHECK: whittle.select
  %3 = whittle.select %2, %1, %a : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %1, %2, %3 : tensor<2x3xf32>, tensor<2x3xi1>, tensor<2x3xf32>
}

// CHECK-LABEL: func.func @norm_and_pool
func.func @norm_and_pool(%x: tensor<1x8x16x16xf32>, %s: tensor<8xf32>) -> (tensor<1x8x8x8xf32>, tensor<1x8x1x1xf32>, tensor<1x8x16x16xf32>) {
  // CHECK: whittle.batch_norm
  %0 = whittle.batch_norm %x, %s, %s, %s, %s {epsilon = 1.0e-5 : f32} : (tensor<1x8x16x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x16x16xf32>
  // CHECK: whittle.pool max
  %1 = whittle.pool max %0 {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x8x16x16xf32> -> tensor<1x8x8x8xf32>
  // CHECK: whittle.reduce mean {{.*}}axes = array<i64: 2, 3>, keep_dims
  %2 = whittle.reduce mean %0 {axes = array<i64: 2, 3>, keep_dims} : tensor<1x8x16x16xf32> -> tensor<1x8x1x1xf32>
  // CHECK: whittle.softmax
  %3 = whittle.softmax %0 {axis = 1 : i64} : tensor<1x8x16x16xf32>
  return %1, %2, %3 : tensor<1x8x8x8xf32>, tensor<1x8x1x1xf32>, tensor<1x8x16x16xf32>
}

// CHECK-LABEL: func.func @data_movement
func.func @data_movement(%x: tensor<?x4x6xf32>, %i: tensor<2xi64>) -> (tensor<?x24xf32>, tensor<6x4x?xf32>, tensor<?x8x6xf32>, tensor<?x2x6xf32>, tensor<?x4x3xf32>, tensor<3xi64>) {
  // CHECK: whittle.reshape
  %0 = whittle.reshape %x : (tensor<?x4x6xf32>) -> tensor<?x24xf32>
  // CHECK: whittle.transpose
  %1 = whittle.transpose %x {perm = array<i64: 2, 1, 0>} : tensor<?x4x6xf32> -> tensor<6x4x?xf32>
  // CHECK: whittle.concat
  %2 = whittle.concat %x, %x {axis = 1 : i64} : (tensor<?x4x6xf32>, tensor<?x4x6xf32>) -> tensor<?x8x6xf32>
  // CHECK: whittle.split
  %3:2 = whittle.split %x {axis = 1 : i64, sizes = array<i64: 2, 2>} : tensor<?x4x6xf32> -> tensor<?x2x6xf32>, tensor<?x2x6xf32>
  // CHECK: whittle.slice
  %4 = whittle.slice %x {starts = array<i64: 0, 0, 0>, ends = array<i64: 9223372036854775807, 4, 6>, steps = array<i64: 1, 1, 2>} : tensor<?x4x6xf32> -> tensor<?x4x3xf32>
  // CHECK: whittle.shape_of
  %5 = whittle.shape_of %x : tensor<?x4x6xf32> -> tensor<3xi64>
  return %0, %1, %2, %3#0, %4, %5 : tensor<?x24xf32>, tensor<6x4x?xf32>, tensor<?x8x6xf32>, tensor<?x2x6xf32>, tensor<?x4x3xf32>, tensor<3xi64>
}

// CHECK-LABEL: func.func @dynamic_shapes
func.func @dynamic_shapes(%x: tensor<f32>, %s: tensor<3xi64>, %t: tensor<?x?xf32>) -> (tensor<?x?x?xf32>, tensor<?x?x?xf32>) {
  // CHECK: whittle.broadcast %{{.*}} shape %{{.*}}
  %0 = whittle.broadcast %x shape %s : (tensor<f32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  // CHECK: whittle.reshape %{{.*}} shape %{{.*}}
  %1 = whittle.reshape %t shape %s : (tensor<?x?xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  return %0, %1 : tensor<?x?x?xf32>, tensor<?x?x?xf32>
}

// CHECK-LABEL: func.func @constant
func.func @constant() -> tensor<2xi64> {
  // CHECK: whittle.constant dense<[1, 2]> : tensor<2xi64>
  %0 = whittle.constant dense<[1, 2]> : tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// CHECK-LABEL: func.func @indexing
// CHECK: whittle.gather_elements %arg0[%arg1] {axis = 1 : i64}
// CHECK: whittle.gather_nd %arg0[%arg2] {batch_dims = 0 : i64}
// CHECK: whittle.scatter_elements max %arg0[%arg1], %arg3 {axis = 0 : i64}
// CHECK: whittle.scatter_nd mul %arg0[%arg2], %arg4
func.func @indexing(%x: tensor<3x4xf32>, %i: tensor<3x2xi64>, %n: tensor<2x2xi32>, %u: tensor<3x2xf32>, %nu: tensor<2xf32>) {
  %0 = whittle.gather_elements %x[%i] {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
  %1 = whittle.gather_nd %x[%n] {batch_dims = 0 : i64} : (tensor<3x4xf32>, tensor<2x2xi32>) -> tensor<2xf32>
  %2 = whittle.scatter_elements max %x[%i], %u {axis = 0 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>, tensor<3x2xf32>) -> tensor<3x4xf32>
  %3 = whittle.scatter_nd mul %x[%n], %nu : (tensor<3x4xf32>, tensor<2x2xi32>, tensor<2xf32>) -> tensor<3x4xf32>
  return
}
