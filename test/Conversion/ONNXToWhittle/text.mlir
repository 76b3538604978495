// RUN: whittle-opt %s -split-input-file -convert-onnx-to-whittle | FileCheck %s

// CHECK-LABEL: func.func @tfidf_tf
// CHECK: whittle.ngram_count %arg0 {columns = array<i64: 0, 1, 2>, max_gram = 2 : i64, max_skip = 0 : i64, min_gram = 2 : i64, pool = array<i64: 5, 6, 7, 8, 6, 7>, pool_starts = array<i64: 0, 0>} : tensor<12xi32> -> tensor<3xf32>
func.func @tfidf_tf(%x: tensor<12xi32>) -> tensor<3xf32> {
  %y = "onnx.TfIdfVectorizer"(%x) {max_gram_length = 2 : i64, max_skip_count = 0 : i64, min_gram_length = 2 : i64, mode = "TF", ngram_counts = array<i64: 0, 0>, ngram_indexes = array<i64: 0, 1, 2>, pool_int64s = array<i64: 5, 6, 7, 8, 6, 7>} : (tensor<12xi32>) -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

// IDF: the column's weight where the n-gram occurs.
// CHECK-LABEL: func.func @tfidf_idf
// CHECK: whittle.ngram_count
// CHECK: whittle.binary gt
// CHECK: whittle.select
func.func @tfidf_idf(%x: tensor<12xi32>) -> tensor<3xf32> {
  %y = "onnx.TfIdfVectorizer"(%x) {max_gram_length = 2 : i64, max_skip_count = 0 : i64, min_gram_length = 2 : i64, mode = "IDF", ngram_counts = array<i64: 0, 0>, ngram_indexes = array<i64: 0, 1, 2>, pool_int64s = array<i64: 5, 6, 7, 8, 6, 7>, weights = array<f32: 1.0, 2.0, 3.0>} : (tensor<12xi32>) -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @string_normalizer
// CHECK: whittle.string_normalize %arg0 {case_change = 1 : i64, case_sensitive, stopwords = ["monday"]} : tensor<4x!onnx.string> -> tensor<3x!onnx.string>
func.func @string_normalizer(%x: tensor<4x!onnx.string>) -> tensor<3x!onnx.string> {
  %y = "onnx.StringNormalizer"(%x) {case_change_action = "LOWER", is_case_sensitive = 1 : i64, stopwords = ["monday"]} : (tensor<4x!onnx.string>) -> tensor<3x!onnx.string>
  return %y : tensor<3x!onnx.string>
}

// -----

// String pools and outputs whose length only the data knows stay onnx.
// CHECK-LABEL: func.func @text_not_legalized
// CHECK: onnx.TfIdfVectorizer
// CHECK: onnx.StringNormalizer
func.func @text_not_legalized(%x: tensor<4x!onnx.string>) -> (tensor<2xf32>, tensor<?x!onnx.string>) {
  %y = "onnx.TfIdfVectorizer"(%x) {max_gram_length = 1 : i64, max_skip_count = 0 : i64, min_gram_length = 1 : i64, mode = "TF", ngram_counts = array<i64: 0>, ngram_indexes = array<i64: 0, 1>, pool_strings = ["a", "b"]} : (tensor<4x!onnx.string>) -> tensor<2xf32>
  %z = "onnx.StringNormalizer"(%x) {stopwords = ["a"]} : (tensor<4x!onnx.string>) -> tensor<?x!onnx.string>
  return %y, %z : tensor<2xf32>, tensor<?x!onnx.string>
}
