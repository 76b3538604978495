// RUN: whittle-opt %s -split-input-file -convert-whittle-to-linalg | FileCheck %s

// Nearest resize reads the input at a computed index per output element.
// CHECK-LABEL: func.func @nearest
// CHECK: linalg.generic
// CHECK: linalg.index 2
// CHECK: math.floor
// CHECK: tensor.extract %arg0
func.func @nearest(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x8x8xf32> {
  %y = whittle.resize nearest %x {coordinate_mode = "asymmetric", nearest_mode = "floor", scales = array<f32: 1.0, 1.0, 2.0, 2.0>} : tensor<1x2x4x4xf32> -> tensor<1x2x8x8xf32>
  return %y : tensor<1x2x8x8xf32>
}

// -----

// Linear resize over two dims: four weighted reads.
// CHECK-LABEL: func.func @bilinear
// CHECK-COUNT-4: tensor.extract %arg0
func.func @bilinear(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32> {
  %y = whittle.resize linear %x {coordinate_mode = "half_pixel"} : tensor<1x1x4x4xf32> -> tensor<1x1x8x8xf32>
  return %y : tensor<1x1x8x8xf32>
}

// -----

// Cubic over two dims: sixteen weighted reads; with exclude_outside the
// out-of-range taps get weight 0 and the rest are renormalized.
// CHECK-LABEL: func.func @bicubic
// CHECK-COUNT-16: tensor.extract %arg0
// CHECK: linalg.yield
func.func @bicubic(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32> {
  %y = whittle.resize cubic %x {coordinate_mode = "half_pixel", cubic_coeff_a = -5.000000e-01 : f32, exclude_outside} : tensor<1x1x4x4xf32> -> tensor<1x1x8x8xf32>
  return %y : tensor<1x1x8x8xf32>
}

// -----

// Run-time scales are read once, before the generic, each checked (finite,
// positive, a size that exists: a NaN scale once made an index from NaN),
// and divide the output coordinate in the body, clamped with maxnum/minnum.
// CHECK-LABEL: func.func @runtime_scales
// CHECK-COUNT-3: call @whittle_rt_check_scale
// CHECK: %[[S:.+]] = tensor.extract %arg1[%{{.*}}] : tensor<4xf32>
// CHECK: call @whittle_rt_check_scale
// CHECK: linalg.generic
// CHECK: arith.divf %{{.*}}, %[[S]] : f32
// CHECK: arith.maxnumf
// CHECK: arith.minnumf
func.func @runtime_scales(%x: tensor<1x1x2x2xf32>, %s: tensor<4xf32>) -> tensor<1x1x2x4xf32> {
  %y = whittle.resize nearest %x scales %s : tensor<4xf32> {coordinate_mode = "asymmetric"} : tensor<1x1x2x2xf32> -> tensor<1x1x2x4xf32>
  return %y : tensor<1x1x2x4xf32>
}

// -----

// GridSample reads the grid point, unnormalizes it and takes four weighted
// taps (bilinear); zeros padding selects 0 outside the image.
// CHECK-LABEL: func.func @grid_sample
// CHECK: linalg.generic
// CHECK: tensor.extract %arg1
// CHECK: math.floor
// CHECK-COUNT-4: tensor.extract %arg0
// CHECK: arith.select
func.func @grid_sample(%x: tensor<1x1x4x4xf32>, %g: tensor<1x2x3x2xf32>) -> tensor<1x1x2x3xf32> {
  %y = whittle.grid_sample "bilinear" %x[%g] {padding_mode = "zeros"} : (tensor<1x1x4x4xf32>, tensor<1x2x3x2xf32>) -> tensor<1x1x2x3xf32>
  return %y : tensor<1x1x2x3xf32>
}

// -----

// Integers interpolate in f32 and convert back truncating (fptosi), as
// ONNX Runtime does; nearest on signless integers reads them directly.
// CHECK-LABEL: func.func @integers
// CHECK: arith.sitofp {{.*}} : i8 to f32
// CHECK-COUNT-4: tensor.extract
// CHECK: arith.fptosi {{.*}} : f32 to i8
// CHECK: linalg.generic
// CHECK-NOT: arith.sitofp
// CHECK: %[[V:.*]] = tensor.extract %arg0
// CHECK-NEXT: linalg.yield %[[V]] : i8
func.func @integers(%x: tensor<1x1x4x4xi8>) -> (tensor<1x1x8x8xi8>, tensor<1x1x8x8xi8>) {
  %y = whittle.resize linear %x {coordinate_mode = "pytorch_half_pixel"} : tensor<1x1x4x4xi8> -> tensor<1x1x8x8xi8>
  %z = whittle.resize nearest %x {coordinate_mode = "asymmetric"} : tensor<1x1x4x4xi8> -> tensor<1x1x8x8xi8>
  return %y, %z : tensor<1x1x8x8xi8>, tensor<1x1x8x8xi8>
}

// -----

// Cubic on integers clamps into the type's range before converting.
// CHECK-LABEL: func.func @cubic_integers
// CHECK-DAG: %[[LO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[HI:.*]] = arith.constant 2.550000e+02 : f32
// CHECK: arith.uitofp {{.*}} : i8 to f32
// CHECK: %[[R:.*]] = linalg.generic
// CHECK: linalg.generic {{.*}} ins(%[[R]] : tensor<1x1x8x8xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[M:.*]] = arith.maximumf %[[IN]], %[[LO]] : f32
// CHECK-NEXT: arith.minimumf %[[M]], %[[HI]] : f32
// CHECK: arith.fptoui {{.*}} : f32 to i8
func.func @cubic_integers(%x: tensor<1x1x4x4xui8>) -> tensor<1x1x8x8xui8> {
  %y = whittle.resize cubic %x {coordinate_mode = "half_pixel"} : tensor<1x1x4x4xui8> -> tensor<1x1x8x8xui8>
  return %y : tensor<1x1x8x8xui8>
}
