//===- TensorIO.cpp - ONNX TensorProto files ------------------------------===//

#include "whittle/Import/TensorIO.h"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

namespace whittle {

size_t dtypeSize(int dtype) {
  switch (dtype) {
  case 1: case 6: case 12: return 4;
  case 7: case 11: case 13: return 8;
  case 4: case 5: case 10: case 16: return 2;
  case 2: case 3: case 9: return 1;
  default: return 0;
  }
}

std::vector<std::string> splitStrings(const std::vector<char> &bytes) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i < bytes.size(); ++i)
    if (bytes[i] == '\0') {
      out.emplace_back(bytes.data() + start, i - start);
      start = i + 1;
    }
  return out;
}

bool readTensorFile(const std::string &path, TensorData &out, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read '" + path + "'";
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return readTensorBytes(ss.str(), path, out, error);
}

bool readTensorBytes(const std::string &bytes, const std::string &path, TensorData &out,
                     std::string &error) {
  ::onnx::TensorProto t;
  if (!t.ParseFromString(bytes)) {
    error = "'" + path + "' is not a serialized ONNX TensorProto";
    return false;
  }
  out.name = t.name();
  out.dtype = t.data_type();
  out.dims.assign(t.dims().begin(), t.dims().end());
  // The dims are the file's word: none negative, the count representable.
  // Every buffer below is sized only after the data present matches it.
  int64_t count = 1;
  for (int64_t d : out.dims) {
    if (d < 0 || (d && count > (INT64_MAX >> 4) / d)) {
      error = "'" + path + "' has dims that hold no tensor (dimension " +
              std::to_string(d) + ")";
      return false;
    }
    count *= d;
  }
  if (out.dtype == kStringDtype) {
    // Strings: each element's bytes then a NUL (see TensorData).
    if (t.string_data_size() != count) {
      error = "'" + path + "' has the wrong number of strings for its shape";
      return false;
    }
    out.bytes.clear();
    for (const std::string &e : t.string_data()) {
      out.bytes.insert(out.bytes.end(), e.begin(), e.end());
      out.bytes.push_back('\0');
    }
    return true;
  }
  size_t size = dtypeSize(out.dtype);
  if (!size) {
    error = "'" + path + "' has element type " + std::to_string(out.dtype) +
            ", which whittle run does not handle";
    return false;
  }
  if (t.has_raw_data()) {
    if (t.raw_data().size() != (uint64_t)count * size) {
      error = "'" + path + "' holds " + std::to_string(t.raw_data().size()) +
              " bytes, its shape needs " + std::to_string((uint64_t)count * size);
      return false;
    }
    out.bytes.resize(count * size);
    if (!out.bytes.empty()) // an empty vector's data() may be null
      memcpy(out.bytes.data(), t.raw_data().data(), out.bytes.size());
    return true;
  }
  auto copyFrom = [&](const auto &field, auto tag) {
    using T = decltype(tag);
    if ((int64_t)field.size() != count)
      return false;
    out.bytes.resize(count * size);
    for (int64_t i = 0; i < count; ++i) {
      T v = (T)field.Get(i);
      memcpy(out.bytes.data() + i * size, &v, size);
    }
    return true;
  };
  bool ok = false;
  switch (out.dtype) {
  case 1: ok = copyFrom(t.float_data(), float()); break;
  case 11: ok = copyFrom(t.double_data(), double()); break;
  case 7: ok = copyFrom(t.int64_data(), int64_t()); break;
  case 13: ok = copyFrom(t.uint64_data(), uint64_t()); break;
  case 12: ok = copyFrom(t.uint64_data(), uint32_t()); break;
  case 6: ok = copyFrom(t.int32_data(), int32_t()); break;
  case 5: case 4: case 10: case 16: ok = copyFrom(t.int32_data(), uint16_t()); break;
  default: ok = copyFrom(t.int32_data(), uint8_t()); break;
  }
  if (!ok)
    error = "'" + path + "' has the wrong number of elements for its shape";
  return ok;
}

bool writeTensorFile(const std::string &path, const TensorData &t, std::string &error) {
  ::onnx::TensorProto p;
  p.set_name(t.name);
  p.set_data_type(t.dtype);
  for (int64_t d : t.dims)
    p.add_dims(d);
  if (t.dtype == kStringDtype) {
    for (const std::string &e : splitStrings(t.bytes))
      p.add_string_data(e);
  } else {
    p.set_raw_data(t.bytes.data(), t.bytes.size());
  }
  std::ofstream out(path, std::ios::binary);
  if (!out || !p.SerializeToOstream(&out)) {
    error = "cannot write '" + path + "'";
    return false;
  }
  return true;
}

} // namespace whittle
