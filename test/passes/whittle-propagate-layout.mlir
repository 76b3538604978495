// RUN: whittle-opt %s -split-input-file -whittle-propagate-layout=min-channels=1 | FileCheck %s
// RUN: whittle-opt %s -split-input-file -whittle-propagate-layout | FileCheck %s --check-prefix=DEFAULT

// f32 convs run channels-last however narrow (here 3 output channels:
// packed contractions); min-channels concerns other element types.
// DEFAULT-LABEL: func.func @chain
// DEFAULT: whittle.conv {{.*}}channels_last
// DEFAULT: whittle.conv {{.*}}channels_last

// Two convs with a residual Add and an activation between: both run
// channels-last, and only the model's edges transpose.
// CHECK-LABEL: func.func @chain
// CHECK: %[[X:.*]] = whittle.transpose %arg0 {perm = array<i64: 0, 2, 3, 1>}
// CHECK: %[[C1:.*]] = whittle.conv %[[X]], %{{.*}} {channels_last{{.*}}} : (tensor<1x4x2x2xf32>, tensor<1x1x2x3xf32>) -> tensor<1x4x2x3xf32>
// CHECK: %[[S:.*]] = whittle.unary sigmoid %[[C1]] : tensor<1x4x2x3xf32>
// CHECK: %[[C2:.*]] = whittle.conv %[[S]], %{{.*}} residual %[[S]] {channels_last{{.*}}} : (tensor<1x4x2x3xf32>, tensor<3x3x3x3xf32>, tensor<1x4x2x3xf32>) -> tensor<1x4x2x3xf32>
// CHECK: %[[B:.*]] = whittle.binary mul %[[C2]], %{{.*}} : (tensor<1x4x2x3xf32>, tensor<1x1x1x3xf32>)
// CHECK: %[[Y:.*]] = whittle.transpose %[[B]] {perm = array<i64: 0, 3, 1, 2>}
// CHECK: return %[[Y]]
// CHECK-NOT: whittle.transpose
func.func @chain(%x: tensor<1x2x4x2xf32>) -> tensor<1x3x4x2xf32> {
  %w1 = whittle.constant dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[4.0]]], [[[5.0]], [[6.0]]]]> : tensor<3x2x1x1xf32>
  %w2 = whittle.constant dense<0.5> : tensor<3x3x3x3xf32>
  %s3 = whittle.constant dense<[[[2.0]], [[3.0]], [[4.0]]]> : tensor<3x1x1xf32>
  %c1 = whittle.conv %x, %w1 {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x2xf32>, tensor<3x2x1x1xf32>) -> tensor<1x3x4x2xf32>
  %s = whittle.unary sigmoid %c1 : tensor<1x3x4x2xf32> -> tensor<1x3x4x2xf32>
  %c2 = whittle.conv %s, %w2 residual %s {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x3x4x2xf32>, tensor<3x3x3x3xf32>, tensor<1x3x4x2xf32>) -> tensor<1x3x4x2xf32>
  %y = whittle.binary mul %c2, %s3 : (tensor<1x3x4x2xf32>, tensor<3x1x1xf32>) -> tensor<1x3x4x2xf32>
  return %y : tensor<1x3x4x2xf32>
}

// -----

// The filter is transposed at compile time to K x K x C/g x M.
// CHECK-LABEL: func.func @filter_layout
// CHECK: whittle.constant dense<{{\[}}[{{\[}}[1.000000e+00, 3.000000e+00, 5.000000e+00], [2.000000e+00, 4.000000e+00, 6.000000e+00]]]]> : tensor<1x1x2x3xf32>
func.func @filter_layout(%x: tensor<1x2x4x2xf32>) -> tensor<1x3x4x2xf32> {
  %w1 = whittle.constant dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[4.0]]], [[[5.0]], [[6.0]]]]> : tensor<3x2x1x1xf32>
  %c1 = whittle.conv %x, %w1 {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x2xf32>, tensor<3x2x1x1xf32>) -> tensor<1x3x4x2xf32>
  return %c1 : tensor<1x3x4x2xf32>
}

