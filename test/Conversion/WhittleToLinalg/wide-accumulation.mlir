// RUN: whittle-opt %s -split-input-file -convert-whittle-to-linalg=wide-accumulation | FileCheck %s
// RUN: whittle-opt %s -split-input-file -convert-whittle-to-linalg | FileCheck %s --check-prefix=NARROW

// f32 products accumulate in f64 and round once.
// CHECK-LABEL: func.func @matmul
// CHECK: arith.extf {{.*}} : f32 to f64
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<4x16xf64>)
// CHECK: math.fma {{.*}} : f64
// CHECK: arith.truncf {{.*}} : f64 to f32
// NARROW-LABEL: func.func @matmul
// NARROW-NOT: f64
func.func @matmul(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %y = whittle.matmul %a, %b : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
