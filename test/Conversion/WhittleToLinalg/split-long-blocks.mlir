// RUN: whittle-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(whittle-split-long-blocks{max-ops=3}))' | FileCheck %s
// RUN: whittle-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(whittle-split-long-blocks{max-ops=3}),convert-scf-to-cf)' | FileCheck %s --check-prefix=CF
// RUN: not whittle-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(whittle-split-long-blocks{max-ops=0}))' 2>&1 | FileCheck %s --check-prefix=BAD

// Seven ops and a return: blocks of three ops joined by branches, the
// last block ending in the return; values flow across the cuts.
// CHECK-LABEL: func.func @long
// CHECK: arith.addf
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: arith.subf
// CHECK-NEXT: cf.br ^[[B1:.+]]
// CHECK: ^[[B1]]:
// CHECK-NEXT: arith.addf
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: arith.subf
// CHECK-NEXT: cf.br ^[[B2:.+]]
// CHECK: ^[[B2]]:
// CHECK-NEXT: %[[R:.+]] = arith.negf
// CHECK-NEXT: return %[[R]]
// BAD: max-ops must be at least 1
func.func @long(%a: f32, %b: f32) -> f32 {
  %0 = arith.addf %a, %b : f32
  %1 = arith.mulf %0, %b : f32
  %2 = arith.subf %1, %a : f32
  %3 = arith.addf %2, %0 : f32
  %4 = arith.mulf %3, %1 : f32
  %5 = arith.subf %4, %2 : f32
  %6 = arith.negf %5 : f32
  return %6 : f32
}

// -----

// Loops in a cut body lower to branches as before.
// CHECK-LABEL: func.func @loops
// CHECK: arith.constant 1.0
// CHECK-NEXT: cf.br
// CHECK-COUNT-3: scf.for
// CF-LABEL: func.func @loops
// CF-NOT: scf.for
// CF: return
func.func @loops(%m: memref<8xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    memref.store %f, %m[%i] : memref<8xf32>
  }
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %m[%i] : memref<8xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %m[%i] : memref<8xf32>
  }
  scf.for %i = %c0 to %n step %c1 {
    memref.store %f, %m[%i] : memref<8xf32>
  }
  return
}