// -----

// A pool, a global mean (keep dims) and a concat follow the convs'
// layout.
// CHECK-LABEL: func.func @boundaries
// CHECK: whittle.conv {{.*}}channels_last
// CHECK-NOT: whittle.transpose
// CHECK: whittle.pool max {{.*}}channels_last{{.*}} : tensor<1x4x2x3xf32> -> tensor<1x4x2x3xf32>
// CHECK-NOT: whittle.transpose
// CHECK: whittle.conv {{.*}}channels_last
// CHECK: whittle.concat {{.*}}axis = 3
// CHECK: whittle.reduce mean {{.*}}axes = array<i64: 1, 2>
func.func @boundaries(%x: tensor<1x2x4x2xf32>) -> tensor<1x6x1x1xf32> {
  %w = whittle.constant dense<1.0> : tensor<3x2x1x1xf32>
  %w2 = whittle.constant dense<1.0> : tensor<3x3x1x1xf32>
  %c = whittle.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x2xf32>, tensor<3x2x1x1xf32>) -> tensor<1x3x4x2xf32>
  %p = whittle.pool max %c {kernel = array<i64: 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x3x4x2xf32> -> tensor<1x3x4x2xf32>
  %c2 = whittle.conv %p, %w2 {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x4x2xf32>, tensor<3x3x1x1xf32>) -> tensor<1x3x4x2xf32>
  %c3 = whittle.conv %p, %w2 {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x3x4x2xf32>, tensor<3x3x1x1xf32>) -> tensor<1x3x4x2xf32>
  %cat = whittle.concat %c2, %c3 {axis = 1 : i64} : (tensor<1x3x4x2xf32>, tensor<1x3x4x2xf32>) -> tensor<1x6x4x2xf32>
  %m = whittle.reduce mean %cat {axes = array<i64: 2, 3>, keep_dims} : tensor<1x6x4x2xf32> -> tensor<1x6x1x1xf32>
  return %m : tensor<1x6x1x1xf32>
}

// -----

// Negative: dynamic shapes, a filter computed at run time, integer convs.
// CHECK-LABEL: func.func @kept
// CHECK-NOT: channels_last
// CHECK-NOT: whittle.transpose
func.func @kept(%x: tensor<?x2x?x?xf32>, %w: tensor<3x2x1x1xf32>, %xi: tensor<1x2x4x2xi32>) -> (tensor<?x3x?x?xf32>, tensor<1x3x4x2xf32>, tensor<1x3x4x2xi32>) {
  %c = whittle.constant dense<1.0> : tensor<3x2x1x1xf32>
  %ci = whittle.constant dense<1> : tensor<3x2x1x1xi32>
  %y = whittle.conv %x, %c {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<?x2x?x?xf32>, tensor<3x2x1x1xf32>) -> tensor<?x3x?x?xf32>
  %x2 = whittle.constant dense<1.0> : tensor<1x2x4x2xf32>
  %y2 = whittle.conv %x2, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x2xf32>, tensor<3x2x1x1xf32>) -> tensor<1x3x4x2xf32>
  %y3 = whittle.conv %xi, %ci {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x2xi32>, tensor<3x2x1x1xi32>) -> tensor<1x3x4x2xi32>
  return %y, %y2, %y3 : tensor<?x3x?x?xf32>, tensor<1x3x4x2xf32>, tensor<1x3x4x2xi32>
}

// -----

