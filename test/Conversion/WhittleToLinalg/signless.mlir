// RUN: whittle-opt %s -split-input-file -convert-whittle-to-linalg | FileCheck %s

// Unsigned integers compute on their signless view with unsigned division,
// comparison and conversion; the function boundary becomes signless and no
// cast is left.
// CHECK-LABEL: func.func @unsigned_arith
// CHECK-SAME: (%arg0: tensor<4xi8>, %arg1: tensor<4xi8>) -> (tensor<4xi8>, tensor<4xi1>, tensor<4xf32>)
// CHECK: arith.constant dense<[1, 2, -6, 4]> : tensor<4xi8>
// CHECK: arith.divui
// CHECK: arith.cmpi ult
// CHECK: arith.uitofp
// CHECK-NOT: whittle.storage_cast
func.func @unsigned_arith(%a: tensor<4xui8>, %b: tensor<4xui8>) -> (tensor<4xui8>, tensor<4xi1>, tensor<4xf32>) {
  %c = whittle.constant dense<[1, 2, 250, 4]> : tensor<4xui8>
  %0 = whittle.binary div %a, %c : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %1 = whittle.binary lt %0, %b : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xi1>
  %2 = whittle.cast %0 : tensor<4xui8> -> tensor<4xf32>
  return %0, %1, %2 : tensor<4xui8>, tensor<4xi1>, tensor<4xf32>
}

// -----

// Data movement is re-created on the view and lowered as usual.
// CHECK-LABEL: func.func @unsigned_moves
// CHECK-SAME: (%arg0: tensor<2x3xi16>) -> tensor<3x2xi16>
// CHECK: linalg.transpose ins(%arg0 : tensor<2x3xi16>)
// CHECK-NOT: whittle.
func.func @unsigned_moves(%x: tensor<2x3xui16>) -> tensor<3x2xui16> {
  %0 = whittle.transpose %x {perm = array<i64: 1, 0>} : tensor<2x3xui16> -> tensor<3x2xui16>
  return %0 : tensor<3x2xui16>
}

// -----

// Integer max pooling pads with the type's lowest value (0 for unsigned)
// and takes the unsigned maximum; an unsigned max reduction starts at 0.
// CHECK-LABEL: func.func @unsigned_max
// CHECK: %[[LOW:.+]] = arith.constant 0 : i8
// CHECK: tensor.pad
// CHECK: linalg.fill ins(%[[LOW]] : i8)
// CHECK: arith.maxui
// CHECK: arith.maxui
func.func @unsigned_max(%x: tensor<1x1x4x4xui8>) -> (tensor<1x1x2x2xui8>, tensor<1xui8>) {
  %0 = whittle.pool max %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 0, 0>} : tensor<1x1x4x4xui8> -> tensor<1x1x2x2xui8>
  %1 = whittle.reduce max %x {axes = array<i64: 1, 2, 3>} : tensor<1x1x4x4xui8> -> tensor<1xui8>
  return %0, %1 : tensor<1x1x2x2xui8>, tensor<1xui8>
}

// -----

// Signed integer clip and argmax.
// CHECK-LABEL: func.func @signed_clip_argmax
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: arith.cmpi sgt
func.func @signed_clip_argmax(%x: tensor<3x4xi8>) -> (tensor<3x4xi8>, tensor<3xi64>) {
  %0 = whittle.unary clip %x {alpha = -2.0 : f32, beta = 5.0 : f32} : tensor<3x4xi8> -> tensor<3x4xi8>
  %1 = whittle.arg_reduce max %x {axis = 1 : i64} : tensor<3x4xi8> -> tensor<3xi64>
  return %0, %1 : tensor<3x4xi8>, tensor<3xi64>
}
