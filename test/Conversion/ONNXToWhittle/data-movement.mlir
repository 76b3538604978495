// RUN: whittle-opt %s -split-input-file -convert-onnx-to-whittle | FileCheck %s

// CHECK-LABEL: func.func @reshapes
// CHECK: whittle.reshape %arg0 : (tensor<?x3x4xf32>) -> tensor<?x12xf32>
// CHECK: whittle.reshape %arg0 : (tensor<?x3x4xf32>) -> tensor<?x1x3x4xf32>
// CHECK: whittle.reshape %arg0 : (tensor<?x3x4xf32>) -> tensor<?x12xf32>
// CHECK-NOT: onnx.
func.func @reshapes(%x: tensor<?x3x4xf32>) -> (tensor<?x12xf32>, tensor<?x1x3x4xf32>, tensor<?x12xf32>) {
  %s = "onnx.Constant"() {value = dense<[0, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = "onnx.Reshape"(%x, %s) : (tensor<?x3x4xf32>, tensor<2xi64>) -> tensor<?x12xf32>
  %a = "onnx.Constant"() {value = dense<[1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %1 = "onnx.Unsqueeze"(%x, %a) : (tensor<?x3x4xf32>, tensor<1xi64>) -> tensor<?x1x3x4xf32>
  %2 = "onnx.Flatten"(%x) {axis = 1 : i64} : (tensor<?x3x4xf32>) -> tensor<?x12xf32>
  return %0, %1, %2 : tensor<?x12xf32>, tensor<?x1x3x4xf32>, tensor<?x12xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_default
// CHECK: whittle.transpose %arg0 {perm = array<i64: 2, 1, 0>}
func.func @transpose_default(%x: tensor<2x3x4xf32>) -> tensor<4x3x2xf32> {
  %y = "onnx.Transpose"(%x) : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
  return %y : tensor<4x3x2xf32>
}

// -----

// CHECK-LABEL: func.func @concat_split
// CHECK: whittle.concat %arg0, %arg0 {axis = 1 : i64}
// CHECK: whittle.split %{{.*}} {axis = 1 : i64, sizes = array<i64: 2, 4>}
// CHECK: whittle.split %{{.*}} {axis = 1 : i64, sizes = array<i64: 3, 3>}
func.func @concat_split(%x: tensor<2x3xf32>) -> (tensor<2x2xf32>, tensor<2x3xf32>) {
  %c = "onnx.Concat"(%x, %x) {axis = -1 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  %sz = "onnx.Constant"() {value = dense<[2, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %s:2 = "onnx.Split"(%c, %sz) {axis = 1 : i64} : (tensor<2x6xf32>, tensor<2xi64>) -> (tensor<2x2xf32>, tensor<2x4xf32>)
  %e:2 = "onnx.Split"(%c) {axis = 1 : i64} : (tensor<2x6xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>)
  return %s#0, %e#1 : tensor<2x2xf32>, tensor<2x3xf32>
}

// -----

// Slice keeps ONNX bounds (clamped at run time, or by the verifier when
// static): a huge end is the dim's end, negative starts count from the end.
// CHECK-LABEL: func.func @slice
// CHECK: whittle.slice %arg0 {ends = array<i64: 9223372036854775807, 9223372036854775807>, starts = array<i64: 0, -5>, steps = array<i64: 1, 2>} : tensor<?x8xf32> -> tensor<?x3xf32>
func.func @slice(%x: tensor<?x8xf32>) -> tensor<?x3xf32> {
  %st = "onnx.Constant"() {value = dense<[-5]> : tensor<1xi64>} : () -> tensor<1xi64>
  %en = "onnx.Constant"() {value = dense<[9223372036854775807]> : tensor<1xi64>} : () -> tensor<1xi64>
  %ax = "onnx.Constant"() {value = dense<[1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %sp = "onnx.Constant"() {value = dense<[2]> : tensor<1xi64>} : () -> tensor<1xi64>
  %y = "onnx.Slice"(%x, %st, %en, %ax, %sp) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 1>} : (tensor<?x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// Shape of a dynamic tensor stays a run-time op; ConstantOfShape of a
// run-time shape broadcasts a scalar.
// CHECK-LABEL: func.func @shapes
// CHECK-DAG: %[[Z:.+]] = whittle.constant dense<0.000000e+00> : tensor<f32>
// CHECK-DAG: %[[S:.+]] = whittle.shape_of %arg0 : tensor<?x4xf32> -> tensor<2xi64>
// CHECK: whittle.broadcast %[[Z]] shape %[[S]] : (tensor<f32>, tensor<2xi64>) -> tensor<?x4xf32>
func.func @shapes(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %s = "onnx.Shape"(%x) : (tensor<?x4xf32>) -> tensor<2xi64>
  %y = "onnx.ConstantOfShape"(%s) : (tensor<2xi64>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

// CHECK-LABEL: func.func @gather_pad_resize
// CHECK: whittle.gather %arg0[%arg1] {axis = 0 : i64}
// CHECK: whittle.pad reflect %arg2 {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>}
// CHECK: whittle.resize nearest %arg2 {coordinate_mode = "asymmetric", nearest_mode = "floor", scales = array<f32: 1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00>}
func.func @gather_pad_resize(%t: tensor<10x4xf32>, %i: tensor<3xi64>, %x: tensor<1x2x4x4xf32>)
    -> (tensor<3x4xf32>, tensor<1x2x6x6xf32>, tensor<1x2x8x8xf32>) {
  %0 = "onnx.Gather"(%t, %i) : (tensor<10x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
  %p = "onnx.Constant"() {value = dense<[0, 0, 1, 1, 0, 0, 1, 1]> : tensor<8xi64>} : () -> tensor<8xi64>
  %1 = "onnx.Pad"(%x, %p) {mode = "reflect"} : (tensor<1x2x4x4xf32>, tensor<8xi64>) -> tensor<1x2x6x6xf32>
  %sc = "onnx.Constant"() {value = dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %2 = "onnx.Resize"(%x, %sc) {coordinate_transformation_mode = "asymmetric", mode = "nearest", nearest_mode = "floor", operandSegmentSizes = array<i32: 1, 0, 1, 0>} : (tensor<1x2x4x4xf32>, tensor<4xf32>) -> tensor<1x2x8x8xf32>
  return %0, %1, %2 : tensor<3x4xf32>, tensor<1x2x6x6xf32>, tensor<1x2x8x8xf32>
}

// -----

// Identity and inference-mode Dropout disappear.
// CHECK-LABEL: func.func @noops
// CHECK-NEXT: return %arg0
func.func @noops(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "onnx.Identity"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "onnx.Dropout"(%0) {operandSegmentSizes = array<i32: 1, 0, 0>} : (tensor<4xf32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// -----

// Unsqueeze with several dynamic dims reshapes to a run-time shape gathered
// from the input's dims.
// CHECK-LABEL: func.func @unsqueeze_dynamic
// CHECK-DAG: %[[ONE:.+]] = whittle.constant dense<1> : tensor<1xi64>
// CHECK-DAG: %[[IDX:.+]] = whittle.constant dense<[0, 2, 1]> : tensor<3xi64>
// CHECK: %[[S:.+]] = whittle.shape_of %arg0
// CHECK: %[[E:.+]] = whittle.concat %[[S]], %[[ONE]]
// CHECK: %[[G:.+]] = whittle.gather %[[E]][%[[IDX]]]
// CHECK: whittle.reshape %arg0 shape %[[G]] : (tensor<?x?xf32>, tensor<3xi64>) -> tensor<?x1x?xf32>
func.func @unsqueeze_dynamic(%x: tensor<?x?xf32>) -> tensor<?x1x?xf32> {
  %a = "onnx.Constant"() {value = dense<[1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %y = "onnx.Unsqueeze"(%x, %a) : (tensor<?x?xf32>, tensor<1xi64>) -> tensor<?x1x?xf32>
  return %y : tensor<?x1x?xf32>
}

// -----

// Reshape to a run-time shape keeps ONNX's 0/-1 rules in whittle.reshape.
// CHECK-LABEL: func.func @reshape_runtime
// CHECK: whittle.reshape %arg0 shape %arg1 : (tensor<?x?xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
func.func @reshape_runtime(%x: tensor<?x?xf32>, %s: tensor<3xi64>) -> tensor<?x?x?xf32> {
  %y = "onnx.Reshape"(%x, %s) : (tensor<?x?xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  return %y : tensor<?x?x?xf32>
}

// -----

// A shape of unknown length gives no result rank: the Reshape stays onnx.
// CHECK-LABEL: func.func @reshape_unknown_rank
// CHECK: "onnx.Reshape"
func.func @reshape_unknown_rank(%x: tensor<?x?xf32>, %s: tensor<?xi64>) -> tensor<*xf32> {
  %y = "onnx.Reshape"(%x, %s) : (tensor<?x?xf32>, tensor<?xi64>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

// Trilu: a constant j - i compared with k gives the select's mask.
// CHECK-LABEL: func.func @triu
// CHECK-DAG: %[[D:.+]] = whittle.constant dense<{{\[\[}}0, 1, 2], [-1, 0, 1]]> : tensor<2x3xi64>
// CHECK-DAG: %[[K:.+]] = whittle.reshape %arg1 : (tensor<1xi64>) -> tensor<i64>
// CHECK: %[[M:.+]] = whittle.binary ge %[[D]], %[[K]]
// CHECK: whittle.select %[[M]], %arg0
func.func @triu(%x: tensor<2x3xf32>, %k: tensor<1xi64>) -> tensor<2x3xf32> {
  %y = "onnx.Trilu"(%x, %k) : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Run-time slice parameters with a static result become dynamic_slice.
// CHECK-LABEL: func.func @slice_runtime
// CHECK: whittle.dynamic_slice %arg0 starts %arg1 axes %arg3 steps %arg4 : (tensor<20x10x5xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<3x10x5xf32>
func.func @slice_runtime(%x: tensor<20x10x5xf32>, %s: tensor<2xi64>, %e: tensor<2xi64>, %a: tensor<2xi64>, %st: tensor<2xi64>) -> tensor<3x10x5xf32> {
  %y = "onnx.Slice"(%x, %s, %e, %a, %st) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1>}> : (tensor<20x10x5xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<3x10x5xf32>
  return %y : tensor<3x10x5xf32>
}

// -----

// Run-time pads with a static result travel as an operand.
// CHECK-LABEL: func.func @pad_runtime
// CHECK: whittle.pad reflect %arg0 pads %arg1 {pads = array<i64>} : (tensor<3x4xf32>, tensor<4xi64>) -> tensor<3x8xf32>
func.func @pad_runtime(%x: tensor<3x4xf32>, %p: tensor<4xi64>) -> tensor<3x8xf32> {
  %y = "onnx.Pad"(%x, %p) <{mode = "reflect", operandSegmentSizes = array<i32: 1, 1, 0>}> : (tensor<3x4xf32>, tensor<4xi64>) -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// -----

// CHECK-LABEL: func.func @grid_sample
// CHECK: whittle.grid_sample "bicubic" %arg0[%arg1] {align_corners, padding_mode = "border"}
func.func @grid_sample(%x: tensor<1x1x4x4xf32>, %g: tensor<1x2x3x2xf32>) -> tensor<1x1x2x3xf32> {
  %y = "onnx.GridSample"(%x, %g) {mode = "bicubic", padding_mode = "border", align_corners = 1 : i64} : (tensor<1x1x4x4xf32>, tensor<1x2x3x2xf32>) -> tensor<1x1x2x3xf32>
  return %y : tensor<1x1x2x3xf32>
}

// -----

// Training mode with a run-time ratio: SplitMix64 noise per element, kept
// where noise >= ratio, scaled by 1 / (1 - ratio).
// CHECK-LABEL: func.func @dropout_training
// CHECK: whittle.binary shift_right
// CHECK: whittle.binary bitwise_xor
// CHECK: whittle.binary ge
// CHECK: whittle.select
// CHECK-NOT: onnx.Dropout
func.func @dropout_training(%x: tensor<3x4xf32>, %r: tensor<f32>) -> (tensor<3x4xf32>, tensor<3x4xi1>) {
  %t = "onnx.Constant"() {value = dense<true> : tensor<i1>} : () -> tensor<i1>
  %y, %m = "onnx.Dropout"(%x, %r, %t) {operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<3x4xf32>, tensor<f32>, tensor<i1>) -> (tensor<3x4xf32>, tensor<3x4xi1>)
  return %y, %m : tensor<3x4xf32>, tensor<3x4xi1>
}
