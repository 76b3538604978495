// RUN: whittle-opt %s -split-input-file -convert-onnx-to-whittle | FileCheck %s

// If becomes scf.if on the extracted condition; the bodies are legalized
// too; a branch yielding a more precise type is cast to the If's type.
// CHECK-LABEL: func.func @if
// CHECK: %[[C:.+]] = tensor.extract %arg0[] : tensor<i1>
// CHECK: scf.if %[[C]] -> (tensor<?xf32>) {
// CHECK:   %[[N:.+]] = whittle.unary neg %arg1
// CHECK:   %[[CAST:.+]] = tensor.cast %[[N]] : tensor<2xf32> to tensor<?xf32>
// CHECK:   scf.yield %[[CAST]]
// CHECK: } else {
// CHECK:   scf.yield %arg2 : tensor<?xf32>
// CHECK-NOT: onnx.
func.func @if(%c: tensor<i1>, %a: tensor<2xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {
  %y = "onnx.If"(%c) ({
    onnx.Yield %b : tensor<?xf32>
  }, {
    %n = "onnx.Neg"(%a) : (tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %n : tensor<2xf32>
  }) : (tensor<i1>) -> tensor<?xf32>
  return %y : tensor<?xf32>
}

// -----

// An If whose condition folds to a constant (a shape test) is its branch,
// even when the other branch yields another rank.
// CHECK-LABEL: func.func @if_static
// CHECK-NOT: scf.if
// CHECK: %[[R:.+]] = whittle.reshape %arg0 : (tensor<?x1x8xf32>) -> tensor<?x8xf32>
// CHECK: return %[[R]]
func.func @if_static(%x: tensor<?x1x8xf32>) -> tensor<?x8xf32> {
  %s = "onnx.Shape"(%x) : (tensor<?x1x8xf32>) -> tensor<3xi64>
  %i = "onnx.Constant"() {value = dense<[1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %d = "onnx.Gather"(%s, %i) {axis = 0 : i64} : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %one = "onnx.Constant"() {value = dense<[1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %c = "onnx.Equal"(%d, %one) : (tensor<1xi64>, tensor<1xi64>) -> tensor<1xi1>
  %y = "onnx.If"(%c) ({
    onnx.Yield %x : tensor<?x1x8xf32>
  }, {
    %sq = "onnx.Squeeze"(%x, %one) : (tensor<?x1x8xf32>, tensor<1xi64>) -> tensor<?x8xf32>
    onnx.Yield %sq : tensor<?x8xf32>
  }) : (tensor<1xi1>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}
