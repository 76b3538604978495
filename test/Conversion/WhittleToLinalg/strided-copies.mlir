// RUN: whittle-opt %s -split-input-file -whittle-lower-strided-copies | FileCheck %s

// A copy into the interior of a padded buffer (a strided subview) becomes
// linalg.copy loops; a copy between contiguous buffers stays a memcpy.
// CHECK-LABEL: func.func @copies
// CHECK: linalg.copy ins(%arg0 : memref<1x4x4x8xf32>) outs(%{{.*}} : memref<1x4x4x8xf32, strided<[288, 48, 8, 1], offset: 56>>)
// CHECK: memref.copy %arg0, %arg2 : memref<1x4x4x8xf32> to memref<1x4x4x8xf32>
// CHECK-NOT: linalg.copy
func.func @copies(%x: memref<1x4x4x8xf32>, %padded: memref<1x6x6x8xf32>, %y: memref<1x4x4x8xf32>) {
  %inner = memref.subview %padded[0, 1, 1, 0] [1, 4, 4, 8] [1, 1, 1, 1] : memref<1x6x6x8xf32> to memref<1x4x4x8xf32, strided<[288, 48, 8, 1], offset: 56>>
  memref.copy %x, %inner : memref<1x4x4x8xf32> to memref<1x4x4x8xf32, strided<[288, 48, 8, 1], offset: 56>>
  memref.copy %x, %y : memref<1x4x4x8xf32> to memref<1x4x4x8xf32>
  return
}

// -----

// A large copy (2^16 elements or more) outside parallel loops is split
// along its first dim longer than one: an scf.parallel over rows, which
// becomes an OpenMP loop on the model's threads.
// CHECK-LABEL: func.func @large
// CHECK: scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%{{.*}}) step (%{{.*}}) {
// CHECK: memref.subview %arg0[0, %[[I]], 0, 0] [1, 1, 64, 64]
// CHECK: memref.subview %{{.*}}[0, %[[I]], 0, 0] [1, 1, 64, 64]
// CHECK: linalg.copy
func.func @large(%x: memref<1x32x64x64xf32>, %padded: memref<1x34x66x64xf32>) {
  %inner = memref.subview %padded[0, 1, 1, 0] [1, 32, 64, 64] [1, 1, 1, 1] : memref<1x34x66x64xf32> to memref<1x32x64x64xf32, strided<[143616, 4224, 64, 1], offset: 4288>>
  memref.copy %x, %inner : memref<1x32x64x64xf32> to memref<1x32x64x64xf32, strided<[143616, 4224, 64, 1], offset: 4288>>
  return
}
