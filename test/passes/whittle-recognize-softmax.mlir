// RUN: whittle-opt %s -split-input-file -whittle-recognize-softmax | FileCheck %s

// CHECK-LABEL: func.func @stable
// CHECK: %[[Y:.*]] = whittle.softmax %arg0 {axis = 1 : i64} : tensor<2x8xf32>
// CHECK-NOT: whittle.reduce
// CHECK: return %[[Y]]
func.func @stable(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %m = whittle.reduce max %x {axes = array<i64: 1>, keep_dims} : tensor<2x8xf32> -> tensor<2x1xf32>
  %d = whittle.binary sub %x, %m : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %e = whittle.unary exp %d : tensor<2x8xf32> -> tensor<2x8xf32>
  %s = whittle.reduce sum %e {axes = array<i64: 1>, keep_dims} : tensor<2x8xf32> -> tensor<2x1xf32>
  %y = whittle.binary div %e, %s : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Without the max (the result then subtracts it: no overflow).
// CHECK-LABEL: func.func @plain
// CHECK: whittle.softmax %arg0 {axis = 0 : i64} : tensor<8x2xf32>
func.func @plain(%x: tensor<8x2xf32>) -> tensor<8x2xf32> {
  %e = whittle.unary exp %x : tensor<8x2xf32> -> tensor<8x2xf32>
  %s = whittle.reduce sum %e {axes = array<i64: 0>, keep_dims} : tensor<8x2xf32> -> tensor<1x2xf32>
  %y = whittle.binary div %e, %s : (tensor<8x2xf32>, tensor<1x2xf32>) -> tensor<8x2xf32>
  return %y : tensor<8x2xf32>
}

// -----

// CHECK-LABEL: func.func @log_softmax
// CHECK: whittle.softmax %arg0 {axis = 1 : i64, log} : tensor<2x8xf32>
// CHECK-NOT: whittle.unary
func.func @log_softmax(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %m = whittle.reduce max %x {axes = array<i64: 1>, keep_dims} : tensor<2x8xf32> -> tensor<2x1xf32>
  %d = whittle.binary sub %x, %m : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %e = whittle.unary exp %d : tensor<2x8xf32> -> tensor<2x8xf32>
  %s = whittle.reduce sum %e {axes = array<i64: 1>, keep_dims} : tensor<2x8xf32> -> tensor<2x1xf32>
  %l = whittle.unary log %s : tensor<2x1xf32> -> tensor<2x1xf32>
  %y = whittle.binary sub %d, %l : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Negative: max and sum along different axes; exp used elsewhere.
// CHECK-LABEL: func.func @not_softmax
// CHECK-NOT: whittle.softmax
func.func @not_softmax(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  %m = whittle.reduce max %x {axes = array<i64: 0>, keep_dims} : tensor<2x8xf32> -> tensor<1x8xf32>
  %d = whittle.binary sub %x, %m : (tensor<2x8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  %e = whittle.unary exp %d : tensor<2x8xf32> -> tensor<2x8xf32>
  %s = whittle.reduce sum %e {axes = array<i64: 1>, keep_dims} : tensor<2x8xf32> -> tensor<2x1xf32>
  %y = whittle.binary div %e, %s : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %e2 = whittle.unary exp %x : tensor<2x8xf32> -> tensor<2x8xf32>
  %s2 = whittle.reduce sum %e2 {axes = array<i64: 1>, keep_dims} : tensor<2x8xf32> -> tensor<2x1xf32>
  %y2 = whittle.binary div %e2, %s2 : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  return %y, %y2, %e2 : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}
