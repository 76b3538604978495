// RUN: whittle-opt %s -split-input-file -convert-onnx-to-whittle -verify-diagnostics

// Model errors the legalization names.
func.func @top_k_too_many(%x: tensor<3x4xf32>) -> (tensor<3x5xf32>, tensor<3x5xi64>) {
  %k = "onnx.Constant"() {value = dense<5> : tensor<1xi64>} : () -> tensor<1xi64>
  // expected-error @+1 {{TopK: k = 5 is outside [0, 4]}}
  %v, %i = "onnx.TopK"(%x, %k) {axis = 1 : i64} : (tensor<3x4xf32>, tensor<1xi64>) -> (tensor<3x5xf32>, tensor<3x5xi64>)
  return %v, %i : tensor<3x5xf32>, tensor<3x5xi64>
}

// -----

func.func @dft_component_axis(%x: tensor<1x8x1xf32>) -> tensor<1x8x2xf32> {
  // expected-error @+1 {{DFT: axis 2 is not a signal axis}}
  %y = "onnx.DFT"(%x) {axis = 2 : i64} : (tensor<1x8x1xf32>) -> tensor<1x8x2xf32>
  return %y : tensor<1x8x2xf32>
}

// -----

func.func @strnorm_rows(%x: tensor<2x3x!onnx.string>) -> tensor<2x3x!onnx.string> {
  // expected-error @+1 {{StringNormalizer: a 2-D input must be [1, C]}}
  %y = "onnx.StringNormalizer"(%x) : (tensor<2x3x!onnx.string>) -> tensor<2x3x!onnx.string>
  return %y : tensor<2x3x!onnx.string>
}
