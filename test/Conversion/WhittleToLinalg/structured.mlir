// RUN: whittle-opt %s -split-input-file -convert-whittle-to-linalg | FileCheck %s

// A grouped conv is one linalg.generic over n, g, m/g, oh, c/g, kh, kw, ow:
// the reductions sit outside the last output dim, so the innermost loop
// walks a contiguous output row. Strides and dilations live in the input
// map; the bias initializes the accumulator; the body is one fma.
// CHECK-DAG: #[[X:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d4, d3 * 2 + d5, d7 * 2 + d6)>
// CHECK-DAG: #[[W:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d4, d5, d6)>
// CHECK-LABEL: func.func @conv
// CHECK: tensor.expand_shape %arg0 {{.*}} into tensor<1x2x2x8x8xf32>
// CHECK: tensor.pad {{.*}} low[0, 0, 0, 1, 1] high[0, 0, 0, 1, 1]
// CHECK: } : tensor<1x2x2x8x8xf32> to tensor<1x2x2x10x10xf32>
// CHECK: tensor.expand_shape %arg1 {{.*}} into tensor<2x4x2x3x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]}
// CHECK: math.fma
// CHECK: tensor.collapse_shape {{.*}} into tensor<1x8x4x4xf32>
// CHECK-NOT: whittle.conv
func.func @conv(%x: tensor<1x4x8x8xf32>, %w: tensor<8x2x3x3xf32>, %b: tensor<8xf32>) -> tensor<1x8x4x4xf32> {
  %y = whittle.conv %x, %w bias %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, groups = 2} : (tensor<1x4x8x8xf32>, tensor<8x2x3x3xf32>, tensor<8xf32>) -> tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}

// -----

