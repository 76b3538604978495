// RUN: whittle-opt --convert-whittle-to-linalg --split-input-file %s | FileCheck %s

// Dynamic dims: sizes come from the operands at run time (tensor.dim), and
// sizes a lowering relies on being equal are checked with a call to
// whittle_rt_check_dim (found, expected, site).

// CHECK-LABEL: func.func @unary
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c0 : tensor<?x4xf32>
// CHECK: tensor.empty(%[[N]]) : tensor<?x4xf32>
// CHECK: linalg.generic
// CHECK: arith.maximumf
// CHECK: func.func private @whittle_rt_check_dim(i64, i64, i64) attributes {llvm.emit_c_interface}
func.func @unary(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %y = whittle.unary relu %x : tensor<?x4xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

// Two dynamic dims on one result dim broadcast at run time: the result's is
// the one that is not 1 (the other must be 1 or equal: checked), and an
// operand whose dim is 1 where the result's is not is repeated first (an
// scf.if around a gather; CSE folds it away where both sizes are one value).
// A static operand dim broadcast over a dynamic one needs neither.
// CHECK-LABEL: func.func @binary
// CHECK-DAG: %[[A:.*]] = tensor.dim %arg0, %c0
// CHECK-DAG: %[[B:.*]] = tensor.dim %arg1, %c0
// CHECK: %[[A1:.*]] = arith.cmpi eq, %[[A]], %c1 : index
// CHECK: %[[N:.*]] = arith.select %[[A1]], %[[B]], %[[A]] : index
// CHECK: %[[B1:.*]] = arith.cmpi eq, %[[B]], %c1 : index
// CHECK: %[[F:.*]] = arith.select %[[B1]], %[[N]], %[[B]] : index
// CHECK: %[[FI:.*]] = arith.index_cast %[[F]] : index to i64
// CHECK: %[[NI:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK: call @whittle_rt_check_dim(%[[FI]], %[[NI]], %{{.*}})
// CHECK: %[[X:.*]] = scf.if
// CHECK: tensor.extract %arg0
// CHECK: scf.yield %arg0
// CHECK: %[[Y:.*]] = scf.if
// CHECK: tensor.extract %arg1
// CHECK: scf.yield %arg1
// CHECK: tensor.empty(%[[N]]) : tensor<?x4xf32>
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[Y]] : tensor<?x4xf32>, tensor<?x4xf32>)
// CHECK: arith.addf
// CHECK-NOT: call @whittle_rt_check_dim
// CHECK: arith.mulf
func.func @binary(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>, %b: tensor<4xf32>) -> tensor<?x4xf32> {
  %s = whittle.binary add %x, %y : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  %t = whittle.binary mul %s, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  return %t : tensor<?x4xf32>
}

// -----

// Batch and space dynamic: the output extent is floor((padded - 3) / 2) + 1;
// a window longer than the padded extent fails the run (max(extent, 3) is
// checked equal to the extent).
// CHECK-LABEL: func.func @conv
// CHECK: %[[E:.*]] = tensor.expand_shape %arg0
// CHECK: %[[X:.*]] = tensor.pad %[[E]] low[0, 0, 0, 1, 1] high[0, 0, 0, 1, 1]
// CHECK: %[[H:.*]] = tensor.dim %[[X]], %c3 : tensor<?x1x3x?x?xf32>
// CHECK: %[[M:.*]] = arith.maxsi %[[H]], %c3 : index
// CHECK: %[[MI:.*]] = arith.index_cast %[[M]] : index to i64
// CHECK: %[[HI:.*]] = arith.index_cast %[[H]] : index to i64
// CHECK: call @whittle_rt_check_dim(%[[MI]], %[[HI]], %{{.*}})
// CHECK: %[[S:.*]] = arith.subi %[[H]], %c3
// CHECK: %[[D:.*]] = arith.floordivsi %[[S]], %c2
// CHECK: arith.addi %[[D]], %c1
// CHECK: tensor.empty({{.*}}) : tensor<?x1x8x?x?xf32>
// CHECK: math.fma
// CHECK: tensor.collapse_shape {{.*}} into tensor<?x8x?x?xf32>
func.func @conv(%x: tensor<?x3x?x?xf32>, %w: tensor<8x3x3x3xf32>, %b: tensor<8xf32>) -> tensor<?x8x?x?xf32> {
  %y = whittle.conv %x, %w bias %b {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x3x?x?xf32>, tensor<8x3x3x3xf32>, tensor<8xf32>) -> tensor<?x8x?x?xf32>
  return %y : tensor<?x8x?x?xf32>
}