// f32 convs with whole 16-channel panels run channels-last whatever their
// row (they become register-tiled packed contractions): an ungrouped conv
// with 16 output channels over a 32-wide row, and a depthwise conv over 16
// channels (filter M x 1 x K x K transposed to K x K x 1 x M); depthwise
// convs with a partial last panel too.
// CHECK-LABEL: func.func @panels
// DEFAULT-LABEL: func.func @panels
// DEFAULT: whittle.conv {{.*}} {channels_last{{.*}}} : (tensor<1x8x32x2xf32>, tensor<1x1x2x16xf32>) -> tensor<1x8x32x16xf32>
// DEFAULT: whittle.conv {{.*}} {channels_last{{.*}}groups = 16{{.*}}} : (tensor<1x8x32x16xf32>, tensor<3x3x1x16xf32>) -> tensor<1x8x32x16xf32>
func.func @panels(%x: tensor<1x2x8x32xf32>) -> tensor<1x16x8x32xf32> {
  %w1 = whittle.constant dense<1.0> : tensor<16x2x1x1xf32>
  %w2 = whittle.constant dense<0.5> : tensor<16x1x3x3xf32>
  %c1 = whittle.conv %x, %w1 {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x8x32xf32>, tensor<16x2x1x1xf32>) -> tensor<1x16x8x32xf32>
  %c2 = whittle.conv %c1, %w2 {groups = 16 : i64, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x16x8x32xf32>, tensor<16x1x3x3xf32>) -> tensor<1x16x8x32xf32>
  return %c2 : tensor<1x16x8x32xf32>
}

// -----

// Negative: a depthwise conv over 8 channels (less than a panel) and a
// grouped conv that is not depthwise keep N x C x H x W.
// CHECK-LABEL: func.func @grouped_kept
// CHECK-NOT: channels_last
// DEFAULT-LABEL: func.func @grouped_kept
// DEFAULT-NOT: channels_last
func.func @grouped_kept(%x: tensor<1x8x8x32xf32>, %x2: tensor<1x32x8x8xf32>) -> (tensor<1x8x8x32xf32>, tensor<1x32x8x8xf32>) {
  %w1 = whittle.constant dense<0.5> : tensor<8x1x3x3xf32>
  %w2 = whittle.constant dense<0.5> : tensor<32x16x1x1xf32>
  %c1 = whittle.conv %x, %w1 {groups = 8 : i64, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x32xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x8x32xf32>
  %c2 = whittle.conv %x2, %w2 {groups = 2 : i64, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x32x8x8xf32>, tensor<32x16x1x1xf32>) -> tensor<1x32x8x8xf32>
  return %c1, %c2 : tensor<1x8x8x32xf32>, tensor<1x32x8x8xf32>
}

// -----

// A transposed conv whose kernel is its stride (2x2, stride 2): a matmul of
// the channels-last input pixels (2 x 3 = 6 rows of 4 channels) with the
// filter as 4 x (5 x 2 x 2), the bias repeated per tap, then depth-to-space.
// CHECK-LABEL: func.func @conv_transpose_matmul
// CHECK: %[[X:.*]] = whittle.transpose %arg0 {perm = array<i64: 0, 2, 3, 1>}
// CHECK: %[[R:.*]] = whittle.reshape %[[X]] : (tensor<1x2x3x4xf32>) -> tensor<6x4xf32>
// CHECK: %[[M:.*]] = whittle.matmul %[[R]], %{{.*}} bias %{{.*}} : (tensor<6x4xf32>, tensor<4x20xf32>, tensor<20xf32>) -> tensor<6x20xf32>
// CHECK: %[[S:.*]] = whittle.reshape %[[M]] : (tensor<6x20xf32>) -> tensor<1x2x3x5x2x2xf32>
// CHECK: %[[T:.*]] = whittle.transpose %[[S]] {perm = array<i64: 0, 1, 4, 2, 5, 3>}
// CHECK: %[[D:.*]] = whittle.reshape %[[T]] : (tensor<1x2x2x3x2x5xf32>) -> tensor<1x4x6x5xf32>
// CHECK: whittle.transpose %[[D]] {perm = array<i64: 0, 3, 1, 2>}
// CHECK-NOT: whittle.conv_transpose
func.func @conv_transpose_matmul(%x: tensor<1x4x2x3xf32>) -> tensor<1x5x4x6xf32> {
  %w = whittle.constant dense<0.5> : tensor<4x5x2x2xf32>
  %b = whittle.constant dense<1.0> : tensor<5xf32>
  %y = whittle.conv_transpose %x, %w bias %b {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x4x2x3xf32>, tensor<4x5x2x2xf32>, tensor<5xf32>) -> tensor<1x5x4x6xf32>
  return %y : tensor<1x5x4x6xf32>
}

// -----

// Overlapping windows (kernel 3, stride 2) stay a transposed conv.
// CHECK-LABEL: func.func @conv_transpose_kept
// CHECK: whittle.conv_transpose
func.func @conv_transpose_kept(%x: tensor<1x4x2x3xf32>) -> tensor<1x5x5x7xf32> {
  %w = whittle.constant dense<0.5> : tensor<4x5x3x3xf32>
  %y = whittle.conv_transpose %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x4x2x3xf32>, tensor<4x5x3x3xf32>) -> tensor<1x5x5x7xf32>
  return %y : tensor<1x5x5x7xf32>
}

