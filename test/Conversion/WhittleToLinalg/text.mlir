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

// -----

// Strings are i64 pointers in code: the op is a call of the entry point's
// helper on the buffers, declared once in the module.
// CHECK-LABEL: func.func @string_normalize(%arg0: tensor<4xi64>) -> tensor<3xi64>
// CHECK: bufferization.to_buffer %arg0 read_only : tensor<4xi64> to memref<4xi64>
// CHECK: memref.alloc() : memref<3xi64>
// CHECK: call @whittle_rt_string_normalize({{.*}}) : (memref<?xi64>, memref<?xi64>, memref<?xi8>, i64) -> ()
// CHECK: bufferization.to_tensor {{.*}} restrict writable : memref<3xi64> to tensor<3xi64>
// CHECK: func.func private @whittle_rt_string_normalize(memref<?xi64>, memref<?xi64>, memref<?xi8>, i64) attributes {llvm.emit_c_interface}
func.func @string_normalize(%x: tensor<4x!onnx.string>) -> tensor<3x!onnx.string> {
  %y = whittle.string_normalize %x {case_change = 2 : i64, stopwords = ["monday"]} : tensor<4x!onnx.string> -> tensor<3x!onnx.string>
  return %y : tensor<3x!onnx.string>
}

// -----

// f16 widens to f32 before formatting; parsing gives f64, narrowed after.
// CHECK-LABEL: func.func @string_casts
// CHECK: arith.extf {{.*}} : f16 to f32
// CHECK: call @whittle_rt_format_f32({{.*}}) : (memref<?xf32>, memref<?xi64>) -> ()
// CHECK: call @whittle_rt_parse_f64({{.*}}) : (memref<?xi64>, memref<?xf64>) -> ()
// CHECK: arith.truncf {{.*}} : f64 to f32
// CHECK-DAG: func.func private @whittle_rt_format_f32(memref<?xf32>, memref<?xi64>) attributes {llvm.emit_c_interface}
// CHECK-DAG: func.func private @whittle_rt_parse_f64(memref<?xi64>, memref<?xf64>) attributes {llvm.emit_c_interface}
func.func @string_casts(%x: tensor<2x3xf16>, %s: tensor<4x!onnx.string>) -> (tensor<2x3x!onnx.string>, tensor<4xf32>) {
  %a = whittle.cast %x : tensor<2x3xf16> -> tensor<2x3x!onnx.string>
  %b = whittle.cast %s : tensor<4x!onnx.string> -> tensor<4xf32>
  return %a, %b : tensor<2x3x!onnx.string>, tensor<4xf32>
}

// -----

// Dynamic shapes and bool <-> string stay (no helper for them).
// CHECK-LABEL: func.func @text_left_alone
// CHECK: whittle.ngram_count
// CHECK: whittle.string_normalize
// CHECK: whittle.cast
func.func @text_left_alone(%x: tensor<?xi32>, %s: tensor<?x!onnx.string>, %b: tensor<3xi1>) -> (tensor<3xf32>, tensor<?x!onnx.string>, tensor<3x!onnx.string>) {
  %y = whittle.ngram_count %x {columns = array<i64: 0, 1, 2>, max_gram = 2 : i64, max_skip = 0 : i64, min_gram = 2 : i64, pool = array<i64: 5, 6, 7, 8, 6, 7>, pool_starts = array<i64: 0, 0>} : tensor<?xi32> -> tensor<3xf32>
  %t = whittle.string_normalize %s {case_change = 0 : i64, stopwords = []} : tensor<?x!onnx.string> -> tensor<?x!onnx.string>
  %u = whittle.cast %b : tensor<3xi1> -> tensor<3x!onnx.string>
  return %y, %t, %u : tensor<3xf32>, tensor<?x!onnx.string>, tensor<3x!onnx.string>
}
