// RUN: whittle-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(whittle-unshare-empty-tensors{max-uses=1}))' | FileCheck %s
// RUN: whittle-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(whittle-unshare-empty-tensors{max-uses=2}))' | FileCheck %s --check-prefix=GROUP
// RUN: not whittle-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(whittle-unshare-empty-tensors{max-uses=0}))' 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: whittle-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(whittle-unshare-empty-tensors{max-uses=1}),one-shot-bufferize{bufferize-function-boundaries allow-return-allocs-from-loops})' | FileCheck %s --check-prefix=BUF

// CSE left one fill as the destination of two generics and one empty as
// the destination of a third: each destination gets its own, created
// just before its user; the first user keeps the original.
// CHECK-LABEL: func.func @shared
// CHECK: %[[E0:.+]] = tensor.empty()
// CHECK: %[[F0:.+]] = linalg.fill {{.*}} outs(%[[E0]]
// CHECK: linalg.generic {{.*}} outs(%[[F0]]
// CHECK: %[[E1:.+]] = tensor.empty()
// CHECK: %[[F1:.+]] = linalg.fill {{.*}} outs(%[[E1]]
// CHECK: linalg.generic {{.*}} outs(%[[F1]]
// CHECK: %[[E2:.+]] = tensor.empty()
// CHECK: linalg.generic {{.*}} outs(%[[E2]]
// Two destinations may share one fill (max-uses=2): nothing changes.
// GROUP-LABEL: func.func @shared
// GROUP: tensor.empty
// GROUP-NEXT: linalg.fill
// GROUP-NOT: tensor.empty
// GROUP-NOT: linalg.fill
// GROUP: return
// BAD: max-uses must be at least 1
// Bufferized, three buffers and no copy between them.
// BUF-LABEL: func.func @shared
// BUF-COUNT-3: memref.alloc()
// BUF-NOT: memref.copy
// BUF: return
#id = affine_map<(d0) -> (d0)>
func.func @shared(%a: tensor<16xf32>, %b: tensor<16xf32>) -> (tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) {
  %c = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16xf32>
  %f = linalg.fill ins(%c : f32) outs(%e : tensor<16xf32>) -> tensor<16xf32>
  %x = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%a : tensor<16xf32>) outs(%f : tensor<16xf32>) {
  ^bb0(%i: f32, %o: f32):
    %s = arith.addf %i, %o : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : tensor<16xf32>) outs(%f : tensor<16xf32>) {
  ^bb0(%i: f32, %o: f32):
    %s = arith.addf %i, %o : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  %z = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%y : tensor<16xf32>) outs(%e : tensor<16xf32>) {
  ^bb0(%i: f32, %o: f32):
    %s = arith.mulf %i, %i : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  return %x, %y, %z : tensor<16xf32>, tensor<16xf32>, tensor<16xf32>
}

// -----

// A fill that is also read (an input, a result) keeps those uses; its
// destination use gets a fill of its own.
// CHECK-LABEL: func.func @read_and_written
// CHECK: %[[F0:.+]] = linalg.fill
// CHECK: %[[F1:.+]] = linalg.fill
// CHECK: %[[R:.+]] = linalg.generic {{.*}} ins(%{{.+}}, %[[F0]] : {{.*}} outs(%[[F1]]
// CHECK: return %[[R]], %[[F0]]
// BUF-LABEL: func.func @read_and_written
// BUF-NOT: memref.copy
// BUF: return

#id = affine_map<(d0) -> (d0)>
func.func @read_and_written(%a: tensor<16xf32>) -> (tensor<16xf32>, tensor<16xf32>) {
  %c = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<16xf32>
  %f = linalg.fill ins(%c : f32) outs(%e : tensor<16xf32>) -> tensor<16xf32>
  %x = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%a, %f : tensor<16xf32>, tensor<16xf32>) outs(%f : tensor<16xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %s = arith.addf %i, %j : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  return %x, %f : tensor<16xf32>, tensor<16xf32>
}

// -----

// Inside a loop's body the clone stays outside, before the loop: the
// buffer keeps the loop level it had.
// CHECK-LABEL: func.func @in_loop
// CHECK: tensor.empty
// CHECK: %[[E1:.+]] = tensor.empty()
// CHECK-NEXT: scf.for
// CHECK: linalg.generic {{.*}} outs(%[[E1]]
func.func @in_loop(%a: tensor<16xf32>, %n: index) -> (tensor<16xf32>, tensor<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %e = tensor.empty() : tensor<16xf32>
  %x = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%a : tensor<16xf32>) outs(%e : tensor<16xf32>) {
  ^bb0(%i: f32, %o: f32):
    %s = arith.negf %i : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  %r = scf.for %iv = %c0 to %n step %c1 iter_args(%acc = %a) -> tensor<16xf32> {
    %y = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%acc : tensor<16xf32>) outs(%e : tensor<16xf32>) {
    ^bb0(%i: f32, %o: f32):
      %s = arith.mulf %i, %i : f32
      linalg.yield %s : f32
    } -> tensor<16xf32>
    scf.yield %y : tensor<16xf32>
  }
  return %x, %r : tensor<16xf32>, tensor<16xf32>
}