// -----

// An ungrouped f32 conv runs channels-last whatever its output channels
// (9: one panel, 7 columns computed and dropped; 7: 9 dropped).
// DEFAULT-LABEL: func.func @half_panel
// DEFAULT: whittle.conv {{.*}} {channels_last{{.*}}} : (tensor<1x8x32x32xf32>, tensor<3x3x32x9xf32>) -> tensor<1x8x32x9xf32>
// DEFAULT: whittle.conv {{.*}} {channels_last{{.*}}} : (tensor<1x8x32x32xf32>, tensor<3x3x32x7xf32>) -> tensor<1x8x32x7xf32>
func.func @half_panel(%x: tensor<1x32x8x32xf32>) -> (tensor<1x9x8x32xf32>, tensor<1x7x8x32xf32>) {
  %w1 = whittle.constant dense<1.0> : tensor<9x32x3x3xf32>
  %w2 = whittle.constant dense<1.0> : tensor<7x32x3x3xf32>
  %c1 = whittle.conv %x, %w1 {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x32x8x32xf32>, tensor<9x32x3x3xf32>) -> tensor<1x9x8x32xf32>
  %c2 = whittle.conv %x, %w2 {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x32x8x32xf32>, tensor<7x32x3x3xf32>) -> tensor<1x7x8x32xf32>
  return %c1, %c2 : tensor<1x9x8x32xf32>, tensor<1x7x8x32xf32>
}

// -----

