// RUN: whittle-opt %s -split-input-file -verify-diagnostics -whittle-lower-quantized | FileCheck %s

// A conv whose partial sums stay below 2^24 runs in f32 on centered
// values: the input minus its zero point, the filter and bias as f32
// constants; then acc * (s_x * s_w / s_y), round half to even, + zp_y,
// clamp, back to the raw type.
!qx = !quant.uniform<i8:f32, 0.5:-10>
!qy = !quant.uniform<i8:f32, 0.25:3>
!qw = !quant.uniform<i8:f32, 0.125>
!qb = !quant.uniform<i32:f32, 0.0625>
// CHECK-LABEL: func.func @conv_f32
// CHECK: %[[X:.*]] = whittle.cast %arg0 : tensor<1x2x4x4xi8> -> tensor<1x2x4x4xf32>
// CHECK: %[[ZP:.*]] = whittle.constant dense<-1.000000e+01>
// CHECK: %[[C:.*]] = whittle.binary  sub %[[X]], %[[ZP]]
// CHECK: %[[W:.*]] = whittle.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}-2.000000e+00]]]{{.*}} : tensor<3x2x1x1xf32>
// CHECK: %[[B:.*]] = whittle.constant dense<[7.000000e+00, -8.000000e+00, 9.000000e+00]> : tensor<3xf32>
// CHECK: %[[ACC:.*]] = whittle.conv %[[C]], %[[W]] bias %[[B]] {{.*}} -> tensor<1x3x4x4xf32>
// CHECK: %[[M:.*]] = whittle.constant dense<2.500000e-01> : tensor<1x3x1x1xf32>
// CHECK: %[[S:.*]] = whittle.binary  mul %[[ACC]], %[[M]]
// CHECK: %[[R:.*]] = whittle.unary  round %[[S]]
// CHECK: %[[Z:.*]] = whittle.binary  add %[[R]],
// CHECK: %[[K:.*]] = whittle.unary  clip %[[Z]] {alpha = -1.280000e+02 : f32, beta = 1.270000e+02 : f32}
// CHECK: %[[Y:.*]] = whittle.cast %[[K]] : tensor<1x3x4x4xf32> -> tensor<1x3x4x4xi8>
// CHECK: return %[[Y]]
func.func @conv_f32(%x: tensor<1x2x4x4xi8>) -> tensor<1x3x4x4xi8> {
  %w = whittle.constant dense<[[[[1]], [[-2]]], [[[3]], [[4]]], [[[-5]], [[6]]]]> : tensor<3x2x1x1xi8>
  %b = whittle.constant dense<[7, -8, 9]> : tensor<3xi32>
  %xq = whittle.storage_cast %x : tensor<1x2x4x4xi8> -> tensor<1x2x4x4x!qx>
  %wq = whittle.storage_cast %w : tensor<3x2x1x1xi8> -> tensor<3x2x1x1x!qw>
  %bq = whittle.storage_cast %b : tensor<3xi32> -> tensor<3x!qb>
  %y = whittle.conv %xq, %wq bias %bq {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4x!qx>, tensor<3x2x1x1x!qw>, tensor<3x!qb>) -> tensor<1x3x4x4x!qy>
  %r = whittle.storage_cast %y : tensor<1x3x4x4x!qy> -> tensor<1x3x4x4xi8>
  return %r : tensor<1x3x4x4xi8>
}

// -----

// 600 inputs x 127 x |x - zp| <= 255 can pass 2^24: the conv accumulates
// in i32. Per-channel filter scales give one factor per channel.
!qx = !quant.uniform<i8:f32, 0.5:-128>
!qy = !quant.uniform<i8:f32, 0.25>
!qw = !quant.uniform<i8:f32:0, {0.125, 0.5}>
// CHECK-LABEL: func.func @conv_i32
// CHECK: %[[X:.*]] = whittle.cast %arg0 : tensor<1x600x2x2xi8> -> tensor<1x600x2x2xi32>
// CHECK: whittle.binary  sub %[[X]], {{.*}} : (tensor<1x600x2x2xi32>, tensor<1x1x1x1xi32>)
// CHECK: %[[W:.*]] = whittle.cast {{.*}} : tensor<2x600x1x1xi8> -> tensor<2x600x1x1xi32>
// CHECK: %[[ACC:.*]] = whittle.conv {{.*}}, %[[W]] {{.*}} -> tensor<1x2x2x2xi32>
// CHECK: %[[F:.*]] = whittle.cast %[[ACC]] : tensor<1x2x2x2xi32> -> tensor<1x2x2x2xf32>
// CHECK: whittle.constant dense<[{{\[\[\[}}2.500000e-01]], {{\[\[}}1.000000e+00]]]]> : tensor<1x2x1x1xf32>
// CHECK: whittle.binary  mul %[[F]]
func.func @conv_i32(%x: tensor<1x600x2x2xi8>) -> tensor<1x2x2x2xi8> {
  %w = whittle.constant dense<127> : tensor<2x600x1x1xi8>
  %xq = whittle.storage_cast %x : tensor<1x600x2x2xi8> -> tensor<1x600x2x2x!qx>
  %wq = whittle.storage_cast %w : tensor<2x600x1x1xi8> -> tensor<2x600x1x1x!qw>
  %y = whittle.conv %xq, %wq {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x600x2x2x!qx>, tensor<2x600x1x1x!qw>) -> tensor<1x2x2x2x!qy>
  %r = whittle.storage_cast %y : tensor<1x2x2x2x!qy> -> tensor<1x2x2x2xi8>
  return %r : tensor<1x2x2x2xi8>
}

