// RUN: whittle-opt %s -split-input-file -convert-whittle-to-linalg | FileCheck %s

// Round 0 is a reduction over the axis against a sentinel; rounds 1..k-1
// run in an scf.for reading the previous round's pick.
// CHECK-LABEL: func.func @top_k
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%arg0, %{{.*}}, %{{.*}} : tensor<3x4xf32>, tensor<3x1xf32>, tensor<3x1xi64>) outs(%{{.*}}, %{{.*}} : tensor<3x1xf32>, tensor<3x1xi64>)
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpf oeq
// CHECK: tensor.insert_slice {{.*}} into {{.*}} : tensor<3x1xf32> into tensor<3x3xf32>
// CHECK: scf.for {{.*}} -> (tensor<3x3xf32>, tensor<3x3xi64>)
// CHECK: tensor.extract_slice
// CHECK: linalg.generic
// CHECK-NOT: whittle.top_k
func.func @top_k(%x: tensor<3x4xf32>) -> (tensor<3x3xf32>, tensor<3x3xi64>) {
  %v, %i = whittle.top_k %x {axis = 1 : i64} : tensor<3x4xf32> -> tensor<3x3xf32>, tensor<3x3xi64>
  return %v, %i : tensor<3x3xf32>, tensor<3x3xi64>
}

// -----

// smallest flips the value comparison.
// CHECK-LABEL: func.func @top_k_smallest
// CHECK: arith.cmpf olt
func.func @top_k_smallest(%x: tensor<5xf32>) -> (tensor<2xf32>, tensor<2xi64>) {
  %v, %i = whittle.top_k %x {axis = 0 : i64, smallest} : tensor<5xf32> -> tensor<2xf32>, tensor<2xi64>
  return %v, %i : tensor<2xf32>, tensor<2xi64>
}

// -----

// One scf.for per matrix, per column: a pivot search, a row swap that flips
// the sign, elimination below the pivot.
// CHECK-LABEL: func.func @det
// CHECK: scf.for {{.*}} -> (tensor<3xf32>)
// CHECK: tensor.extract_slice {{.*}} : tensor<3x2x2xf32> to tensor<2x2xf32>
// CHECK: scf.for {{.*}} -> (tensor<2x2xf32>, f32)
// CHECK: math.absf
// CHECK: arith.negf
// CHECK: arith.divf
// CHECK: arith.subf
// CHECK-NOT: whittle.det
func.func @det(%x: tensor<3x2x2xf32>) -> tensor<3xf32> {
  %d = whittle.det %x : tensor<3x2x2xf32> -> tensor<3xf32>
  return %d : tensor<3xf32>
}

// -----

// Dynamic shapes are left for a later version.
// CHECK-LABEL: func.func @det_dynamic
// CHECK: whittle.det
func.func @det_dynamic(%x: tensor<?x2x2xf32>) -> tensor<?xf32> {
  %d = whittle.det %x : tensor<?x2x2xf32> -> tensor<?xf32>
  return %d : tensor<?xf32>
}

// -----

// A row-major scan carrying the coordinates and the count (for i1 the
// element is its own test); the count is checked against the declared 3.
// CHECK-LABEL: func.func @nonzero
// CHECK: scf.for {{.*}} -> (tensor<2x3xi64>, index)
// CHECK: scf.for {{.*}} -> (tensor<2x3xi64>, index)
// CHECK: scf.if %{{.*}} -> (tensor<2x3xi64>, index)
// CHECK: arith.minui
// CHECK: call @whittle_rt_check_count(%{{.*}}, %{{.*}}) : (i64, i64) -> ()
// CHECK: func.func private @whittle_rt_check_count(i64, i64) attributes {llvm.emit_c_interface}
func.func @nonzero(%x: tensor<2x2xi1>) -> tensor<2x3xi64> {
  %y = whittle.nonzero %x : tensor<2x2xi1> -> tensor<2x3xi64>
  return %y : tensor<2x3xi64>
}

// -----

// Dynamic shapes stay for a later version (top_k, nonzero).
// CHECK-LABEL: func.func @dynamic_selection
// CHECK: whittle.top_k
// CHECK: whittle.nonzero
func.func @dynamic_selection(%x: tensor<?x4xf32>, %c: tensor<?xi1>) -> (tensor<?x2xf32>, tensor<?x2xi64>, tensor<1x?xi64>) {
  %v, %i = whittle.top_k %x {axis = 1 : i64} : tensor<?x4xf32> -> tensor<?x2xf32>, tensor<?x2xi64>
  %n = whittle.nonzero %c : tensor<?xi1> -> tensor<1x?xi64>
  return %v, %i, %n : tensor<?x2xf32>, tensor<?x2xi64>, tensor<1x?xi64>
}