// Loops m, k, n: n innermost reads rhs and output rows contiguously, so a
// transposed rhs is transposed once first.
// CHECK-LABEL: func.func @gemm_transposed
// CHECK: %[[T:.+]] = linalg.transpose ins(%arg1 : tensor<10x16xf32>) outs(%{{.*}} : tensor<16x10xf32>) permutation = [1, 0]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]} ins(%arg0, %[[T]] : tensor<2x16xf32>, tensor<16x10xf32>)
// CHECK: math.fma
// CHECK: arith.maximumf
func.func @gemm_transposed(%a: tensor<2x16xf32>, %b: tensor<10x16xf32>) -> tensor<2x10xf32> {
  %y = whittle.matmul %a, %b {transpose_rhs, epilogue = #whittle.epilogue<relu>} : (tensor<2x16xf32>, tensor<10x16xf32>) -> tensor<2x10xf32>
  return %y : tensor<2x10xf32>
}

// -----

// CHECK-LABEL: func.func @maxpool
// ceil_mode: the high side is padded with -inf so the last window fits.
// CHECK: %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: tensor.pad %arg0 low[0, 0, 0, 0] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[NEGINF]]
// CHECK: linalg.generic
// CHECK: arith.maximumf
func.func @maxpool(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32> {
  %y = whittle.pool max %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, ceil_mode} : tensor<1x2x5x5xf32> -> tensor<1x2x3x3xf32>
  return %y : tensor<1x2x3x3xf32>
}

// -----

// A grouped conv over dynamic input channels stays for the driver to
// report (splitting them into groups needs their count; ungrouped ones and
// dynamic batch and space lower: dynamic-shapes.mlir).
// CHECK-LABEL: func.func @dynamic_channels
// CHECK: whittle.conv
func.func @dynamic_channels(%x: tensor<1x?x4x4xf32>, %w: tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32> {
  %y = whittle.conv %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, groups = 2 : i64} : (tensor<1x?x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// ArgMax carries the best value and its index through one reduction.
// CHECK-LABEL: func.func @argmax
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: linalg.index 1
// CHECK: arith.cmpf ogt
// CHECK-COUNT-2: arith.select
func.func @argmax(%x: tensor<3x5xf32>) -> tensor<3xi64> {
  %y = whittle.arg_reduce max %x {axis = 1 : i64} : tensor<3x5xf32> -> tensor<3xi64>
  return %y : tensor<3xi64>
}

// -----

// Average pooling with padding that does not count: the divisor is a
// window count over a padded tensor of ones.
// CHECK-LABEL: func.func @avgpool_pads
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: tensor.pad
// CHECK: linalg.generic
// CHECK: arith.divf
func.func @avgpool_pads(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %y = whittle.pool avg %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>} : tensor<1x1x4x4xf32> -> tensor<1x1x4x4xf32>
  return %y : tensor<1x1x4x4xf32>
}

// -----

// Run-time indices: their min and max in one reduction, checked against
// the axis (the run ends naming the op), then each index wrapped and
// clamped into the axis, so no index reads outside the tensor.
// CHECK-LABEL: func.func @gather
// CHECK: %[[MM:.*]]:2 = linalg.generic {{.*}} iterator_types = ["reduction"]{{.*}} ins(%arg1 : tensor<3xi64>)
// CHECK: arith.minsi
// CHECK: arith.maxsi
// CHECK: %[[LO:.*]] = tensor.extract %[[MM]]#0[]
// CHECK: %[[HI:.*]] = tensor.extract %[[MM]]#1[]
// CHECK: call @whittle_rt_check_index(%[[LO]], %[[HI]], %{{.*}}, %{{.*}}) : (i64, i64, i64, i64) -> ()
// CHECK: linalg.generic
// CHECK: arith.index_cast
// CHECK: arith.select
// CHECK: arith.minsi
// CHECK: arith.maxsi
// CHECK: tensor.extract %arg0
func.func @gather(%t: tensor<10x4xf32>, %i: tensor<3xi64>) -> tensor<3x4xf32> {
  %y = whittle.gather %t[%i] {axis = 0 : i64} : (tensor<10x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

// Constant indices in range need no run-time check.
// CHECK-LABEL: func.func @gather_constant_indices
// CHECK-NOT: whittle_rt_check_index
// CHECK: return
func.func @gather_constant_indices(%t: tensor<10x4xf32>) -> tensor<2x4xf32> {
  %i = whittle.constant dense<[9, -10]> : tensor<2xi64>
  %y = whittle.gather %t[%i] {axis = 0 : i64} : (tensor<10x4xf32>, tensor<2xi64>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Run-time axes: a reduced flag per dim from the axes values, then one
// visit per input element combining into a 1-D accumulator.
// CHECK-LABEL: func.func @dynamic_reduce
// CHECK: tensor.extract %arg1
// CHECK: arith.cmpi eq
// CHECK: linalg.fill
// CHECK: scf.for
// CHECK: scf.for
// CHECK: arith.addf
// CHECK: tensor.insert
// CHECK: tensor.reshape
func.func @dynamic_reduce(%x: tensor<3x4xf32>, %a: tensor<1xi64>) -> tensor<3x1xf32> {
  %y = whittle.dynamic_reduce sum %x axes %a {keep_dims} : (tensor<3x4xf32>, tensor<1xi64>) -> tensor<3x1xf32>
  return %y : tensor<3x1xf32>
}

// -----

// Einsum: result letters are parallel loops, the rest reductions; a repeated
// letter reads the diagonal.
// CHECK-DAG: #[[A:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[B:.+]] = affine_map<(d0, d1, d2) -> (d0, d2, d2)>
// CHECK-LABEL: func.func @einsum
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], {{.*}}], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @einsum(%a: tensor<2x3x4xf32>, %b: tensor<2x4x4xf32>) -> tensor<2x3xf32> {
  %y = whittle.einsum "bij,bjj->bi" %a, %b : (tensor<2x3x4xf32>, tensor<2x4x4xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// A run-time axis picks one static-axis loop nest per dim.
// CHECK-LABEL: func.func @cumsum_runtime_axis
// CHECK: tensor.extract %arg1
// CHECK: scf.index_switch
// CHECK: case 0 {
// CHECK: scf.for
// CHECK: case 1 {
// CHECK: scf.for
// CHECK: default {
func.func @cumsum_runtime_axis(%x: tensor<2x3xf32>, %a: tensor<i32>) -> tensor<2x3xf32> {
  %y = whittle.cumsum %x axis %a : tensor<i32> {exclusive} : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Value and flat index reduce together over the window; the index is the
// position in the unpadded input. Loops n c oh | kh kw | ow: the output
// row innermost.
// CHECK-LABEL: func.func @max_pool_indices
// CHECK: tensor.pad
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]{{.*}} outs(%{{.*}}, %{{.*}} : tensor<1x1x3x3xf32>, tensor<1x1x3x3xi64>)
// CHECK: arith.subi
// CHECK: arith.cmpf ogt
// CHECK-NOT: whittle.max_pool_indices
func.func @max_pool_indices(%x: tensor<1x1x5x5xf32>) -> (tensor<1x1x3x3xf32>, tensor<1x1x3x3xi64>) {
  %y, %i = whittle.max_pool_indices %x {dilations = array<i64: 1, 1>, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : tensor<1x1x5x5xf32> -> tensor<1x1x3x3xf32>, tensor<1x1x3x3xi64>
  return %y, %i : tensor<1x1x3x3xf32>, tensor<1x1x3x3xi64>
}

// -----

// A dynamic max_pool_indices stays.
// CHECK-LABEL: func.func @max_pool_indices_dynamic
// CHECK: whittle.max_pool_indices
func.func @max_pool_indices_dynamic(%x: tensor<?x1x4x4xf32>) -> (tensor<?x1x2x2xf32>, tensor<?x1x2x2xi64>) {
  %y, %i = whittle.max_pool_indices %x {dilations = array<i64: 1, 1>, kernel = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : tensor<?x1x4x4xf32> -> tensor<?x1x2x2xf32>, tensor<?x1x2x2xi64>
  return %y, %i : tensor<?x1x2x2xf32>, tensor<?x1x2x2xi64>
}

// -----

// Attention lowers as its parts: the scale on the query, the scores one
// contraction reading the key in place, the mask add, the softmax's
// max / exp-sum / divide, and a second contraction.
// CHECK-LABEL: func.func @attention
// CHECK: arith.mulf
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "parallel"]
// CHECK: math.fma
// CHECK: arith.addf
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "parallel"]
// CHECK: math.fma
func.func @attention(%q: tensor<2x4x8xf32>, %k: tensor<2x8x6xf32>, %v: tensor<2x6x8xf32>, %m: tensor<6xf32>) -> tensor<2x4x8xf32> {
  %o = whittle.attention %q, %k, %v mask %m {scale = 0.125 : f32, key_transposed} : (tensor<2x4x8xf32>, tensor<2x8x6xf32>, tensor<2x6x8xf32>, tensor<6xf32>) -> tensor<2x4x8xf32>
  return %o : tensor<2x4x8xf32>
}

// -----

// A channels-last conv: loops n oh ow | kh kw cg | g mg, the output
// channels innermost (filter and output read contiguously, the input
// broadcast); padding on the spatial dims 1 and 2.
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1 + d3, d2 + d4, d6, d5)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d3, d4, d5, d6, d7)>
// CHECK-DAG: #[[O:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d6, d7)>
// CHECK-LABEL: func.func @conv_channels_last
// CHECK: tensor.pad %{{.*}} low[0, 1, 1, 0, 0] high[0, 1, 1, 0, 0]
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[O]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel", "parallel"]}
// CHECK: math.fma
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1], [2], [3, 4]] : tensor<1x4x4x1x8xf32> into tensor<1x4x4x8xf32>
func.func @conv_channels_last(%x: tensor<1x4x4x3xf32>, %w: tensor<3x3x3x8xf32>) -> tensor<1x4x4x8xf32> {
  %y = whittle.conv %x, %w {channels_last, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x4x3xf32>, tensor<3x3x3x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// Depthwise channels-last: the groups (one channel each) innermost.
// CHECK-LABEL: func.func @depthwise_channels_last
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel", "parallel"]}
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<1x6x6x8x1xf32>, tensor<3x3x1x8x1xf32>)
func.func @depthwise_channels_last(%x: tensor<1x4x4x8xf32>, %w: tensor<3x3x1x8xf32>) -> tensor<1x4x4x8xf32> {
  %y = whittle.conv %x, %w {channels_last, groups = 8 : i64, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x4x8xf32>, tensor<3x3x1x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// Constant f32 weights with whole 16-column panels are packed at compile
// time (N = 32: two panels of K x 16, transposed there for transpose_rhs)
// and read by a generic over batch.. m nb k nr marked for
// whittle-lower-microkernels. The bias, split per panel (NB x 16), is the
// sum's start at the first reduction step, spelled out in the body.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2)>
// CHECK-DAG: #[[P:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
// CHECK-DAG: #[[BV:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-LABEL: func.func @gemm_packed
// CHECK-NOT: linalg.transpose
// CHECK: %[[W:.+]] = arith.constant {{.*}} : tensor<2x8x16xf32>
// CHECK: %[[BIAS:.+]] = tensor.expand_shape %arg1 {{\[\[}}0, 1]] output_shape [2, 16] : tensor<32xf32> into tensor<2x16xf32>
// CHECK: %[[E:.+]] = tensor.empty() : tensor<4x2x16xf32>
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[P]], #[[BV]], #[[C]]], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%arg0, %[[W]], %[[BIAS]] : tensor<4x8xf32>, tensor<2x8x16xf32>, tensor<2x16xf32>) outs(%[[E]] : tensor<4x2x16xf32>)
// CHECK-SAME: whittle.packed_contraction
// CHECK: ^bb0(%[[X:.+]]: f32, %[[WV:.+]]: f32, %[[B:.+]]: f32, %[[OUT:.+]]: f32):
// CHECK: %[[K:.+]] = linalg.index 2
// CHECK: %[[FIRST:.+]] = arith.cmpi eq, %[[K]], %c0
// CHECK: %[[START:.+]] = arith.select %[[FIRST]], %[[B]], %[[OUT]]
// CHECK: %[[SUM:.+]] = math.fma %[[X]], %[[WV]], %[[START]]
// CHECK: linalg.yield %[[SUM]]
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2]] : tensor<4x2x16xf32> into tensor<4x32xf32>
func.func @gemm_packed(%a: tensor<4x8xf32>, %bias: tensor<32xf32>) -> tensor<4x32xf32> {
  %w = whittle.constant dense<0.5> : tensor<32x8xf32>
  %y = whittle.matmul %a, %w bias %bias {transpose_rhs} : (tensor<4x8xf32>, tensor<32x8xf32>, tensor<32xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

// Fewer than 8 columns (N = 6; half a panel or more is packed, padded)
// keep the plain m k n generic. A
// run-time rhs with whole panels (N = 32) is read in place as K x NB x 16
// (an expand_shape view), loops m nb k nr.
// CHECK-DAG: #[[RV:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d1, d3)>
// CHECK-LABEL: func.func @gemm_not_packed
// CHECK-NOT: whittle.packed_contraction
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK: %[[V:.*]] = tensor.expand_shape %arg1 {{\[\[}}0], [1, 2]] output_shape [8, 2, 16] : tensor<8x32xf32> into tensor<8x2x16xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[RV]], #{{.*}}], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%arg0, %[[V]] : tensor<4x8xf32>, tensor<8x2x16xf32>)
// CHECK-SAME: whittle.packed_contraction
func.func @gemm_not_packed(%a: tensor<4x8xf32>, %b: tensor<8x32xf32>) -> (tensor<4x6xf32>, tensor<4x32xf32>) {
  %w = whittle.constant dense<0.5> : tensor<8x6xf32>
  %y = whittle.matmul %a, %w : (tensor<4x8xf32>, tensor<8x6xf32>) -> tensor<4x6xf32>
  %z = whittle.matmul %a, %b : (tensor<4x8xf32>, tensor<8x32xf32>) -> tensor<4x32xf32>
  return %y, %z : tensor<4x6xf32>, tensor<4x32xf32>
}

// -----

// An ungrouped channels-last conv with a constant filter is an implicit
// GEMM over packed filter panels: loops n oh ow nb | kh kw c | nr, the
// filter HWIO 3x3x3x32 packed as 2 x 3x3x3 x 16, the bias split per panel.
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1 + d4, d2 + d5, d6)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d3, d4, d5, d6, d7)>
// CHECK-DAG: #[[O:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d7)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d3, d7)>
// CHECK-LABEL: func.func @conv_channels_last_packed
// CHECK: arith.constant {{.*}} : tensor<2x3x3x3x16xf32>
// CHECK: tensor.pad %{{.*}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: tensor.expand_shape %arg1 {{\[\[}}0, 1]] output_shape [2, 16] : tensor<32xf32> into tensor<2x16xf32>
// CHECK-NOT: linalg.generic
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[B]], #[[O]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]}
// CHECK-SAME: whittle.packed_contraction
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1], [2], [3, 4]] : tensor<1x4x4x2x16xf32> into tensor<1x4x4x32xf32>
func.func @conv_channels_last_packed(%x: tensor<1x4x4x3xf32>, %bias: tensor<32xf32>) -> tensor<1x4x4x32xf32> {
  %w = whittle.constant dense<0.25> : tensor<3x3x3x32xf32>
  %y = whittle.conv %x, %w bias %bias {channels_last, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x4x3xf32>, tensor<3x3x3x32xf32>, tensor<32xf32>) -> tensor<1x4x4x32xf32>
  return %y : tensor<1x4x4x32xf32>
}