// -----

// The lhs's dynamic k is checked against the rhs's 16; m comes from the lhs.
// CHECK-LABEL: func.func @matmul
// CHECK: %[[M:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[K:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[KI:.*]] = arith.index_cast %[[K]] : index to i64
// CHECK: call @whittle_rt_check_dim(%[[KI]], %c16_i64, %{{.*}})
// CHECK: tensor.empty(%[[M]]) : tensor<?x8xf32>
// CHECK: math.fma
func.func @matmul(%x: tensor<?x?xf32>, %w: tensor<16x8xf32>, %b: tensor<8xf32>) -> tensor<?x8xf32> {
  %y = whittle.matmul %x, %w bias %b : (tensor<?x?xf32>, tensor<16x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// Average pooling with pads over dynamic space: the divisor counts are
// pooled over a padded tensor of ones of the input's run-time extent.
// CHECK-LABEL: func.func @pool
// CHECK: tensor.pad %arg0
// CHECK: arith.floordivsi
// CHECK: %[[H:.*]] = tensor.dim %arg0, %c2
// CHECK: %[[W:.*]] = tensor.dim %arg0, %c3
// CHECK: tensor.empty(%[[H]], %[[W]]) : tensor<1x1x?x?xf32>
// CHECK: arith.divf
func.func @pool(%x: tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32> {
  %y = whittle.pool avg %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : tensor<?x4x?x?xf32> -> tensor<?x4x?x?xf32>
  return %y : tensor<?x4x?x?xf32>
}

// -----

// ceil_mode over a dynamic extent is not lowered yet: the op stays.
// CHECK-LABEL: func.func @pool_ceil
// CHECK: whittle.pool max
func.func @pool_ceil(%x: tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32> {
  %y = whittle.pool max %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, ceil_mode} : tensor<?x4x?x?xf32> -> tensor<?x4x?x?xf32>
  return %y : tensor<?x4x?x?xf32>
}

// -----

// The mean divides by the run-time count of the reduced elements.
// CHECK-LABEL: func.func @mean
// CHECK: %[[H:.*]] = tensor.dim %arg0, %c2
// CHECK: %[[W:.*]] = tensor.dim %arg0, %c3
// CHECK: %[[HW:.*]] = arith.muli %[[H]], %[[W]] : index
// CHECK: %[[I:.*]] = arith.index_cast %[[HW]] : index to i64
// CHECK: %[[F:.*]] = arith.sitofp %[[I]] : i64 to f32
// CHECK: arith.divf %{{.*}}, %[[F]] : f32
func.func @mean(%x: tensor<?x4x?x?xf32>) -> tensor<?x4x1x1xf32> {
  %y = whittle.reduce mean %x {axes = array<i64: 2, 3>, keep_dims} : tensor<?x4x?x?xf32> -> tensor<?x4x1x1xf32>
  return %y : tensor<?x4x1x1xf32>
}

// -----

// CHECK-LABEL: func.func @softmax
// CHECK: tensor.empty(%{{.*}}) : tensor<?x1xf32>
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
func.func @softmax(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %y = whittle.softmax %x {axis = 1 : i64} : tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// -----

// The one dynamic dim is the element count over the static ones (checked
// to divide).
// CHECK-LABEL: func.func @flatten
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[Q:.*]] = arith.divui %{{.*}}, %c16 : index
// CHECK: call @whittle_rt_check_dim
// CHECK: %[[QI:.*]] = arith.index_cast %[[Q]] : index to i64
// CHECK: %[[S:.*]] = tensor.from_elements %[[QI]], %c16_i64 : tensor<2xi64>
// CHECK: tensor.reshape %arg0(%[[S]]) : (tensor<?x4x2x2xf32>, tensor<2xi64>) -> tensor<?x16xf32>
func.func @flatten(%x: tensor<?x4x2x2xf32>) -> tensor<?x16xf32> {
  %y = whittle.reshape %x : (tensor<?x4x2x2xf32>) -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// A run-time shape: 0 copies the input's dim, -1 is inferred, the static 2
// and the element count are checked.
// CHECK-LABEL: func.func @reshape_shape
// CHECK: tensor.extract %arg1[%c0] : tensor<3xi64>
// CHECK: arith.cmpi eq, %{{.*}}, %c0 : index
// CHECK: arith.cmpi eq, %{{.*}}, %c-1 : index
// CHECK: arith.divui
// CHECK: call @whittle_rt_check_dim(%{{.*}}, %c2_i64, %{{.*}})
// CHECK: call @whittle_rt_check_dim
// CHECK: tensor.reshape %arg0(%{{.*}}) : (tensor<?x?xf32>, tensor<3xi64>) -> tensor<?x2x?xf32>
func.func @reshape_shape(%x: tensor<?x?xf32>, %s: tensor<3xi64>) -> tensor<?x2x?xf32> {
  %y = whittle.reshape %x shape %s : (tensor<?x?xf32>, tensor<3xi64>) -> tensor<?x2x?xf32>
  return %y : tensor<?x2x?xf32>
}

// -----

// CHECK-LABEL: func.func @transpose
// CHECK: %[[A:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[C:.*]] = tensor.dim %arg0, %c2
// CHECK: %[[E:.*]] = tensor.empty(%[[C]], %[[A]]) : tensor<?x?x3xf32>
// CHECK: linalg.transpose ins(%arg0 : tensor<?x3x?xf32>) outs(%[[E]] : tensor<?x?x3xf32>) permutation = [2, 0, 1]
func.func @transpose(%x: tensor<?x3x?xf32>) -> tensor<?x?x3xf32> {
  %y = whittle.transpose %x {perm = array<i64: 2, 0, 1>} : tensor<?x3x?xf32> -> tensor<?x?x3xf32>
  return %y : tensor<?x?x3xf32>
}

// -----

// Off the axis the inputs are checked equal; along it the sizes add up.
// CHECK-LABEL: func.func @concat
// CHECK: %[[A:.*]] = tensor.dim %arg0, %c0
// CHECK: call @whittle_rt_check_dim
// CHECK: %[[E:.*]] = tensor.empty(%[[A]]) : tensor<?x5xf32>
// CHECK: %[[S:.*]] = tensor.insert_slice %arg0 into %[[E]][0, 0] [%[[A]], 2] [1, 1]
// CHECK: tensor.insert_slice %arg1 into %[[S]][0, 2]
// CHECK: %[[Y:.*]] = tensor.dim %arg1, %c0
// CHECK: %[[Z:.*]] = tensor.dim %arg2, %c0
// CHECK: %[[T:.*]] = arith.addi %[[Y]], %[[Z]] : index
// CHECK: %[[E2:.*]] = tensor.empty(%[[T]]) : tensor<?x3xf32>
// CHECK: tensor.insert_slice %arg2 into %{{.*}}[%[[Y]], 0] [%[[Z]], 3] [1, 1]
func.func @concat(%x: tensor<?x2xf32>, %y: tensor<?x3xf32>, %z: tensor<?x3xf32>) -> (tensor<?x5xf32>, tensor<?x3xf32>) {
  %a = whittle.concat %x, %y {axis = 1 : i64} : (tensor<?x2xf32>, tensor<?x3xf32>) -> tensor<?x5xf32>
  %b = whittle.concat %y, %z {axis = 0 : i64} : (tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  return %a, %b : tensor<?x5xf32>, tensor<?x3xf32>
}

// -----

// Slice bounds clamp to the run-time extent: start 1, end -1 (from the
// back), count max(0, end - start).
// CHECK-LABEL: func.func @slice
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c0 : tensor<?x8xf32>
// CHECK: %[[S:.*]] = arith.minsi %[[N]], %c1 : index
// CHECK: %[[E0:.*]] = arith.addi %[[N]], %c-1 : index
// CHECK: %[[E1:.*]] = arith.maxsi %[[E0]], %c0 : index
// CHECK: %[[E:.*]] = arith.minsi %[[E1]], %[[N]] : index
// CHECK: %[[L:.*]] = arith.subi %[[E]], %[[S]] : index
// CHECK: %[[C:.*]] = arith.maxsi %[[L]], %c0 : index
// CHECK: tensor.extract_slice %arg0[%[[S]], 0] [%[[C]], 4] [1, 2] : tensor<?x8xf32> to tensor<?x4xf32>
func.func @slice(%x: tensor<?x8xf32>) -> tensor<?x4xf32> {
  %y = whittle.slice %x {starts = array<i64: 1, 0>, ends = array<i64: -1, 8>, steps = array<i64: 1, 2>} : tensor<?x8xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

// CHECK-LABEL: func.func @shape
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[I:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK: tensor.from_elements %[[I]], %c8_i64 : tensor<2xi64>
func.func @shape(%x: tensor<?x8xf32>) -> tensor<2xi64> {
  %y = whittle.shape_of %x : tensor<?x8xf32> -> tensor<2xi64>
  return %y : tensor<2xi64>
}

// -----

// Expand to a run-time shape: a 1 in the shape keeps the input's dim (which
// must then equal the result's); the input's static 1 broadcasts.
// CHECK-LABEL: func.func @expand
// CHECK: %[[S0:.*]] = tensor.extract %arg1[%c0] : tensor<2xi64>
// CHECK: %[[I0:.*]] = arith.index_cast %[[S0]] : i64 to index
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[ONE:.*]] = arith.cmpi eq, %[[I0]], %c1 : index
// CHECK: %[[D0:.*]] = arith.select %[[ONE]], %[[N]], %[[I0]] : index
// CHECK: call @whittle_rt_check_dim
// CHECK: %[[S1:.*]] = tensor.extract %arg1[%c1] : tensor<2xi64>
// CHECK: %[[D1:.*]] = arith.index_cast %[[S1]] : i64 to index
// CHECK: tensor.empty(%[[D0]], %[[D1]]) : tensor<?x?xf32>
// CHECK: linalg.generic {indexing_maps = [#[[$BCAST:.*]], #{{.*}}]
func.func @expand(%x: tensor<?x1xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  %y = whittle.broadcast %x shape %s : (tensor<?x1xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// -----

// Gather of run-time indices along a dynamic axis: negative indices wrap by
// the run-time extent.
// CHECK-LABEL: func.func @gather
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[K:.*]] = tensor.dim %arg1, %c0
// CHECK: tensor.empty(%[[K]]) : tensor<?x8xf32>
// CHECK: arith.addi %{{.*}}, %[[N]] : index
// CHECK: tensor.extract %arg0
func.func @gather(%x: tensor<?x8xf32>, %i: tensor<?xi64>) -> tensor<?x8xf32> {
  %y = whittle.gather %x[%i] {axis = 0 : i64} : (tensor<?x8xf32>, tensor<?xi64>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// CHECK-LABEL: func.func @argmax
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c0
// CHECK: tensor.empty(%[[N]]) : tensor<?x1xf32>
// CHECK: tensor.empty(%[[N]]) : tensor<?x1xi64>
// CHECK: linalg.generic
// CHECK: tensor.reshape %{{.*}}#1(%{{.*}}) : (tensor<?x1xi64>, tensor<1xi64>) -> tensor<?xi64>
func.func @argmax(%x: tensor<?x5xf32>) -> tensor<?xi64> {
  %y = whittle.arg_reduce max %x {axis = 1 : i64} : tensor<?x5xf32> -> tensor<?xi64>
  return %y : tensor<?xi64>
}

// -----

// Nearest resize by constant scales: the output extent is floor(in * 2);
// the batch (scale 1) is not resampled.
// CHECK-LABEL: func.func @resize
// CHECK: %[[H:.*]] = tensor.dim %arg0, %c2
// CHECK: %[[HI:.*]] = arith.index_cast %[[H]] : index to i64
// CHECK: %[[HF:.*]] = arith.sitofp %[[HI]] : i64 to f32
// CHECK: %[[HD:.*]] = arith.extf %[[HF]] : f32 to f64
// CHECK: %[[HS:.*]] = arith.mulf %[[HD]], %{{.*}} : f64
// CHECK: math.floor %[[HS]] : f64
// CHECK: tensor.empty(%{{.*}}, %{{.*}}, %{{.*}}) : tensor<?x4x?x?xf32>
// CHECK: %[[B:.*]] = linalg.index 0 : index
// CHECK: tensor.extract %arg0[%[[B]],
func.func @resize(%x: tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32> {
  %y = whittle.resize nearest %x {coordinate_mode = "asymmetric", nearest_mode = "floor", scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : tensor<?x4x?x?xf32> -> tensor<?x4x?x?xf32>
  return %y : tensor<?x4x?x?xf32>
}

// -----

// The zero-inserted input of a transposed conv is (S - 1) * stride + 1 at
// run time.
// CHECK-LABEL: func.func @deconv
// CHECK: %[[H:.*]] = tensor.dim %arg0, %c2
// CHECK: %[[H1:.*]] = arith.subi %[[H]], %c1 : index
// CHECK: %[[H2:.*]] = arith.muli %[[H1]], %c2 : index
// CHECK: %[[H3:.*]] = arith.addi %[[H2]], %c1 : index
// CHECK: tensor.insert_slice %arg0 into %{{.*}}[0, 0, 0, 0] [%{{.*}}, 3, %{{.*}}, %{{.*}}] [1, 1, 2, 2]
// CHECK: math.fma
func.func @deconv(%x: tensor<?x3x?x?xf32>, %w: tensor<3x5x2x2xf32>) -> tensor<?x5x?x?xf32> {
  %y = whittle.conv_transpose %x, %w {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<?x3x?x?xf32>, tensor<3x5x2x2xf32>) -> tensor<?x5x?x?xf32>
  return %y : tensor<?x5x?x?xf32>
}

// -----

// An LSTM over a run-time sequence and batch: the time loop runs to the
// sequence length (reverse: from length - 1), each step slices batch rows.
// CHECK-LABEL: func.func @lstm
// CHECK-DAG: %[[SEQ:.*]] = tensor.dim %arg0, %c0 : tensor<?x?x3xf32>
// CHECK-DAG: %[[B:.*]] = tensor.dim %arg0, %c1 : tensor<?x?x3xf32>
// CHECK: tensor.empty(%[[SEQ]], %[[B]]) : tensor<?x?x4xf32>
// CHECK: %[[LAST:.*]] = arith.subi %[[SEQ]], %c1 : index
// CHECK: scf.for %[[T:.*]] = %c0 to %[[SEQ]] step %c1
// CHECK: %[[TT:.*]] = arith.subi %[[LAST]], %[[T]] : index
// CHECK: %[[ROW:.*]] = arith.muli %[[TT]], %[[B]] : index
// CHECK: tensor.extract_slice %{{.*}}[%[[ROW]], 0] [%[[B]], 16] [1, 1] : tensor<?x16xf32> to tensor<?x16xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2], [3]] output_shape [%{{.*}}, 1, %{{.*}}, 4] : tensor<?x?x4xf32> into tensor<?x1x?x4xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2]] output_shape [1, %{{.*}}, 4] : tensor<?x4xf32> into tensor<1x?x4xf32>
func.func @lstm(%x: tensor<?x?x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>) -> (tensor<?x1x?x4xf32>, tensor<1x?x4xf32>) {
  %y, %yh = "whittle.lstm"(%x, %w, %r) <{direction = #whittle<rnn_direction reverse>, hidden_size = 4 : i64, activations = ["Sigmoid", "Tanh", "Tanh"], operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 1, 0>}> : (tensor<?x?x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>) -> (tensor<?x1x?x4xf32>, tensor<1x?x4xf32>)
  return %y, %yh : tensor<?x1x?x4xf32>, tensor<1x?x4xf32>
}

// -----

// Reflect padding of a run-time extent n: the result is 2 + n + 2, the
// mirror is about n - 1.
// CHECK-LABEL: func.func @reflect
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c0 : tensor<?xf32>
// CHECK: %[[A:.*]] = arith.addi %[[N]], %c2 : index
// CHECK: %[[OUT:.*]] = arith.addi %[[A]], %c2 : index
// CHECK: tensor.empty(%[[OUT]]) : tensor<?xf32>
// CHECK: arith.subi %[[N]], %c1 : index
func.func @reflect(%x: tensor<?xf32>) -> tensor<?xf32> {
  %y = whittle.pad reflect %x {pads = array<i64: 2, 2>} : (tensor<?xf32>) -> tensor<?xf32>
  return %y : tensor<?xf32>
}

// -----

// A reversing slice of a run-time extent: start n - 1 (clamped), count n.
// CHECK-LABEL: func.func @reverse
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c0 : tensor<?xf32>
// CHECK: %[[L:.*]] = arith.subi %[[N]], %c1 : index
// CHECK: tensor.empty(%{{.*}}) : tensor<?xf32>
// CHECK: linalg.index 0
// CHECK: arith.muli %{{.*}}, %c-1 : index
// CHECK: tensor.extract %arg0
func.func @reverse(%x: tensor<?xf32>) -> tensor<?xf32> {
  %y = whittle.slice %x {starts = array<i64: -1>, ends = array<i64: -9223372036854775807>, steps = array<i64: -1>} : tensor<?xf32> -> tensor<?xf32>
  return %y : tensor<?xf32>
}
