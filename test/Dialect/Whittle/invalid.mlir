// RUN: whittle-opt %s -split-input-file -verify-diagnostics

func.func @conv_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{input has 3 channels but the filter expects 2 x 1 groups = 2}}
  %y = whittle.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_output_size(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error @+1 {{spatial axis 0 of the result should have size 6, has 8}}
  %y = whittle.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %y : tensor<1x4x8x8xf32>
}

// -----

func.func @conv_pads(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{'pads' needs 4 entries, has 2}}
  %y = whittle.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_groups(%x: tensor<1x4x8x8xf32>, %w: tensor<6x1x3x3xf32>) -> tensor<1x6x6x6xf32> {
  // expected-error @+1 {{filter's 6 output channels do not divide into 4 groups}}
  %y = whittle.conv %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, groups = 4} : (tensor<1x4x8x8xf32>, tensor<6x1x3x3xf32>) -> tensor<1x6x6x6xf32>
  return %y : tensor<1x6x6x6xf32>
}

// -----

func.func @matmul_k(%a: tensor<4x8xf32>, %b: tensor<7x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{contraction sizes differ: lhs has 8, rhs has 7}}
  %y = whittle.matmul %a, %b : (tensor<4x8xf32>, tensor<7x5xf32>) -> tensor<4x5xf32>
  return %y : tensor<4x5xf32>
}

// -----

func.func @binary_broadcast(%a: tensor<4x8xf32>, %b: tensor<3xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{operand shapes [4x8] and [3] do not broadcast}}
  %y = whittle.binary add %a, %b : (tensor<4x8xf32>, tensor<3xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

func.func @compare_type(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{result element type 'f32' is wrong for 'lt' on 'f32'}}
  %y = whittle.binary lt %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @unary_param(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'hard_sigmoid' needs 'alpha'}}
  %y = whittle.unary hard_sigmoid %a : tensor<4xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @reshape_count(%a: tensor<4x6xf32>) -> tensor<5x5xf32> {
  // expected-error @+1 {{cannot reshape 24 elements [4x6] into 25 [5x5]}}
  %y = whittle.reshape %a : (tensor<4x6xf32>) -> tensor<5x5xf32>
  return %y : tensor<5x5xf32>
}

// -----

func.func @reshape_dynamic(%a: tensor<?x?xf32>) -> tensor<?x?x2xf32> {
  // expected-error @+1 {{a result with 2 dynamic dimensions needs a 'shape' operand}}
  %y = whittle.reshape %a : (tensor<?x?xf32>) -> tensor<?x?x2xf32>
  return %y : tensor<?x?x2xf32>
}

// -----