// -----

// Its input the channels-last transpose of a 3-channel image: the packed
// contraction reads the N x C x H x W image in place (channel second,
// padding on dims 2 and 3); the transpose is not lowered for it.
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d6, d1 + d4, d2 + d5)>
// CHECK-LABEL: func.func @conv_channels_first_input
// CHECK-NOT: linalg.transpose
// CHECK: tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {indexing_maps = [#[[X]], #{{.*}}, #{{.*}}, #{{.*}}]
// CHECK-SAME: whittle.packed_contraction
func.func @conv_channels_first_input(%x: tensor<1x3x4x4xf32>, %bias: tensor<32xf32>) -> tensor<1x4x4x32xf32> {
  %w = whittle.constant dense<0.25> : tensor<3x3x3x32xf32>
  %t = whittle.transpose %x {perm = array<i64: 0, 2, 3, 1>} : tensor<1x3x4x4xf32> -> tensor<1x4x4x3xf32>
  %y = whittle.conv %t, %w bias %bias {channels_last, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x4x3xf32>, tensor<3x3x3x32xf32>, tensor<32xf32>) -> tensor<1x4x4x32xf32>
  return %y : tensor<1x4x4x32xf32>
}

// -----

// With more than 16 channels the transposed (channels-last) input is read:
// its channels stay contiguous for the kernel.
// CHECK-LABEL: func.func @conv_wide_input_transposed
// CHECK: linalg.transpose
// CHECK: tensor.pad %{{.*}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: whittle.packed_contraction
func.func @conv_wide_input_transposed(%x: tensor<1x32x4x4xf32>) -> tensor<1x4x4x16xf32> {
  %w = whittle.constant dense<0.25> : tensor<3x3x32x16xf32>
  %t = whittle.transpose %x {perm = array<i64: 0, 2, 3, 1>} : tensor<1x32x4x4xf32> -> tensor<1x4x4x32xf32>
  %y = whittle.conv %t, %w {channels_last, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x4x32xf32>, tensor<3x3x32x16xf32>) -> tensor<1x4x4x16xf32>
  return %y : tensor<1x4x4x16xf32>
}