// -----

// Leaky relu: dequantize, activate, divide by the result scale. Sigmoid
// (8-bit): the same steps on the constant of all 256 inputs, gathered.
!qa = !quant.uniform<u8:f32, 0.5:128>
!qb = !quant.uniform<u8:f32, 0.25:7>
// CHECK-LABEL: func.func @unary
// CHECK: %[[F:.*]] = whittle.cast %arg0 : tensor<8xui8> -> tensor<8xf32>
// CHECK: %[[C:.*]] = whittle.binary  sub %[[F]]
// CHECK: %[[D:.*]] = whittle.binary  mul %[[C]]
// CHECK: %[[L:.*]] = whittle.unary  leaky_relu %[[D]] {alpha = 1.000000e-01 : f32}
// CHECK: whittle.binary  div %[[L]]
// CHECK: whittle.unary  round
// CHECK: %[[LR:.*]] = whittle.cast {{.*}} : tensor<8xf32> -> tensor<8xui8>
// CHECK: %[[ALL:.*]] = whittle.constant dense<"0x0000000001000000{{.*}}FF000000"> : tensor<256xi32>
// CHECK: whittle.cast %[[ALL]] : tensor<256xi32> -> tensor<256xui8>
// CHECK: whittle.unary  sigmoid
// CHECK: %[[T:.*]] = whittle.cast {{.*}} : tensor<256xf32> -> tensor<256xi32>
// CHECK: %[[I:.*]] = whittle.cast %[[LR]] : tensor<8xui8> -> tensor<8xi32>
// CHECK-NOT: whittle.binary
// CHECK: %[[G:.*]] = whittle.gather %[[T]][%[[I]]] {axis = 0 : i64}
// CHECK: %[[S:.*]] = whittle.cast %[[G]] : tensor<8xi32> -> tensor<8xui8>
// CHECK: return %[[S]]
func.func @unary(%x: tensor<8xui8>) -> tensor<8xui8> {
  %xq = whittle.storage_cast %x : tensor<8xui8> -> tensor<8x!qa>
  %l = whittle.unary leaky_relu %xq {alpha = 0.1 : f32} : tensor<8x!qa> -> tensor<8x!qb>
  %s = whittle.unary sigmoid %l : tensor<8x!qb> -> tensor<8x!qa>
  %r = whittle.storage_cast %s : tensor<8x!qa> -> tensor<8xui8>
  return %r : tensor<8xui8>
}

// -----

