// RUN: whittle-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(whittle-decompose-pads))' | FileCheck %s
// RUN: whittle-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(whittle-decompose-pads),eliminate-empty-tensors,one-shot-bufferize{bufferize-function-boundaries})' | FileCheck %s --check-prefix=BUF

// H and W padded by 1: the top and bottom rows span the whole padded
// width, the left and right columns only the interior rows; the source
// goes into the interior.
// CHECK-LABEL: func.func @pad_hw
// CHECK: %[[E:.+]] = tensor.empty() : tensor<1x6x6x16xf32>
// CHECK: tensor.extract_slice %[[E]][0, 0, 0, 0] [1, 1, 6, 16]
// CHECK: linalg.fill
// CHECK: tensor.insert_slice {{.*}}[0, 0, 0, 0] [1, 1, 6, 16]
// CHECK: tensor.extract_slice {{.*}}[0, 5, 0, 0] [1, 1, 6, 16]
// CHECK: tensor.insert_slice {{.*}}[0, 5, 0, 0] [1, 1, 6, 16]
// CHECK: tensor.extract_slice {{.*}}[0, 1, 0, 0] [1, 4, 1, 16]
// CHECK: tensor.insert_slice {{.*}}[0, 1, 0, 0] [1, 4, 1, 16]
// CHECK: tensor.extract_slice {{.*}}[0, 1, 5, 0] [1, 4, 1, 16]
// CHECK: tensor.insert_slice {{.*}}[0, 1, 5, 0] [1, 4, 1, 16]
// CHECK: %[[R:.+]] = tensor.insert_slice %{{.+}} into %{{.+}}[0, 1, 1, 0] [1, 4, 4, 16]
// CHECK-NOT: tensor.pad
// CHECK: return %[[R]]
// The producer writes the interior of the padded buffer in place, and no
// fill covers it.
// BUF-LABEL: func.func @pad_hw
// BUF: %[[A:.+]] = memref.alloc() {{.*}} : memref<1x6x6x16xf32>
// BUF-COUNT-4: linalg.fill
// BUF: %[[IN:.+]] = memref.subview %[[A]][0, 1, 1, 0] [1, 4, 4, 16]
// BUF: linalg.generic {{.*}} outs(%[[IN]]
func.func @pad_hw(%x: tensor<1x4x4x16xf32>) -> tensor<1x6x6x16xf32> {
  %c = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x16xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(a, b, c, d) -> (a, b, c, d)>, affine_map<(a, b, c, d) -> (a, b, c, d)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x4x4x16xf32>) outs(%e : tensor<1x4x4x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  } -> tensor<1x4x4x16xf32>
  %p = tensor.pad %y low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %c : f32
  } : tensor<1x4x4x16xf32> to tensor<1x6x6x16xf32>
  return %p : tensor<1x6x6x16xf32>
}

// -----

// Only the high side of one dim: a single slab.
// CHECK-LABEL: func.func @pad_high
// CHECK-COUNT-1: linalg.fill
// CHECK-NOT: linalg.fill
// CHECK: tensor.insert_slice %arg0 into %{{.+}}[0, 0] [3, 5]
func.func @pad_high(%x: tensor<3x5xf32>) -> tensor<3x8xf32> {
  %c = arith.constant -1.0 : f32
  %p = tensor.pad %x low[0, 0] high[0, 3] {
  ^bb0(%i: index, %j: index):
    tensor.yield %c : f32
  } : tensor<3x5xf32> to tensor<3x8xf32>
  return %p : tensor<3x8xf32>
}

// -----

// Negative: a padding value computed per element, and dynamic padding.
// CHECK-LABEL: func.func @pad_kept
// CHECK-COUNT-2: tensor.pad
func.func @pad_kept(%x: tensor<3x5xf32>, %n: index) -> (tensor<3x8xf32>, tensor<3x?xf32>) {
  %c = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0] high[0, 3] {
  ^bb0(%i: index, %j: index):
    %v = arith.index_cast %j : index to i32
    %f = arith.sitofp %v : i32 to f32
    tensor.yield %f : f32
  } : tensor<3x5xf32> to tensor<3x8xf32>
  %q = tensor.pad %x low[0, 0] high[0, %n] {
  ^bb0(%i: index, %j: index):
    tensor.yield %c : f32
  } : tensor<3x5xf32> to tensor<3x?xf32>
  return %p, %q : tensor<3x8xf32>, tensor<3x?xf32>
}