// -----

// A depthwise f32 conv over whole 16-channel panels: the filter K x K x 1 x M
// packed as NB x K x K x 1 x 16, the input read at channel nb * 16 + nr
// (a vector per panel in the kernel); loops n oh ow nb | kh kw | nr.
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1 * 2 + d4, d2 * 2 + d5, d3 * 16 + d6)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d3, d4, d5, 0, d6)>
// CHECK-DAG: #[[O:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3, d6)>
// CHECK-LABEL: func.func @depthwise_packed
// CHECK: arith.constant {{.*}} : tensor<2x3x3x1x16xf32>
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[O]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]}
// CHECK-SAME: whittle.packed_contraction
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1], [2], [3, 4]] : tensor<1x4x4x2x16xf32> into tensor<1x4x4x32xf32>
func.func @depthwise_packed(%x: tensor<1x8x8x32xf32>) -> tensor<1x4x4x32xf32> {
  %w = whittle.constant dense<0.25> : tensor<3x3x1x32xf32>
  %y = whittle.conv %x, %w {channels_last, groups = 32 : i64, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x8x8x32xf32>, tensor<3x3x1x32xf32>) -> tensor<1x4x4x32xf32>
  return %y : tensor<1x4x4x32xf32>
}

// -----

// 20 columns: two panels, the second padded with 12 zero columns (in the
// packed weights and the bias); the result drops them.
// CHECK-LABEL: func.func @gemm_partial_panel
// CHECK: arith.constant {{.*}} : tensor<2x8x16xf32>
// CHECK: tensor.pad %{{.*}} low[0] high[12]
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [2, 16] : tensor<32xf32> into tensor<2x16xf32>
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<4x2x16xf32>) attrs = {whittle.packed_contraction}
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2]] : tensor<4x2x16xf32> into tensor<4x32xf32>
// CHECK: tensor.extract_slice %{{.*}}[0, 0] [4, 20] [1, 1] : tensor<4x32xf32> to tensor<4x20xf32>
func.func @gemm_partial_panel(%a: tensor<4x8xf32>, %bias: tensor<20xf32>) -> tensor<4x20xf32> {
  %w = whittle.constant dense<0.5> : tensor<8x20xf32>
  %y = whittle.matmul %a, %w bias %bias : (tensor<4x8xf32>, tensor<8x20xf32>, tensor<20xf32>) -> tensor<4x20xf32>
  return %y : tensor<4x20xf32>
}