func.func @transpose_perm(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{'perm' is not a permutation of [0, 2)}}
  %y = whittle.transpose %a {perm = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

func.func @concat_sum(%a: tensor<2x3xf32>) -> tensor<5x3xf32> {
  // expected-error @+1 {{inputs add up to 4 along axis 0, the result has 5}}
  %y = whittle.concat %a, %a {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<5x3xf32>
  return %y : tensor<5x3xf32>
}

// -----

func.func @split_sizes(%a: tensor<6x3xf32>) -> (tensor<2x3xf32>, tensor<3x3xf32>) {
  // expected-error @+1 {{sizes add up to 5 but axis 0 has 6}}
  %y:2 = whittle.split %a {axis = 0 : i64, sizes = array<i64: 2, 3>} : tensor<6x3xf32> -> tensor<2x3xf32>, tensor<3x3xf32>
  return %y#0, %y#1 : tensor<2x3xf32>, tensor<3x3xf32>
}

// -----

func.func @reduce_axis(%a: tensor<6x3xf32>) -> tensor<6xf32> {
  // expected-error @+1 {{'axes' 2 is out of range for rank 2}}
  %y = whittle.reduce sum %a {axes = array<i64: 2>} : tensor<6x3xf32> -> tensor<6xf32>
  return %y : tensor<6xf32>
}

// -----

func.func @batch_norm_params(%x: tensor<1x8x4x4xf32>, %s: tensor<4xf32>) -> tensor<1x8x4x4xf32> {
  // expected-error @+1 {{parameters must be vectors of the 8 channels, got [4]}}
  %y = whittle.batch_norm %x, %s, %s, %s, %s {epsilon = 1.0e-5 : f32} : (tensor<1x8x4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x8x4x4xf32>
  return %y : tensor<1x8x4x4xf32>
}

// -----

func.func @pool_size(%x: tensor<1x8x16x16xf32>) -> tensor<1x8x7x7xf32> {
  // expected-error @+1 {{spatial axis 0 of the result should have size 8, has 7}}
  %y = whittle.pool max %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : tensor<1x8x16x16xf32> -> tensor<1x8x7x7xf32>
  return %y : tensor<1x8x7x7xf32>
}

// -----

func.func @broadcast_dynamic(%x: tensor<f32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{a dynamic result needs a 'shape' operand}}
  %y = whittle.broadcast %x : (tensor<f32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

func.func @slice_count(%x: tensor<8xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{dimension 0 of the result should have 3 elements, has 4}}
  %y = whittle.slice %x {starts = array<i64: -5>, ends = array<i64: 100>, steps = array<i64: 2>} : tensor<8xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @storage_sign(%x: tensor<4xui8>) -> tensor<4x!quant.uniform<i8:f32, 0.5>> {
  // expected-error @+1 {{storage 'ui8' does not match '!quant.uniform<i8:f32, 5.000000e-01>'}}
  %y = whittle.storage_cast %x : tensor<4xui8> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  return %y : tensor<4x!quant.uniform<i8:f32, 0.5>>
}

// -----

func.func @quantize_expressed(%x: tensor<4xf16>) -> tensor<4x!quant.uniform<i8:f32, 0.5>> {
  // expected-error @+1 {{result expresses 'f32', the input is 'f16'}}
  %y = whittle.quantize %x : tensor<4xf16> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  return %y : tensor<4x!quant.uniform<i8:f32, 0.5>>
}

// -----

func.func @gather_elements_rank(%x: tensor<3x4xf32>, %i: tensor<3xi64>) -> tensor<3xf32> {
  // expected-error @+1 {{indices must have the input's rank 2, have 1}}
  %y = whittle.gather_elements %x[%i] {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3xi64>) -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

func.func @gather_nd_tuple(%x: tensor<3x4xf32>, %i: tensor<2x3xi64>) -> tensor<2xf32> {
  // expected-error @+1 {{index tuples of length 3 do not fit input rank 2 after 0 batch dims}}
  %y = whittle.gather_nd %x[%i] {batch_dims = 0 : i64} : (tensor<3x4xf32>, tensor<2x3xi64>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

func.func @scatter_updates_shape(%x: tensor<3x4xf32>, %i: tensor<2x4xi64>, %u: tensor<2x3xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{updates must have the indices' shape}}
  %y = whittle.scatter_elements none %x[%i], %u {axis = 0 : i64} : (tensor<3x4xf32>, tensor<2x4xi64>, tensor<2x3xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

func.func @scatter_nd_rank(%x: tensor<3x4xf32>, %i: tensor<2x1xi64>, %u: tensor<2xf32>) -> tensor<3x4xf32> {
  // expected-error @+1 {{updates should have rank 2, have 1}}
  %y = whittle.scatter_nd add %x[%i], %u : (tensor<3x4xf32>, tensor<2x1xi64>, tensor<2xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

func.func @storage_view_width(%x: tensor<4xui8>) -> tensor<4xi16> {
  // expected-error @+1 {{casts a sign-typed integer to the signless integer of its width or back, not 'ui8' to 'i16'}}
  %y = whittle.storage_cast %x : tensor<4xui8> -> tensor<4xi16>
  return %y : tensor<4xi16>
}

// -----

func.func @einsum_sizes(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{index 'j' has sizes 3 and 4}}
  %y = whittle.einsum "ij,jk->ik" %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

func.func @top_k_too_many(%x: tensor<3x4xf32>) -> (tensor<3x5xf32>, tensor<3x5xi64>) {
  // expected-error @+1 {{result dim 1 is 5, input has 4}}
  %v, %i = whittle.top_k %x {axis = 1 : i64} : tensor<3x4xf32> -> tensor<3x5xf32>, tensor<3x5xi64>
  return %v, %i : tensor<3x5xf32>, tensor<3x5xi64>
}

// -----

func.func @det_not_square(%x: tensor<3x2x4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{input must end in square matrices}}
  %d = whittle.det %x : tensor<3x2x4xf32> -> tensor<3xf32>
  return %d : tensor<3xf32>
}

// -----

func.func @ngram_columns(%x: tensor<12xi32>) -> tensor<3xf32> {
  // expected-error @+1 {{has 2 columns for 3 pooled n-grams}}
  %y = whittle.ngram_count %x {columns = array<i64: 0, 1>, max_gram = 2 : i64, max_skip = 0 : i64, min_gram = 2 : i64, pool = array<i64: 5, 6, 7, 8, 6, 7>, pool_starts = array<i64: 0, 0>} : tensor<12xi32> -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

func.func @attention_depth(%q: tensor<2x4x8xf32>, %k: tensor<2x6x4xf32>, %v: tensor<2x6x8xf32>) -> tensor<2x4x8xf32> {
  // expected-error @+1 {{query depth 8 differs from the key's 4}}
  %o = whittle.attention %q, %k, %v {scale = 1.0 : f32} : (tensor<2x4x8xf32>, tensor<2x6x4xf32>, tensor<2x6x8xf32>) -> tensor<2x4x8xf32>
  return %o : tensor<2x4x8xf32>
}

// -----

func.func @attention_mask(%q: tensor<2x4x8xf32>, %k: tensor<2x6x8xf32>, %v: tensor<2x6x8xf32>, %m: tensor<5xf32>) -> tensor<2x4x8xf32> {
  // expected-error @+1 {{mask [5] does not broadcast to the scores [2x4x6]}}
  %o = whittle.attention %q, %k, %v mask %m {scale = 1.0 : f32} : (tensor<2x4x8xf32>, tensor<2x6x8xf32>, tensor<2x6x8xf32>, tensor<5xf32>) -> tensor<2x4x8xf32>
  return %o : tensor<2x4x8xf32>
}

// -----

func.func @conv_channels_last_channels(%x: tensor<1x8x8x3xf32>, %w: tensor<3x3x2x4xf32>) -> tensor<1x6x6x4xf32> {
  // expected-error @+1 {{input has 3 channels but the filter expects 2 x 1 groups = 2}}
  %y = whittle.conv %x, %w {channels_last, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<1x8x8x3xf32>, tensor<3x3x2x4xf32>) -> tensor<1x6x6x4xf32>
  return %y : tensor<1x6x6x4xf32>
}
