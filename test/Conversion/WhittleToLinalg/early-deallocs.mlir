// RUN: whittle-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(whittle-early-deallocs))' | FileCheck %s

// Freed at the end (as the ownership-based deallocation leaves it), each
// buffer moves to just after its last use: %a after the loop nest that
// reads a view of it, %b after the copy.
// CHECK-LABEL: func.func @chain
// CHECK: %[[A:.+]] = memref.alloc() : memref<64xf32>
// CHECK: linalg.fill {{.*}} outs(%[[A]]
// CHECK: %[[B:.+]] = memref.alloc() : memref<64xf32>
// CHECK: scf.forall
// CHECK: memref.subview %[[A]]
// CHECK: }
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK-NEXT: memref.copy %[[B]], %arg0
// CHECK-NEXT: memref.dealloc %[[B]]
// CHECK-NEXT: return
func.func @chain(%out: memref<64xf32>) {
  %c = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<64xf32>
  linalg.fill ins(%c : f32) outs(%a : memref<64xf32>)
  %b = memref.alloc() : memref<64xf32>
  scf.forall (%i) in (4) {
    %o = affine.apply affine_map<(d0) -> (d0 * 16)>(%i)
    %va = memref.subview %a[%o] [16] [1] : memref<64xf32> to memref<16xf32, strided<[1], offset: ?>>
    %vb = memref.subview %b[%o] [16] [1] : memref<64xf32> to memref<16xf32, strided<[1], offset: ?>>
    memref.copy %va, %vb : memref<16xf32, strided<[1], offset: ?>> to memref<16xf32, strided<[1], offset: ?>>
  }
  memref.copy %b, %out : memref<64xf32> to memref<64xf32>
  memref.dealloc %a : memref<64xf32>
  memref.dealloc %b : memref<64xf32>
  return
}

// -----

// A view of a buffer keeps it: %a is read through a collapse_shape two
// ops later.
// CHECK-LABEL: func.func @view
// CHECK: %[[A:.+]] = memref.alloc() : memref<4x16xf32>
// CHECK: %[[V:.+]] = memref.collapse_shape %[[A]]
// CHECK: linalg.fill
// CHECK: memref.copy %[[V]], %arg0
// CHECK-NEXT: memref.dealloc %[[A]]
func.func @view(%out: memref<64xf32>) {
  %c = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<4x16xf32>
  %v = memref.collapse_shape %a [[0, 1]] : memref<4x16xf32> into memref<64xf32>
  linalg.fill ins(%c : f32) outs(%a : memref<4x16xf32>)
  %t = memref.alloc() : memref<64xf32>
  linalg.fill ins(%c : f32) outs(%t : memref<64xf32>)
  memref.copy %v, %out : memref<64xf32> to memref<64xf32>
  memref.dealloc %t : memref<64xf32>
  memref.dealloc %a : memref<4x16xf32>
  return
}

// -----

// Negative: a buffer that leaves through a terminator (a loop's result)
// keeps its dealloc where it is.
// CHECK-LABEL: func.func @escapes
// CHECK: scf.for
// CHECK: memref.copy
// CHECK-NEXT: memref.dealloc
// CHECK-NEXT: return
func.func @escapes(%out: memref<64xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.alloc() : memref<64xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%x = %a) -> (memref<64xf32>) {
    scf.yield %x : memref<64xf32>
  }
  memref.copy %r, %out : memref<64xf32> to memref<64xf32>
  memref.dealloc %a : memref<64xf32>
  return
}