// -----

// Depthwise over 24 channels: the input is padded to two whole panels (32
// channels, with the spatial padding in the same copy) so every panel reads
// whole vectors; the 8 padded output channels are sliced off.
// CHECK-LABEL: func.func @depthwise_partial_panel
// CHECK: tensor.pad %arg0 low[0, 1, 1, 0] high[0, 1, 1, 8]
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x6x6x32xf32>, tensor<2x3x3x1x16xf32>) outs(%{{.*}} : tensor<1x4x4x2x16xf32>) attrs = {whittle.packed_contraction}
// CHECK: tensor.extract_slice %{{.*}}[0, 0, 0, 0] [1, 4, 4, 24] [1, 1, 1, 1] : tensor<1x4x4x32xf32> to tensor<1x4x4x24xf32>
func.func @depthwise_partial_panel(%x: tensor<1x4x4x24xf32>) -> tensor<1x4x4x24xf32> {
  %w = whittle.constant dense<0.25> : tensor<3x3x1x24xf32>
  %y = whittle.conv %x, %w {channels_last, groups = 24 : i64, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x4x24xf32>, tensor<3x3x1x24xf32>) -> tensor<1x4x4x24xf32>
  return %y : tensor<1x4x4x24xf32>
}

// -----

// Channels-last pooling: loops n, oh, ow, kh, kw, c; the channels are the
// innermost loop, read and written contiguously.
// CHECK-DAG: #[[CLIN:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 * 2 + d3, d2 * 2 + d4, d5)>
// CHECK-DAG: #[[CLOUT:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d5)>
// CHECK-LABEL: func.func @maxpool_channels_last
// CHECK: tensor.pad %arg0 low[0, 0, 0, 0] high[0, 1, 1, 0]
// CHECK: linalg.generic {indexing_maps = [#[[CLIN]], #{{.+}}, #[[CLOUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]}
// CHECK-SAME: outs(%{{.+}} : tensor<1x3x3x32xf32>)
func.func @maxpool_channels_last(%x: tensor<1x5x5x32xf32>) -> tensor<1x3x3x32xf32> {
  %y = whittle.pool max %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, ceil_mode, channels_last} : tensor<1x5x5x32xf32> -> tensor<1x3x3x32xf32>
  return %y : tensor<1x3x3x32xf32>
}

