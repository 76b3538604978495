// RUN: whittle-opt %s -split-input-file -whittle-check-legalized -verify-diagnostics

// expected-error @below {{unsupported ONNX operators: NonZero (1), com.example::FancyOp (2)}}
module {
  func.func @leftovers(%x: tensor<4xf32>) -> tensor<?x?xi64> {
    // expected-note @below {{first NonZero is here}}
    %0 = "onnx.NonZero"(%x) : (tensor<4xf32>) -> tensor<?x?xi64>
    // expected-note @below {{first com.example::FancyOp is here}}
    %1 = "onnx.Custom"(%x) <{domain = "com.example", op_type = "FancyOp", version = 1 : i64}> : (tensor<4xf32>) -> tensor<4xf32>
    %2 = "onnx.Custom"(%1) <{domain = "com.example", op_type = "FancyOp", version = 1 : i64}> : (tensor<4xf32>) -> tensor<4xf32>
    return %0 : tensor<?x?xi64>
  }
}

// -----

// Nothing left: the pass is silent.
module {
  func.func @clean(%x: tensor<4xf32>) -> tensor<4xf32> {
    %0 = whittle.unary relu %x : tensor<4xf32> -> tensor<4xf32>
    return %0 : tensor<4xf32>
  }
}
