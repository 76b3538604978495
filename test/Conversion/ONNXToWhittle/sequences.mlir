// RUN: whittle-opt %s -split-input-file -convert-onnx-to-whittle | FileCheck %s

// Construct, erase at a constant position, read at a constant position:
// the read is the tensor itself and no sequence op is left.
// CHECK-LABEL: func.func @construct_erase_at
// CHECK-NEXT: return %arg2
func.func @construct_erase_at(%x: tensor<2xf32>, %y: tensor<2xf32>, %z: tensor<2xf32>) -> tensor<2xf32> {
  %seq = "onnx.SequenceConstruct"(%x, %y, %z) : (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> !onnx.seq<tensor<2xf32>>
  %p = "onnx.Constant"() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %seq2 = "onnx.SequenceErase"(%seq, %p) : (!onnx.seq<tensor<2xf32>>, tensor<i64>) -> !onnx.seq<tensor<2xf32>>
  %q = "onnx.Constant"() {value = dense<-1> : tensor<i64>} : () -> tensor<i64>
  %r = "onnx.SequenceAt"(%seq2, %q) : (!onnx.seq<tensor<2xf32>>, tensor<i64>) -> tensor<2xf32>
  return %r : tensor<2xf32>
}

// -----

// SplitToSequence then ConcatFromSequence with a new axis: slices, unit
// dims, one concat; SequenceLength of run-time splits is their count.
// CHECK-LABEL: func.func @split_concat
// CHECK: %[[N:.+]] = whittle.constant dense<3> : tensor<i64>
// CHECK-COUNT-3: whittle.slice %arg0
// CHECK: %[[C:.+]] = whittle.concat {{.*}} {axis = 0 : i64} : (tensor<1x1x4xf32>, tensor<1x1x4xf32>, tensor<1x1x4xf32>) -> tensor<3x1x4xf32>
// CHECK: return %[[C]], %[[N]]
func.func @split_concat(%x: tensor<3x4xf32>, %s: tensor<3xi64>) -> (tensor<3x1x4xf32>, tensor<i64>) {
  %seq = "onnx.SplitToSequence"(%x) <{axis = 0 : i64, keepdims = 1 : i64}> : (tensor<3x4xf32>) -> !onnx.seq<tensor<1x4xf32>>
  %c = "onnx.ConcatFromSequence"(%seq) <{axis = 0 : i64, new_axis = 1 : i64}> : (!onnx.seq<tensor<1x4xf32>>) -> tensor<3x1x4xf32>
  %seq2 = "onnx.SplitToSequence"(%x, %s) <{axis = 0 : i64, keepdims = 1 : i64}> : (tensor<3x4xf32>, tensor<3xi64>) -> !onnx.seq<tensor<?x4xf32>>
  %n = "onnx.SequenceLength"(%seq2) : (!onnx.seq<tensor<?x4xf32>>) -> tensor<i64>
  return %c, %n : tensor<3x1x4xf32>, tensor<i64>
}