// SPP: one channels-last tensor pooled three times and concatenated with
// the results. The pools take the transpose that has other users; the
// concat then takes all four, and no transpose is left between the convs.
// CHECK-LABEL: func.func @spp
// DEFAULT-LABEL: func.func @spp
// CHECK: %[[X:.*]] = whittle.conv {{.*}}channels_last
// CHECK-NOT: whittle.transpose
// CHECK-DAG: %[[P5:.*]] = whittle.pool max %[[X]] {channels_last, {{.*}}kernel = array<i64: 5, 5>
// CHECK-DAG: %[[P9:.*]] = whittle.pool max %[[X]] {channels_last, {{.*}}kernel = array<i64: 9, 9>
// CHECK: whittle.concat %[[X]], %{{.*}}, %{{.*}} {axis = 3 : i64}
// CHECK-NOT: whittle.transpose
// CHECK: whittle.conv {{.*}}channels_last
func.func @spp(%x: tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32> {
  %w = whittle.constant dense<1.0> : tensor<16x16x1x1xf32>
  %w3 = whittle.constant dense<1.0> : tensor<16x48x1x1xf32>
  %c = whittle.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x8x8xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x8x8xf32>
  %p5 = whittle.pool max %c {kernel = array<i64: 5, 5>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 2, 2, 2, 2>} : tensor<1x16x8x8xf32> -> tensor<1x16x8x8xf32>
  %p9 = whittle.pool max %c {kernel = array<i64: 9, 9>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 4, 4, 4, 4>} : tensor<1x16x8x8xf32> -> tensor<1x16x8x8xf32>
  %cat = whittle.concat %c, %p5, %p9 {axis = 1 : i64} : (tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>) -> tensor<1x48x8x8xf32>
  %y = whittle.conv %cat, %w3 {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x48x8x8xf32>, tensor<16x48x1x1xf32>) -> tensor<1x16x8x8xf32>
  return %y : tensor<1x16x8x8xf32>
}

// -----

// An upsampling resize follows a single-use transpose, its scales moved
// with the dims; one whose input transpose has another user stays.
// CHECK-LABEL: func.func @resize
// CHECK: %[[X:.*]] = whittle.conv {{.*}}channels_last
// CHECK: whittle.resize nearest %[[X]] {{.*}}scales = array<f32: 1.000000e+00, 2.000000e+00, 3.000000e+00, 1.000000e+00>{{.*}} : tensor<1x8x8x16xf32> -> tensor<1x16x24x16xf32>
// CHECK-LABEL: func.func @resize_shared
// CHECK: %[[T:.*]] = whittle.transpose {{.*}}perm = array<i64: 0, 3, 1, 2>
// CHECK: whittle.resize nearest %[[T]] {{.*}} : tensor<1x16x8x8xf32> -> tensor<1x16x16x16xf32>
func.func @resize(%x: tensor<1x16x8x8xf32>) -> tensor<1x16x16x24xf32> {
  %w = whittle.constant dense<1.0> : tensor<16x16x1x1xf32>
  %c = whittle.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x8x8xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x8x8xf32>
  %r = whittle.resize nearest %c {coordinate_mode = "asymmetric", nearest_mode = "floor", scales = array<f32: 1.0, 1.0, 2.0, 3.0>} : tensor<1x16x8x8xf32> -> tensor<1x16x16x24xf32>
  return %r : tensor<1x16x16x24xf32>
}
func.func @resize_shared(%x: tensor<1x16x8x8xf32>) -> (tensor<1x16x16x16xf32>, tensor<1x16x8x8xf32>) {
  %w = whittle.constant dense<1.0> : tensor<16x16x1x1xf32>
  %c = whittle.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x8x8xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x8x8xf32>
  %r = whittle.resize nearest %c {coordinate_mode = "asymmetric", nearest_mode = "floor", scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : tensor<1x16x8x8xf32> -> tensor<1x16x16x16xf32>
  return %r, %c : tensor<1x16x16x16xf32>, tensor<1x16x8x8xf32>
}

// -----

// A squeeze-and-excitation block: x (channels-last) feeds the squeeze
// (a keep-dims mean), the scale x * s and the sum x + x * s. The mean
// takes the transpose though it has other users (its result is small);
// the mul and the add take it because their other operand is transposed
// the same way; only the squeezed 1 x 1 tensors and nothing of the
// 8 x 8 maps are transposed.
// CHECK-LABEL: func.func @squeeze_excite
// CHECK: %[[X:.*]] = whittle.conv {{.*}}channels_last{{.*}} -> tensor<1x8x8x16xf32>
// CHECK: whittle.reduce mean %[[X]] {axes = array<i64: 1, 2>, keep_dims}
// CHECK-NOT: -> tensor<1x16x8x8xf32>
// CHECK: %[[M:.*]] = whittle.binary mul %[[X]], %{{.*}} : (tensor<1x8x8x16xf32>, tensor<1x1x1x16xf32>)
// CHECK: whittle.binary add %[[X]], %[[M]] : (tensor<1x8x8x16xf32>, tensor<1x8x8x16xf32>)
// CHECK-NOT: -> tensor<1x16x8x8xf32>
// CHECK: whittle.conv {{.*}}channels_last
func.func @squeeze_excite(%x: tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32> {
  %w = whittle.constant dense<1.0> : tensor<16x16x1x1xf32>
  %ws = whittle.constant dense<1.0> : tensor<16x16x1x1xf32>
  %c = whittle.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x8x8xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x8x8xf32>
  %m = whittle.reduce mean %c {axes = array<i64: 2, 3>, keep_dims} : tensor<1x16x8x8xf32> -> tensor<1x16x1x1xf32>
  %s = whittle.conv %m, %ws {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, epilogue = #whittle.epilogue<sigmoid>} : (tensor<1x16x1x1xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x1x1xf32>
  %p = whittle.binary mul %c, %s : (tensor<1x16x8x8xf32>, tensor<1x16x1x1xf32>) -> tensor<1x16x8x8xf32>
  %a = whittle.binary add %c, %p : (tensor<1x16x8x8xf32>, tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>
  %y = whittle.conv %a, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x16x8x8xf32>, tensor<16x16x1x1xf32>) -> tensor<1x16x8x8xf32>
  return %y : tensor<1x16x8x8xf32>
}

// -----

// Transposes sink through casts: a quantized model's conv output stored as
// i8 and read back as f32 by the next conv stays channels-last, the pair
// of transposes between the convs cancelled.
// CHECK-LABEL: func.func @casts
// CHECK: whittle.transpose %arg0
// CHECK: %[[C1:.*]] = whittle.conv {{.*}}channels_last
// CHECK: %[[Q:.*]] = whittle.cast %[[C1]] : tensor<1x4x4x8xf32> -> tensor<1x4x4x8xi8>
// CHECK: %[[F:.*]] = whittle.cast %[[Q]] : tensor<1x4x4x8xi8> -> tensor<1x4x4x8xf32>
// CHECK: whittle.conv %[[F]], {{.*}}channels_last
// CHECK: whittle.transpose
// CHECK-NOT: whittle.transpose
func.func @casts(%x: tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
  %w = whittle.constant dense<0.5> : tensor<8x8x1x1xf32>
  %c1 = whittle.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  %q = whittle.cast %c1 : tensor<1x8x4x4xf32> -> tensor<1x8x4x4xi8>
  %f = whittle.cast %q : tensor<1x8x4x4xi8> -> tensor<1x8x4x4xf32>
  %c2 = whittle.conv %f, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x4x4xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x4x4xf32>
  return %c2 : tensor<1x8x4x4xf32>
}

// -----

// A small computed operand of the same size as the result is not
// transposed to meet a sunk transpose (it would then carry a transpose
// back the other way, forever): the pass ends, one transpose before the
// add.
// CHECK-LABEL: func.func @small_same_size
// CHECK: whittle.conv {{.*}}channels_last
// CHECK: %[[T:.*]] = whittle.transpose
// CHECK: whittle.binary add %[[T]], %{{.*}} : (tensor<1x8x3x3xf32>, tensor<1x8x3x3xf32>)
func.func @small_same_size(%x: tensor<1x8x3x3xf32>, %y: tensor<1x8x3x3xf32>) -> tensor<1x8x3x3xf32> {
  %w = whittle.constant dense<0.5> : tensor<8x8x1x1xf32>
  %c = whittle.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x8x3x3xf32>, tensor<8x8x1x1xf32>) -> tensor<1x8x3x3xf32>
  %e = whittle.unary exp %y : tensor<1x8x3x3xf32> -> tensor<1x8x3x3xf32>
  %s = whittle.binary add %c, %e : (tensor<1x8x3x3xf32>, tensor<1x8x3x3xf32>) -> tensor<1x8x3x3xf32>
  return %s : tensor<1x8x3x3xf32>
}
