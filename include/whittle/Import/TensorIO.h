//===- TensorIO.h - ONNX TensorProto files ----------------------*- C++ -*-===//
//
// Reads and writes the `input_N.pb` / `output_N.pb` files of the ONNX
// backend-test layout, without exposing ONNX headers.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_IMPORT_TENSORIO_H
#define WHITTLE_IMPORT_TENSORIO_H

#include <cstdint>
#include <string>
#include <vector>

namespace whittle {

/// ONNX's STRING element type.
constexpr int kStringDtype = 8;

struct TensorData {
  std::string name;
  int dtype = 0;              ///< ONNX TensorProto.DataType
  std::vector<int64_t> dims;
  /// Little-endian, row-major; for strings each element's bytes followed
  /// by a NUL, in order.
  std::vector<char> bytes;
};

/// The elements of a string tensor's `bytes`.
std::vector<std::string> splitStrings(const std::vector<char> &bytes);

/// Reads a serialized TensorProto; false with `error` set on failure.
bool readTensorFile(const std::string &path, TensorData &out, std::string &error);
/// The same from memory; `name` names the tensor's source in errors.
bool readTensorBytes(const std::string &bytes, const std::string &name, TensorData &out,
                     std::string &error);
bool writeTensorFile(const std::string &path, const TensorData &t, std::string &error);

/// Bytes per element of an ONNX dtype (0 if unsupported).
size_t dtypeSize(int dtype);

} // namespace whittle

#endif // WHITTLE_IMPORT_TENSORIO_H
