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
