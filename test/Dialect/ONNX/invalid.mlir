// RUN: whittle-opt %s -split-input-file -verify-diagnostics

func.func @relu_bool(%x: tensor<4xi1>) -> tensor<4xi1> {
  // expected-error @+1 {{operand #0 must be tensor of}}
  %y = "onnx.Relu"(%x) : (tensor<4xi1>) -> tensor<4xi1>
  return %y : tensor<4xi1>
}

// -----

func.func @conv_missing_filter(%x: tensor<1x3x8x8xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+1 {{expected 2 or more operands, but found 1}}
  %y = "onnx.Conv"(%x) : (tensor<1x3x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %y : tensor<1x4x8x8xf32>
}

// -----

func.func @cast_needs_to(%x: tensor<4xf32>) -> tensor<4xi32> {
  // expected-error @+1 {{requires attribute 'to'}}
  %y = "onnx.Cast"(%x) : (tensor<4xf32>) -> tensor<4xi32>
  return %y : tensor<4xi32>
}

// -----

func.func @attr_kind(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{attribute 'axis' failed to satisfy constraint: 64-bit signless integer attribute}}
  %y = "onnx.Softmax"(%x) {axis = 1.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @custom_no_type(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{needs a non-empty 'op_type'}}
  %y = "onnx.Custom"(%x) <{domain = "x", op_type = "", version = 1 : i64}> : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @yield_outside() {
  // expected-error @+1 {{must end the body of an onnx op with a subgraph}}
  onnx.Yield
}
