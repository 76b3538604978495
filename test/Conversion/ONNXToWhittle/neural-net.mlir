// RUN: whittle-opt %s -split-input-file -convert-onnx-to-whittle | FileCheck %s

// CHECK-LABEL: func.func @conv_same_upper
// CHECK: whittle.conv %arg0, %arg1 bias %arg2 {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 1, 1>, strides = array<i64: 2, 2>}
// CHECK-NOT: onnx.
func.func @conv_same_upper(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x4xf32> {
  %y = "onnx.Conv"(%x, %w, %b) {auto_pad = "SAME_UPPER", strides = array<i64: 2, 2>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @depthwise_dynamic
// CHECK: whittle.conv %arg0, %arg1 {dilations = array<i64: 1, 1>, groups = 8 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
func.func @depthwise_dynamic(%x: tensor<?x8x?x?xf32>, %w: tensor<8x1x3x3xf32>) -> tensor<?x8x?x?xf32> {
  %y = "onnx.Conv"(%x, %w) {group = 8 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<?x8x?x?xf32>, tensor<8x1x3x3xf32>) -> tensor<?x8x?x?xf32>
  return %y : tensor<?x8x?x?xf32>
}

// -----

// Gemm with alpha = beta = 1: one matmul with the bias fused.
// CHECK-LABEL: func.func @gemm
// CHECK: %[[Y:.+]] = whittle.matmul %arg0, %arg1 bias %arg2 {transpose_rhs}
// CHECK-NEXT: return %[[Y]]
func.func @gemm(%a: tensor<1x16xf32>, %b: tensor<10x16xf32>, %c: tensor<10xf32>) -> tensor<1x10xf32> {
  %y = "onnx.Gemm"(%a, %b, %c) {transB = 1 : i64} : (tensor<1x16xf32>, tensor<10x16xf32>, tensor<10xf32>) -> tensor<1x10xf32>
  return %y : tensor<1x10xf32>
}

// -----

// Gemm with alpha/beta: scaled explicitly, never silently dropped.
// CHECK-LABEL: func.func @gemm_scaled
// CHECK-DAG: %[[A:.+]] = whittle.constant dense<5.000000e-01> : tensor<f32>
// CHECK-DAG: %[[B:.+]] = whittle.constant dense<2.000000e+00> : tensor<f32>
// CHECK: %[[MM:.+]] = whittle.matmul %arg0, %arg1 {transpose_lhs}
// CHECK: %[[Y:.+]] = whittle.binary mul %[[MM]], %[[A]]
// CHECK: %[[C:.+]] = whittle.binary mul %arg2, %[[B]]
// CHECK: whittle.binary add %[[Y]], %[[C]]
func.func @gemm_scaled(%a: tensor<16x1xf32>, %b: tensor<16x10xf32>, %c: tensor<10xf32>) -> tensor<1x10xf32> {
  %y = "onnx.Gemm"(%a, %b, %c) {transA = 1 : i64, alpha = 0.5 : f32, beta = 2.0 : f32} : (tensor<16x1xf32>, tensor<16x10xf32>, tensor<10xf32>) -> tensor<1x10xf32>
  return %y : tensor<1x10xf32>
}

// -----

// CHECK-LABEL: func.func @matmul
// CHECK: whittle.matmul %arg0, %arg1 : (tensor<2x4x8xf32>, tensor<8x3xf32>) -> tensor<2x4x3xf32>
func.func @matmul(%a: tensor<2x4x8xf32>, %b: tensor<8x3xf32>) -> tensor<2x4x3xf32> {
  %y = "onnx.MatMul"(%a, %b) : (tensor<2x4x8xf32>, tensor<8x3xf32>) -> tensor<2x4x3xf32>
  return %y : tensor<2x4x3xf32>
}

// -----

// CHECK-LABEL: func.func @pools
// CHECK: whittle.pool max %arg0 {ceil_mode, dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>}
// CHECK: whittle.pool avg %arg0 {count_include_pad, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>}
// CHECK: whittle.reduce mean %arg0 {axes = array<i64: 2, 3>, keep_dims}
func.func @pools(%x: tensor<1x4x8x8xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x4x1x1xf32>) {
  %0 = "onnx.MaxPool"(%x) {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>, ceil_mode = 1 : i64} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  %1 = "onnx.AveragePool"(%x) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>, count_include_pad = 1 : i64} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  %2 = "onnx.GlobalAveragePool"(%x) : (tensor<1x4x8x8xf32>) -> tensor<1x4x1x1xf32>
  return %0, %1, %2 : tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x4x1x1xf32>
}

// -----

// A MaxPool whose Indices are used becomes whittle.max_pool_indices.
// CHECK-LABEL: func.func @maxpool_indices
// CHECK: whittle.max_pool_indices %arg0 {{.*}} -> tensor<1x4x4x4xf32>, tensor<1x4x4x4xi64>
func.func @maxpool_indices(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xi64> {
  %0:2 = "onnx.MaxPool"(%x) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x4x4x4xi64>)
  return %0#1 : tensor<1x4x4x4xi64>
}

// -----

// CHECK-LABEL: func.func @batch_norm
// CHECK: whittle.batch_norm %arg0, %arg1, %arg1, %arg1, %arg1 {epsilon = 1.000000e-03 : f32}
func.func @batch_norm(%x: tensor<1x4x8x8xf32>, %s: tensor<4xf32>) -> tensor<1x4x8x8xf32> {
  %y = "onnx.BatchNormalization"(%x, %s, %s, %s, %s) {epsilon = 1.0e-3 : f32, resultSegmentSizes = array<i32: 1, 0, 0>} : (tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  return %y : tensor<1x4x8x8xf32>
}

// -----

// CHECK-LABEL: func.func @reduce
// CHECK: whittle.reduce mean %arg0 {axes = array<i64: 2>} : tensor<2x3x4xf32> -> tensor<2x3xf32>
// CHECK: whittle.reduce sum %arg0 {axes = array<i64: 0, 1>, keep_dims}
// CHECK: whittle.arg_reduce max %arg0 {axis = 1 : i64, keep_dims}
func.func @reduce(%x: tensor<2x3x4xf32>) -> (tensor<2x3xf32>, tensor<1x1x4xf32>, tensor<2x1x4xi64>) {
  %0 = "onnx.ReduceMean"(%x) {axes = array<i64: -1>, keepdims = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<2x3xf32>
  %axes = "onnx.Constant"() {value = dense<[1, 0]> : tensor<2xi64>} : () -> tensor<2xi64>
  %1 = "onnx.ReduceSum"(%x, %axes) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<1x1x4xf32>
  %2 = "onnx.ArgMax"(%x) {axis = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x1x4xi64>
  return %0, %1, %2 : tensor<2x3xf32>, tensor<1x1x4xf32>, tensor<2x1x4xi64>
}

// -----

// Softmax before opset 13 coerces to 2-D at the axis.
// CHECK-LABEL: func.func @softmax_v11
// CHECK: %[[F:.+]] = whittle.reshape %arg0 : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
// CHECK: %[[S:.+]] = whittle.softmax %[[F]] {axis = 1 : i64} : tensor<2x12xf32>
// CHECK: whittle.reshape %[[S]] : (tensor<2x12xf32>) -> tensor<2x3x4xf32>
module attributes {onnx.opset_import = {"ai.onnx" = 11 : i64}} {
  func.func @softmax_v11(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
    %y = "onnx.Softmax"(%x) {axis = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
    return %y : tensor<2x3x4xf32>
  }
}

// -----

// From opset 13 Softmax is along one axis.
// CHECK-LABEL: func.func @softmax_v13
// CHECK: whittle.softmax %arg0 {axis = 1 : i64} : tensor<2x3x4xf32>
module attributes {onnx.opset_import = {"ai.onnx" = 13 : i64}} {
  func.func @softmax_v13(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
    %y = "onnx.Softmax"(%x) {axis = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
    return %y : tensor<2x3x4xf32>
  }
}

// -----

// CHECK-LABEL: func.func @lstm
// CHECK: "whittle.lstm"(%arg0, %arg1, %arg2) <{activations = ["Sigmoid", "Tanh", "Tanh", "Sigmoid", "Tanh", "Tanh"], direction = #whittle<rnn_direction bidirectional>, hidden_size = 4 : i64
func.func @lstm(%x: tensor<5x1x3xf32>, %w: tensor<2x16x3xf32>, %r: tensor<2x16x4xf32>) -> tensor<5x2x1x4xf32> {
  %y = "onnx.LSTM"(%x, %w, %r) {direction = "bidirectional", hidden_size = 4 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0>} : (tensor<5x1x3xf32>, tensor<2x16x3xf32>, tensor<2x16x4xf32>) -> tensor<5x2x1x4xf32>
  return %y : tensor<5x2x1x4xf32>
}

// -----

// LayerNormalization whose Mean and InvStdDev are used is spelled out in
// whittle ops, so every output has a value.
// CHECK-LABEL: func.func @layer_norm_stats
// CHECK: %[[MEAN:.+]] = whittle.reduce mean %arg0 {axes = array<i64: 1>, keep_dims}
// CHECK: whittle.unary sqrt
// CHECK: %[[INV:.+]] = whittle.unary reciprocal
// CHECK: return %{{.*}}, %[[MEAN]], %[[INV]]
func.func @layer_norm_stats(%x: tensor<2x4xf32>, %s: tensor<4xf32>) -> (tensor<2x4xf32>, tensor<2x1xf32>, tensor<2x1xf32>) {
  %y:3 = "onnx.LayerNormalization"(%x, %s) {axis = 1 : i64, resultSegmentSizes = array<i32: 1, 1, 1>} : (tensor<2x4xf32>, tensor<4xf32>) -> (tensor<2x4xf32>, tensor<2x1xf32>, tensor<2x1xf32>)
  return %y#0, %y#1, %y#2 : tensor<2x4xf32>, tensor<2x1xf32>, tensor<2x1xf32>
}

// -----

// CHECK-LABEL: func.func @reduce_sum_runtime_axes
// CHECK: whittle.dynamic_reduce sum %arg0 axes %arg1 {keep_dims} : (tensor<3x2x2xf32>, tensor<1xi64>) -> tensor<3x1x2xf32>
func.func @reduce_sum_runtime_axes(%x: tensor<3x2x2xf32>, %a: tensor<1xi64>) -> tensor<3x1x2xf32> {
  %y = "onnx.ReduceSum"(%x, %a) <{keepdims = 1 : i64, operandSegmentSizes = array<i32: 1, 1>}> : (tensor<3x2x2xf32>, tensor<1xi64>) -> tensor<3x1x2xf32>
  return %y : tensor<3x1x2xf32>
}

// -----

// A constant axis becomes the attribute; a run-time one stays an operand.
// CHECK-LABEL: func.func @cumsum
// CHECK: whittle.cumsum %arg0 {axis = 1 : i64, reverse} : tensor<2x3xf32>
// CHECK: whittle.cumsum %arg0 axis %arg1 : tensor<i32> : tensor<2x3xf32>
func.func @cumsum(%x: tensor<2x3xf32>, %a: tensor<i32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %c = "onnx.Constant"() {value = dense<-1> : tensor<i32>} : () -> tensor<i32>
  %0 = "onnx.CumSum"(%x, %c) {reverse = 1 : i64} : (tensor<2x3xf32>, tensor<i32>) -> tensor<2x3xf32>
  %1 = "onnx.CumSum"(%x, %a) : (tensor<2x3xf32>, tensor<i32>) -> tensor<2x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Layout 1 (batch-major): the same LSTM between transposes.
// CHECK-LABEL: func.func @lstm_batch_major
// CHECK: %[[X:.+]] = whittle.transpose %arg0 {perm = array<i64: 1, 0, 2>} : tensor<3x5x2xf32> -> tensor<5x3x2xf32>
// CHECK: %[[Y:.+]], %[[YH:.+]] = "whittle.lstm"(%[[X]], %arg1, %arg2)
// CHECK-SAME: -> (tensor<5x1x3x4xf32>, tensor<1x3x4xf32>)
// CHECK: whittle.transpose %[[Y]] {perm = array<i64: 2, 0, 1, 3>} : tensor<5x1x3x4xf32> -> tensor<3x5x1x4xf32>
// CHECK: whittle.transpose %[[YH]] {perm = array<i64: 1, 0, 2>} : tensor<1x3x4xf32> -> tensor<3x1x4xf32>
func.func @lstm_batch_major(%x: tensor<3x5x2xf32>, %w: tensor<1x16x2xf32>, %r: tensor<1x16x4xf32>) -> (tensor<3x5x1x4xf32>, tensor<3x1x4xf32>) {
  %y, %yh = "onnx.LSTM"(%x, %w, %r) <{hidden_size = 4 : i64, layout = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 1, 0>}> : (tensor<3x5x2xf32>, tensor<1x16x2xf32>, tensor<1x16x4xf32>) -> (tensor<3x5x1x4xf32>, tensor<3x1x4xf32>)
  return %y, %yh : tensor<3x5x1x4xf32>, tensor<3x1x4xf32>
}

// -----

// GRU and RNN with the spec's default activations.
// CHECK-LABEL: func.func @gru_rnn
// CHECK: "whittle.gru"(%arg0, %arg1, %arg2) <{activations = ["Sigmoid", "Tanh"], direction = #whittle<rnn_direction forward>, hidden_size = 4 : i64, linear_before_reset
// CHECK: "whittle.rnn"(%arg0, %arg3, %arg4) <{activations = ["Tanh"]
func.func @gru_rnn(%x: tensor<3x1x2xf32>, %w: tensor<1x12x2xf32>, %r: tensor<1x12x4xf32>, %rw: tensor<1x4x2xf32>, %rr: tensor<1x4x4xf32>) -> (tensor<1x1x4xf32>, tensor<1x1x4xf32>) {
  %gyh = "onnx.GRU"(%x, %w, %r) <{hidden_size = 4 : i64, linear_before_reset = 1 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 0, 1>}> : (tensor<3x1x2xf32>, tensor<1x12x2xf32>, tensor<1x12x4xf32>) -> tensor<1x1x4xf32>
  %ryh = "onnx.RNN"(%x, %rw, %rr) <{hidden_size = 4 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 0, 1>}> : (tensor<3x1x2xf32>, tensor<1x4x2xf32>, tensor<1x4x4xf32>) -> tensor<1x1x4xf32>
  return %gyh, %ryh : tensor<1x1x4xf32>, tensor<1x1x4xf32>
}

// -----

// MaxPool's Indices output (column-major with storage_order = 1).
// CHECK-LABEL: func.func @max_pool_indices
// CHECK: whittle.max_pool_indices %arg0 {column_major, dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<1x1x5x5xf32> -> tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>
func.func @max_pool_indices(%x: tensor<1x1x5x5xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>) {
  %y, %i = "onnx.MaxPool"(%x) {kernel_shape = array<i64: 2, 2>, storage_order = 1 : i64, strides = array<i64: 2, 2>} : (tensor<1x1x5x5xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>)
  return %y, %i : tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>
}
