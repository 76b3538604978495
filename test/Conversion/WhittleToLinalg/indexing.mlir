// RUN: whittle-opt %s -split-input-file -convert-whittle-to-linalg | FileCheck %s

// One generic over the indices reading the input at the wrapped index.
// CHECK-LABEL: func.func @gather_elements
// CHECK: linalg.generic {{.*}} ins(%arg1 : tensor<3x2xi64>) outs(%{{.*}} : tensor<3x2xf32>)
// CHECK: arith.cmpi slt
// CHECK: tensor.extract %arg0[%{{.*}}, %{{.*}}] : tensor<3x4xf32>
// CHECK-NOT: whittle.gather_elements
func.func @gather_elements(%x: tensor<3x4xf32>, %i: tensor<3x2xi64>) -> tensor<3x2xf32> {
  %y = whittle.gather_elements %x[%i] {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x2xi64>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// The index tuple is read from the indices tensor inside the body.
// CHECK-LABEL: func.func @gather_nd
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: tensor.extract %arg1[%{{.*}}, %{{.*}}] : tensor<2x1xi64>
// CHECK: tensor.extract %arg0[%{{.*}}, %{{.*}}, %{{.*}}] : tensor<2x3x4xf32>
func.func @gather_nd(%x: tensor<2x3x4xf32>, %i: tensor<2x1xi64>) -> tensor<2x4xf32> {
  %y = whittle.gather_nd %x[%i] {batch_dims = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x1xi64>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Updates are visited in order by a loop nest carrying the tensor.
// CHECK-LABEL: func.func @scatter_elements_add
// CHECK: scf.for %{{.*}} iter_args(%[[A:.+]] = %arg0) -> (tensor<3x3xf32>)
// CHECK: scf.for
// CHECK: tensor.extract %arg1
// CHECK: tensor.extract %arg2
// CHECK: tensor.extract
// CHECK: arith.addf
// CHECK: tensor.insert
func.func @scatter_elements_add(%d: tensor<3x3xf32>, %i: tensor<2x3xi64>, %u: tensor<2x3xf32>) -> tensor<3x3xf32> {
  %0 = whittle.scatter_elements add %d[%i], %u {axis = 0 : i64} : (tensor<3x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

// CHECK-LABEL: func.func @scatter_nd
// CHECK: scf.for
// CHECK: scf.for
// CHECK-NOT: arith.addf
// CHECK: tensor.insert %{{.*}} into %{{.*}} : tensor<4x3xf32>
func.func @scatter_nd(%d: tensor<4x3xf32>, %i: tensor<2x1xi64>, %u: tensor<2x3xf32>) -> tensor<4x3xf32> {
  %0 = whittle.scatter_nd none %d[%i], %u : (tensor<4x3xf32>, tensor<2x1xi64>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// Starts and steps are index arithmetic ahead of one strided read.
// CHECK-LABEL: func.func @dynamic_slice
// CHECK: tensor.extract %arg2
// CHECK: tensor.extract %arg1
// CHECK: arith.minsi
// CHECK: linalg.generic
// CHECK: linalg.index 0
// CHECK: arith.addi
// CHECK: tensor.extract %arg0
func.func @dynamic_slice(%x: tensor<20x10xf32>, %s: tensor<1xi64>, %a: tensor<1xi64>) -> tensor<3x10xf32> {
  %y = whittle.dynamic_slice %x starts %s axes %a : (tensor<20x10xf32>, tensor<1xi64>, tensor<1xi64>) -> tensor<3x10xf32>
  return %y : tensor<3x10xf32>
}

// -----

// A negative step reads backwards from the clamped start.
// CHECK-LABEL: func.func @reversing_slice
// CHECK-DAG: %[[START:.+]] = arith.constant 9 : index
// CHECK-DAG: %[[STEP:.+]] = arith.constant -2 : index
// CHECK: linalg.generic
// CHECK: %[[OFF:.+]] = arith.muli %{{.*}}, %[[STEP]]
// CHECK: arith.addi %[[OFF]], %[[START]]
func.func @reversing_slice(%x: tensor<10xf32>) -> tensor<5xf32> {
  %y = whittle.slice %x {starts = array<i64: -1>, ends = array<i64: -1000>, steps = array<i64: -2>} : tensor<10xf32> -> tensor<5xf32>
  return %y : tensor<5xf32>
}

// -----

// Reflect padding mirrors the shifted index about both ends.
// CHECK-LABEL: func.func @pad_reflect
// CHECK: linalg.generic
// CHECK: arith.subi
// CHECK: arith.maxsi
// CHECK: arith.select
// CHECK: tensor.extract %arg0
func.func @pad_reflect(%x: tensor<4xf32>) -> tensor<8xf32> {
  %y = whittle.pad reflect %x {pads = array<i64: 2, 2>} : (tensor<4xf32>) -> tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// Constant padding with run-time amounts: a bounds test selects the fill.
// CHECK-LABEL: func.func @pad_runtime_constant
// CHECK: %[[LO:.+]] = arith.index_cast
// CHECK: linalg.generic
// CHECK: arith.subi %{{.*}}, %[[LO]]
// CHECK: arith.andi
// CHECK: arith.select
func.func @pad_runtime_constant(%x: tensor<4xf32>, %p: tensor<2xi64>) -> tensor<7xf32> {
  %y = whittle.pad constant %x pads %p {pads = array<i64>} : (tensor<4xf32>, tensor<2xi64>) -> tensor<7xf32>
  return %y : tensor<7xf32>
}