// Add: ONNX Runtime's fma(r_a, a, fma(r_b, b, k)) (r = s_in / s_out,
// k = zp_out - r_a zp_a - r_b zp_b) as exact f64 arithmetic rounded to f32
// where each fma rounds. Concat: an input with the result's parameters is
// copied, another one requantized. Quantize divides; dequantize multiplies.
!qa = !quant.uniform<i8:f32, 0.5:-1>
!qb = !quant.uniform<i8:f32, 0.25:2>
// CHECK-LABEL: func.func @add_concat
// CHECK: %[[A:.*]] = whittle.cast %arg0 : tensor<4xi8> -> tensor<4xf64>
// CHECK: %[[B:.*]] = whittle.cast %arg1 : tensor<4xi8> -> tensor<4xf64>
// CHECK: %[[RB:.*]] = whittle.constant dense<1.000000e+00> : tensor<f64>
// CHECK: %[[SB:.*]] = whittle.binary  mul %[[B]], %[[RB]]
// CHECK: %[[K:.*]] = whittle.constant dense<2.000000e+00> : tensor<f64>
// CHECK: %[[IN:.*]] = whittle.binary  add %[[SB]], %[[K]]
// CHECK: %[[IN32:.*]] = whittle.cast %[[IN]] : tensor<4xf64> -> tensor<4xf32>
// CHECK: %[[IN64:.*]] = whittle.cast %[[IN32]] : tensor<4xf32> -> tensor<4xf64>
// CHECK: %[[RA:.*]] = whittle.constant dense<2.000000e+00> : tensor<f64>
// CHECK: %[[SA:.*]] = whittle.binary  mul %[[A]], %[[RA]]
// CHECK: %[[OUT:.*]] = whittle.binary  add %[[SA]], %[[IN64]]
// CHECK: %[[OUT32:.*]] = whittle.cast %[[OUT]] : tensor<4xf64> -> tensor<4xf32>
// CHECK: %[[R:.*]] = whittle.unary  round %[[OUT32]]
// CHECK-NEXT: whittle.unary  clip %[[R]]
// CHECK: %[[SUM:.*]] = whittle.cast {{.*}} -> tensor<4xi8>
// CHECK: whittle.binary  div
// CHECK: %[[RQ:.*]] = whittle.cast {{.*}} -> tensor<4xi8>
// CHECK: %[[CAT:.*]] = whittle.concat %[[SUM]], %[[RQ]] {axis = 0 : i64} : (tensor<4xi8>, tensor<4xi8>) -> tensor<8xi8>
// CHECK: %[[Q:.*]] = whittle.binary  div %arg2
// CHECK: whittle.cast {{.*}} -> tensor<4xi8>
// CHECK: %[[D:.*]] = whittle.binary  mul
// CHECK: return %[[CAT]], %[[D]]
func.func @add_concat(%a: tensor<4xi8>, %b: tensor<4xi8>, %f: tensor<4xf32>) -> (tensor<8xi8>, tensor<4xf32>) {
  %aq = whittle.storage_cast %a : tensor<4xi8> -> tensor<4x!qa>
  %bq = whittle.storage_cast %b : tensor<4xi8> -> tensor<4x!qb>
  %s = whittle.binary add %aq, %bq : (tensor<4x!qa>, tensor<4x!qb>) -> tensor<4x!qb>
  %c = whittle.concat %s, %aq {axis = 0 : i64} : (tensor<4x!qb>, tensor<4x!qa>) -> tensor<8x!qb>
  %r = whittle.storage_cast %c : tensor<8x!qb> -> tensor<8xi8>
  %q = whittle.quantize %f : tensor<4xf32> -> tensor<4x!qa>
  %d = whittle.dequantize %q : tensor<4x!qa> -> tensor<4xf32>
  return %r, %d : tensor<8xi8>, tensor<4xf32>
}

// -----

!qa = !quant.uniform<i8:f32, 0.5:-1>
func.func @unsupported(%a: tensor<1x1x4x4xi8>) -> tensor<1x1x2x2xi8> {
  %aq = whittle.storage_cast %a : tensor<1x1x4x4xi8> -> tensor<1x1x4x4x!qa>
  // expected-error @+1 {{quantized 'whittle.pool' is not supported: no integer-exact lowering for this op}}
  %p = whittle.pool max %aq {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>} : tensor<1x1x4x4x!qa> -> tensor<1x1x2x2x!qa>
  %r = whittle.storage_cast %p : tensor<1x1x2x2x!qa> -> tensor<1x1x2x2xi8>
  return %r : tensor<1x1x2x2xi8>
}

// -----

!qa = !quant.uniform<i8:f32, 0.5:-1>
func.func @unranked(%a: tensor<*xi8>) -> tensor<*xf32> {
  // expected-error @+1 {{quantized 'whittle.storage_cast' is not supported: needs ranked tensors (pin the input shapes)}}
  %aq = whittle.storage_cast %a : tensor<*xi8> -> tensor<*x!qa>
  %d = whittle.dequantize %aq : tensor<*x!qa> -> tensor<*xf32>
  return %d : tensor<*xf32>
}

// -----

// QLinearMatMul: centered f32 operands (the constant right-hand side
// folded), acc * (s_a * s_b / s_y) per column.
!qa = !quant.uniform<u8:f32, 0.5:128>
!qb = !quant.uniform<i8:f32:1, {0.25, 0.125}>
!qy = !quant.uniform<i8:f32, 0.5>
// CHECK-LABEL: func.func @matmul
// CHECK: %[[A:.*]] = whittle.cast %arg0 : tensor<3x4xui8> -> tensor<3x4xf32>
// CHECK: %[[C:.*]] = whittle.binary  sub %[[A]]
// CHECK: %[[B:.*]] = whittle.constant dense<{{.*}}> : tensor<4x2xf32>
// CHECK: %[[ACC:.*]] = whittle.matmul %[[C]], %[[B]] : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
// CHECK: whittle.constant dense<{{\[\[}}2.500000e-01, 1.250000e-01]]> : tensor<1x2xf32>
// CHECK: whittle.binary  mul %[[ACC]]
func.func @matmul(%a: tensor<3x4xui8>) -> tensor<3x2xi8> {
  %b = whittle.constant dense<[[1, -2], [3, 4], [-5, 6], [7, 8]]> : tensor<4x2xi8>
  %aq = whittle.storage_cast %a : tensor<3x4xui8> -> tensor<3x4x!qa>
  %bq = whittle.storage_cast %b : tensor<4x2xi8> -> tensor<4x2x!qb>
  %y = whittle.matmul %aq, %bq : (tensor<3x4x!qa>, tensor<4x2x!qb>) -> tensor<3x2x!qy>
  %r = whittle.storage_cast %y : tensor<3x2x!qy> -> tensor<3x2xi8>
  return %r : tensor<3x2xi8>
}
