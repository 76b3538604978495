// RUN: whittle-opt %s -split-input-file -convert-whittle-to-linalg | FileCheck %s

// Counts per (row, pool entry) reduce over (start, skip); a second generic
// places them in their columns.
// CHECK-LABEL: func.func @ngram_count
// CHECK-DAG: arith.constant dense<{{\[\[}}5, 6], [7, 8], [6, 7]]> : tensor<3x2xi64>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "reduction"]{{.*}} outs(%{{.*}} : tensor<2x3xf32>)
// CHECK: arith.extsi
// CHECK: arith.uitofp
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x4xf32>)
// CHECK-NOT: whittle.ngram_count
func.func @ngram_count(%x: tensor<2x6xi32>) -> tensor<2x4xf32> {
  %y = whittle.ngram_count %x {columns = array<i64: 3, 0, 1>, max_gram = 2 : i64, max_skip = 1 : i64, min_gram = 2 : i64, pool = array<i64: 5, 6, 7, 8, 6, 7>, pool_starts = array<i64: 0, 0>} : tensor<2x6xi32> -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