// -----

// A 5x5 max window pools the rows, then the columns (5 + 5 reads per
// output, not 25). A 3x3 one stays whole.
// CHECK-LABEL: func.func @maxpool_separable
// CHECK: tensor.pad %arg0 low[0, 2, 0, 0] high[0, 2, 0, 0]
// CHECK: tensor.empty() : tensor<5x1xf32>
// CHECK: %[[ROWS:.+]] = linalg.generic
// CHECK: tensor.pad %[[ROWS]] low[0, 0, 2, 0] high[0, 0, 2, 0]
// CHECK: tensor.empty() : tensor<1x5xf32>
// CHECK: linalg.generic
// CHECK-LABEL: func.func @maxpool_whole
// CHECK: tensor.empty() : tensor<3x3xf32>
// CHECK-NOT: tensor.pad
func.func @maxpool_separable(%x: tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32> {
  %y = whittle.pool max %x {kernel = array<i64: 5, 5>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 2, 2, 2, 2>, channels_last} : tensor<1x8x8x32xf32> -> tensor<1x8x8x32xf32>
  return %y : tensor<1x8x8x32xf32>
}
func.func @maxpool_whole(%x: tensor<1x32x8x8xf32>) -> tensor<1x32x6x6xf32> {
  %y = whittle.pool max %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x32x8x8xf32> -> tensor<1x32x6x6xf32>
  return %y : tensor<1x32x6x6xf32>
}

// -----

// Channels-last average pooling with uncounted padding: the window counts
// are N x H x W x 1.
// CHECK-LABEL: func.func @avgpool_channels_last
// CHECK: arith.addf
// CHECK: tensor.pad {{.*}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: -> tensor<1x4x4x1xf32>
// CHECK: arith.divf
func.func @avgpool_channels_last(%x: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %y = whittle.pool avg %x {kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, channels_last} : tensor<1x4x4x8xf32> -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}

// -----

// The residual add and the activation run on the finished sums, at the
// last reduction step: a depthwise conv with no bias starts from zero and
// ends with relu(sum + residual), the residual read as N x H x W x NB x 16
// like the sum.
// CHECK-LABEL: func.func @depthwise_epilogue
// CHECK: %[[R:.+]] = tensor.expand_shape %arg1 {{\[\[}}0], [1], [2], [3, 4]] output_shape [1, 4, 4, 2, 16]
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %[[R]] : {{.*}}) outs(%{{.*}} : tensor<1x4x4x2x16xf32>) attrs = {whittle.packed_contraction}
// CHECK: ^bb0(%{{.+}}: f32, %{{.+}}: f32, %[[RV:.+]]: f32, %[[OUT:.+]]: f32):
// CHECK: %[[START:.+]] = arith.select %{{.+}}, %{{.+}}, %[[OUT]]
// CHECK: %[[SUM:.+]] = math.fma %{{.+}}, %{{.+}}, %[[START]]
// CHECK: %[[ADD:.+]] = arith.addf %[[SUM]], %[[RV]]
// CHECK: %[[RELU:.+]] = arith.maximumf %[[ADD]]
// CHECK: linalg.index 4
// CHECK: linalg.index 5
// CHECK: %[[LAST:.+]] = arith.andi
// CHECK: %[[Y:.+]] = arith.select %[[LAST]], %[[RELU]], %[[SUM]]
// CHECK: linalg.yield %[[Y]]
// Columns that are not whole panels: the residual and activation stay a
// loop nest after the contraction.
// CHECK-LABEL: func.func @gemm_epilogue_partial_panel
// CHECK: linalg.generic {{.*}} attrs = {whittle.packed_contraction}
// CHECK-NOT: arith.addf
// CHECK: linalg.yield
// CHECK: tensor.extract_slice
// CHECK: linalg.generic
// CHECK: arith.addf
// CHECK: arith.maximumf
func.func @depthwise_epilogue(%x: tensor<1x4x4x32xf32>, %r: tensor<1x4x4x32xf32>) -> tensor<1x4x4x32xf32> {
  %w = whittle.constant dense<0.25> : tensor<3x3x1x32xf32>
  %y = whittle.conv %x, %w residual %r {channels_last, groups = 32 : i64, dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, epilogue = #whittle.epilogue<relu>} : (tensor<1x4x4x32xf32>, tensor<3x3x1x32xf32>, tensor<1x4x4x32xf32>) -> tensor<1x4x4x32xf32>
  return %y : tensor<1x4x4x32xf32>
}
func.func @gemm_epilogue_partial_panel(%a: tensor<4x8xf32>, %r: tensor<4x20xf32>) -> tensor<4x20xf32> {
  %w = whittle.constant dense<0.5> : tensor<8x20xf32>
  %y = whittle.matmul %a, %w residual %r {epilogue = #whittle.epilogue<relu>} : (tensor<4x8xf32>, tensor<8x20xf32>, tensor<4x20xf32>) -> tensor<4x20xf32>
  return %y : tensor<4x20xf32>
}

// -----

// Rows of 128 f32: softmax's max and sum, and layer norm's two sums, fold
// into 16 lane partials first (the lanes the innermost parallel loop, so
// one vector op per 16 elements), then the partials into the row's value.
// Rows of 8 reduce directly.
// CHECK-LABEL: func.func @split_reductions
// CHECK: tensor.expand_shape %arg0 {{\[\[}}0], [1, 2]] output_shape [4, 8, 16]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]{{.*}} outs(%{{.*}} : tensor<4x16xf32>)
// CHECK: arith.maximumf
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%{{.*}} : tensor<4x16xf32>)
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: arith.addf
// CHECK: arith.divf
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: arith.mulf
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: math.rsqrt
// CHECK-LABEL: func.func @short_rows
// CHECK-NOT: tensor.expand_shape
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
func.func @split_reductions(%x: tensor<4x128xf32>, %g: tensor<128xf32>) -> (tensor<4x128xf32>, tensor<4x128xf32>) {
  %s = whittle.softmax %x {axis = 1 : i64} : tensor<4x128xf32>
  %n = whittle.layer_norm %x, %g {axis = 1 : i64, epsilon = 1.0e-5 : f32} : (tensor<4x128xf32>, tensor<128xf32>) -> tensor<4x128xf32>
  return %s, %n : tensor<4x128xf32>, tensor<4x128xf32>
}
func.func @short_rows(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %s = whittle.softmax %x {axis = 1 : i64} : tensor<4x8xf32>
  return %s : tensor<4x8xf32>
}
