// RUN: whittle-opt %s -split-input-file -pass-pipeline='builtin.module(whittle-outline-graph-parts{max-ops=1})' | FileCheck %s
// RUN: whittle-opt %s -split-input-file -pass-pipeline='builtin.module(whittle-outline-graph-parts{max-ops=3})' | FileCheck %s --check-prefix=WHOLE
// RUN: not whittle-opt %s -split-input-file -pass-pipeline='builtin.module(whittle-outline-graph-parts{max-ops=0})' 2>&1 | FileCheck %s --check-prefix=BAD

// Three ops (constants and static empties not counted), one per part:
// each part gets the values it reads as read-only arguments (x reaches the last
// part from the first), its own copies of the constant and the empties,
// and returns what later ops or the graph's return read.
// CHECK-LABEL: func.func @graph
// CHECK-SAME: (%[[A:.+]]: tensor<16xf32>, %[[B:.+]]: tensor<16xf32>)
// CHECK-NEXT: %[[X:.+]] = call @graph_part0(%[[A]])
// CHECK-NEXT: %[[Y:.+]] = call @graph_part1(%[[X]], %[[B]])
// CHECK-NEXT: %[[Z:.+]] = call @graph_part2(%[[Y]], %[[X]])
// CHECK-NEXT: return %[[Z]], %[[X]]
// CHECK: func.func private @graph_part0(%{{.+}}: tensor<16xf32> {bufferization.writable = false}) -> tensor<16xf32> attributes {passthrough = ["noinline"]}
// CHECK-NEXT: arith.constant 2.0
// CHECK-NEXT: tensor.empty
// CHECK-NEXT: linalg.generic
// CHECK: func.func private @graph_part1
// CHECK-NOT: arith.constant
// CHECK: tensor.empty
// CHECK: func.func private @graph_part2
// CHECK-NEXT: arith.constant 2.0
// Short enough: left whole.
// WHOLE-LABEL: func.func @graph
// WHOLE-NOT: call
// WHOLE-NOT: _part
// BAD: max-ops must be at least 1
#id = affine_map<(d0) -> (d0)>
func.func @graph(%a: tensor<16xf32>, %b: tensor<16xf32>) -> (tensor<16xf32>, tensor<16xf32>) {
  %c = arith.constant 2.0 : f32
  %e = tensor.empty() : tensor<16xf32>
  %x = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%a : tensor<16xf32>) outs(%e : tensor<16xf32>) {
  ^bb0(%i: f32, %o: f32):
    %s = arith.mulf %i, %c : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  %e2 = tensor.empty() : tensor<16xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%x, %b : tensor<16xf32>, tensor<16xf32>) outs(%e2 : tensor<16xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %s = arith.addf %i, %j : f32
    linalg.yield %s : f32
  } -> tensor<16xf32>
  %e3 = tensor.empty() : tensor<16xf32>
  %z = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]} ins(%y, %x : tensor<16xf32>, tensor<16xf32>) outs(%e3 : tensor<16xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %s = arith.subf %i, %j : f32
    %t = arith.mulf %s, %c : f32
    linalg.yield %t : f32
  } -> tensor<16xf32>
  return %z, %x : tensor<16xf32>, tensor<16xf32>
}

// -----

// A tensor.empty never crosses a cut (a part returning an empty it wrote
// in place gave its caller two results in one buffer, and wrong numbers):
// each part that writes into the shared dynamic empty builds its own from
// the size, which it receives.
// CHECK-LABEL: func.func @dynamic
// CHECK-NOT: tensor.empty
// CHECK: return
// CHECK: func.func private @dynamic_part0
// CHECK: tensor.dim
// CHECK: func.func private @dynamic_part1(%{{.+}}: tensor<?xf32> {bufferization.writable = false}, %[[N1:.+]]: index)
// CHECK: tensor.empty(%[[N1]])
// CHECK: func.func private @dynamic_part2(%{{.+}}: tensor<?xf32> {bufferization.writable = false}, %[[N2:.+]]: index)
// CHECK: tensor.empty(%[[N2]])
#id = affine_map<(d0) -> (d0)>
func.func @dynamic(%a: tensor<?xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %a, %c0 : tensor<?xf32>
  %e = tensor.empty(%n) : tensor<?xf32>
  %x = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%a : tensor<?xf32>) outs(%e : tensor<?xf32>) {
  ^bb0(%i: f32, %o: f32):
    %s = arith.negf %i : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : tensor<?xf32>) outs(%e : tensor<?xf32>) {
  ^bb0(%i: f32, %o: f32):
    %s = arith.mulf %i, %i : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  return %y : tensor<?xf32>
}
