// RUN: whittle-opt %s -split-input-file -convert-whittle-to-linalg | FileCheck %s

// The input projection of all steps is one contraction before the loop
// (R is transposed once); the loop carries H, C and Y and inserts one time
// step of Y per iteration. A reverse LSTM walks the steps backwards.
// CHECK-LABEL: func.func @lstm_reverse
// CHECK: linalg.transpose
// CHECK: %[[L:.+]]:3 = scf.for %[[T:.+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK: %[[TT:.+]] = arith.subi %{{.*}}, %[[T]]
// CHECK: tensor.extract_slice
// CHECK: math.fma
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[%[[TT]], 0, 0] [1, 2, 4] [1, 1, 1]
// CHECK: scf.yield
// CHECK-NOT: whittle.
func.func @lstm_reverse(%x: tensor<5x2x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>) {
  %y, %yh = "whittle.lstm"(%x, %w, %r) <{direction = #whittle<rnn_direction reverse>, hidden_size = 4 : i64, activations = ["Sigmoid", "Tanh", "Tanh"], operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 1, 0>}> : (tensor<5x2x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return %y, %yh : tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
}

// -----

// GRU: the reset gate scales H before its recurrent matmul (default), and
// H_t = h~ + z (H_{t-1} - h~). Bidirectional results are concatenated.
// CHECK-LABEL: func.func @gru_bidirectional
// CHECK-COUNT-2: scf.for
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0] [1, 1, 4] [1, 1, 1] : tensor<1x1x4xf32> into tensor<2x1x4xf32>
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[1, 0, 0] [1, 1, 4] [1, 1, 1] : tensor<1x1x4xf32> into tensor<2x1x4xf32>
// CHECK-NOT: whittle.
func.func @gru_bidirectional(%x: tensor<3x1x2xf32>, %w: tensor<2x12x2xf32>, %r: tensor<2x12x4xf32>, %b: tensor<2x24xf32>) -> tensor<2x1x4xf32> {
  %yh = "whittle.gru"(%x, %w, %r, %b) <{direction = #whittle<rnn_direction bidirectional>, hidden_size = 4 : i64, activations = ["Sigmoid", "Tanh", "Sigmoid", "Tanh"], operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0>, resultSegmentSizes = array<i32: 0, 1>}> : (tensor<3x1x2xf32>, tensor<2x12x2xf32>, tensor<2x12x4xf32>, tensor<2x24xf32>) -> tensor<2x1x4xf32>
  return %yh : tensor<2x1x4xf32>
}

// -----

// CHECK-LABEL: func.func @rnn
// CHECK: scf.for
// CHECK: math.tanh
func.func @rnn(%x: tensor<3x1x2xf32>, %w: tensor<1x4x2xf32>, %r: tensor<1x4x4xf32>) -> tensor<3x1x1x4xf32> {
  %y = "whittle.rnn"(%x, %w, %r) <{direction = #whittle<rnn_direction forward>, hidden_size = 4 : i64, activations = ["Tanh"], operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0>}> : (tensor<3x1x2xf32>, tensor<1x4x2xf32>, tensor<1x4x4xf32>) -> tensor<3x1x1x4xf32>
  return %y : tensor<3x1x1x4xf32>
}
