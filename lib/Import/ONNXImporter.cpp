//===- ONNXImporter.cpp - ONNX model to onnx dialect ----------------------===//
//
// Pipeline: read and parse the ModelProto, load external data, normalize
// newer opset forms, pin user shapes, run ONNX shape inference (with type
// rules for common contrib ops), normalize older forms, then build one
// func.func of onnx ops. Large tensors move from the protobuf into
// dense_resource blobs without a copy.
//
//===----------------------------------------------------------------------===//

#include "whittle/Import/ONNXImporter.h"
#include "ModelNormalizer.h"
#include "IsolatedInference.h"
#include "ModelValidator.h"
#include "ShapePropagation.h"

#include "whittle/Dialect/ONNX/ONNXOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <google/protobuf/io/coded_stream.h>

#include <memory>
#include <optional>

using namespace mlir;
using ::onnx::AttributeProto;
using ::onnx::GraphProto;
using ::onnx::ModelProto;
using ::onnx::NodeProto;
using ::onnx::OpSchema;
using ::onnx::TensorProto;
using ::onnx::TypeProto;
using ::onnx::ValueInfoProto;

namespace whittle {
namespace {

//===----------------------------------------------------------------------===//
// Element types and tensors
//===----------------------------------------------------------------------===//

Type elementTypeFor(int dtype, MLIRContext *ctx) {
  Builder b(ctx);
  switch (dtype) {
  case TensorProto::FLOAT: return b.getF32Type();
  case TensorProto::DOUBLE: return b.getF64Type();
  case TensorProto::FLOAT16: return b.getF16Type();
  case TensorProto::BFLOAT16: return b.getBF16Type();
  case TensorProto::INT8: return b.getIntegerType(8);
  case TensorProto::INT16: return b.getIntegerType(16);
  case TensorProto::INT32: return b.getIntegerType(32);
  case TensorProto::INT64: return b.getIntegerType(64);
  case TensorProto::UINT8: return b.getIntegerType(8, /*isSigned=*/false);
  case TensorProto::UINT16: return b.getIntegerType(16, false);
  case TensorProto::UINT32: return b.getIntegerType(32, false);
  case TensorProto::UINT64: return b.getIntegerType(64, false);
  case TensorProto::BOOL: return b.getI1Type();
  case TensorProto::STRING: return onnx::StringType::get(ctx);
  case TensorProto::COMPLEX64: return ComplexType::get(b.getF32Type());
  case TensorProto::COMPLEX128: return ComplexType::get(b.getF64Type());
  // Types newer than ONNX 1.12's enum, by number.
  case 17: return b.getType<Float8E4M3FNType>();
  case 18: return b.getType<Float8E4M3FNUZType>();
  case 19: return b.getType<Float8E5M2Type>();
  case 20: return b.getType<Float8E5M2FNUZType>();
  case 21: return b.getIntegerType(4, false);
  case 22: return b.getIntegerType(4);
  default: return nullptr;
  }
}

/// Bytes per element of a dtype stored as raw_data; 0 for strings/unknown.
size_t rawElementBytes(int dtype) {
  switch (dtype) {
  case TensorProto::FLOAT: case TensorProto::INT32: case TensorProto::UINT32:
    return 4;
  case TensorProto::DOUBLE: case TensorProto::INT64: case TensorProto::UINT64:
  case TensorProto::COMPLEX64:
    return 8;
  case TensorProto::COMPLEX128: return 16;
  case TensorProto::FLOAT16: case TensorProto::BFLOAT16:
  case TensorProto::INT16: case TensorProto::UINT16:
    return 2;
  case TensorProto::INT8: case TensorProto::UINT8: case TensorProto::BOOL:
  case 17: case 18: case 19: case 20:
    return 1;
  default: return 0;
  }
}

/// Copies the typed repeated fields of `t` into little-endian raw bytes.
std::unique_ptr<std::string> typedFieldsToBytes(const TensorProto &t) {
  auto out = std::make_unique<std::string>();
  auto append = [&](const void *p, size_t n) {
    out->append(static_cast<const char *>(p), n);
  };
  switch (t.data_type()) {
  case TensorProto::FLOAT: case TensorProto::COMPLEX64:
    append(t.float_data().data(), t.float_data_size() * 4);
    break;
  case TensorProto::DOUBLE: case TensorProto::COMPLEX128:
    append(t.double_data().data(), t.double_data_size() * 8);
    break;
  case TensorProto::INT64:
    append(t.int64_data().data(), t.int64_data_size() * 8);
    break;
  case TensorProto::UINT64:
    append(t.uint64_data().data(), t.uint64_data_size() * 8);
    break;
  case TensorProto::UINT32:
    for (uint64_t v : t.uint64_data()) {
      uint32_t x = (uint32_t)v;
      append(&x, 4);
    }
    break;
  case TensorProto::INT32:
    append(t.int32_data().data(), t.int32_data_size() * 4);
    break;
  case TensorProto::INT16: case TensorProto::UINT16:
  case TensorProto::FLOAT16: case TensorProto::BFLOAT16:
    for (int32_t v : t.int32_data()) {
      uint16_t x = (uint16_t)v;
      append(&x, 2);
    }
    break;
  default: // 1-byte types live in int32_data too.
    for (int32_t v : t.int32_data()) {
      uint8_t x = (uint8_t)v;
      append(&x, 1);
    }
    break;
  }
  return out;
}

std::string sanitizeResourceName(StringRef name) {
  std::string s;
  for (char c : name)
    s += (llvm::isAlnum(c) || c == '_' || c == '.') ? c : '_';
  if (s.empty() || llvm::isDigit(s[0]))
    s = "w_" + s;
  return s;
}

//===----------------------------------------------------------------------===//
// Contrib-op type rules
//===----------------------------------------------------------------------===//

/// ONNX's shape inference does not know com.microsoft's ops, so everything
/// downstream of them would be untyped. These rules give their outputs a
/// type, after which inference runs again.
struct CustomTypeRule {
  const char *opType;
  int elementFrom; ///< input whose element type the output has
  int shapeFrom;   ///< input whose shape the output has, -1 for unknown
};

/// QLinearConcat's inputs are (Y_scale, Y_zp, then X, X_scale, X_zp per
/// tensor); its shape is theirs with the axis dimensions added.
void concatShape(const NodeProto &node,
                 const llvm::StringMap<const TypeProto *> &known,
                 ::onnx::TypeProto_Tensor &out) {
  int64_t axis = 0;
  for (const AttributeProto &a : node.attribute())
    if (a.name() == "axis")
      axis = a.i();
  std::vector<int64_t> dims;
  for (int i = 2; i < node.input_size(); i += 3) {
    auto it = known.find(node.input(i));
    if (it == known.end() || !it->second->tensor_type().has_shape())
      return;
    const auto &shape = it->second->tensor_type().shape();
    int64_t rank = shape.dim_size();
    int64_t a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank || (!dims.empty() && (int64_t)dims.size() != rank))
      return;
    if (dims.empty())
      dims.assign(rank, -1);
    for (int64_t d = 0; d < rank; ++d) {
      int64_t v = shape.dim(d).has_dim_value() ? shape.dim(d).dim_value() : -1;
      if (d == a)
        dims[d] = (i == 2 || dims[d] >= 0) && v >= 0 ? (i == 2 ? v : dims[d] + v) : -2;
      else if (dims[d] == -1 || dims[d] == v)
        dims[d] = v;
    }
  }
  auto *shape = out.mutable_shape();
  shape->clear_dim();
  for (int64_t d : dims) {
    auto *dim = shape->add_dim();
    if (d >= 0)
      dim->set_dim_value(d);
  }
}

const CustomTypeRule *findCustomTypeRule(StringRef opType) {
  static const CustomTypeRule rules[] = {
      {"QLinearAdd", 7, 0},           {"QLinearMul", 7, 0},
      {"QLinearLeakyRelu", 4, 0},     {"QLinearSigmoid", 4, 0},
      {"QLinearSoftmax", 4, 0},       {"QLinearConcat", 1, -1},
      {"QLinearGlobalAveragePool", 4, -1},
      {"QLinearAveragePool", 4, -1},  {"QuantizeLinear", 2, 0},
      {"FusedConv", 0, -1},           {"FusedGemm", 0, -1},
  };
  for (const CustomTypeRule &r : rules)
    if (opType == r.opType)
      return &r;
  return nullptr;
}

//===----------------------------------------------------------------------===//
// GraphImporter
//===----------------------------------------------------------------------===//

class GraphImporter {
public:
  GraphImporter(MLIRContext *ctx, StringRef path, const ImportOptions &options)
      : ctx(ctx), builder(ctx), path(path.str()), options(options),
        fileLoc(FileLineColLoc::get(ctx, path, 0, 0)) {}

  /// Imports `bytes` instead of reading `path` (which still names the
  /// model and anchors its external data).
  void setContents(StringRef bytes) { contents = bytes; }

  OwningOpRef<ModuleOp> run();

private:
  LogicalResult loadModel();
  LogicalResult loadExternalData(TensorProto &t);
  LogicalResult pinInputShapes();
  LogicalResult inferShapes();
  /// The longest ONNX shape inference may run on one model.
  static constexpr unsigned kInferenceSeconds = 120;
  int assignCustomOutputTypes(GraphProto &graph);
  void validateNodes(GraphProto &graph, std::vector<std::string> &problems);
  void collectValueInfo(const GraphProto &graph);

  Type convertType(const TypeProto &t);
  Type valueType(const std::string &name);
  FailureOr<ElementsAttr> convertTensor(TensorProto &t, Location loc);
  FailureOr<Attribute> convertAttribute(AttributeProto &a, Location loc);

  LogicalResult importGraph(GraphProto &graph, Block *block, bool topLevel);
  LogicalResult importInitializer(TensorProto &t);
  LogicalResult importNode(NodeProto &node, bool forceCustom = false);
  bool fitsDialectOp(const NodeProto &node, const OpSchema &schema);
  FailureOr<Type> fallbackType(const NodeProto &node, const OpSchema *schema,
                               int outputIndex, ArrayRef<Value> operands);

  Location nodeLoc(const NodeProto &node) {
    std::string name = !node.name().empty() ? node.name()
                       : node.output_size() ? node.output(0)
                                            : node.op_type();
    return NameLoc::get(StringAttr::get(ctx, name), fileLoc);
  }
  std::string label(const NodeProto &node) { return detail::nodeLabel(node); }
  Value lookup(const std::string &name) {
    for (auto it = scopes.rbegin(); it != scopes.rend(); ++it) {
      auto found = it->find(name);
      if (found != it->end())
        return found->second;
    }
    return nullptr;
  }

  MLIRContext *ctx;
  OpBuilder builder;
  std::string path;
  const ImportOptions &options;
  Location fileLoc;
  ModelProto model;
  int64_t opset = 1;
  std::vector<llvm::StringMap<Value>> scopes;
  llvm::StringMap<const TypeProto *> valueInfo;
  Value noValue; ///< lazily created onnx.NoValue of the current region
  std::optional<StringRef> contents; ///< the model's bytes, once read
};

LogicalResult GraphImporter::loadModel() {
  std::unique_ptr<llvm::MemoryBuffer> file;
  if (!contents) {
    llvm::sys::fs::file_status status;
    if (!llvm::sys::fs::status(path, status) &&
        status.type() == llvm::sys::fs::file_type::directory_file)
      return emitError(fileLoc) << "'" << path << "' is a directory, not a model";
    // A pipe or device would block the read or never end.
    if (!llvm::sys::fs::status(path, status) &&
        status.type() != llvm::sys::fs::file_type::regular_file)
      return emitError(fileLoc) << "'" << path << "' is not a regular file";
    auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
    if (!buffer)
      return emitError(fileLoc) << "cannot read '" << path
                                << "': " << buffer.getError().message();
    file = std::move(*buffer);
    contents = file->getBuffer();
  }
  if (contents->size() > (size_t)INT32_MAX)
    return emitError(fileLoc) << "'" << path
                              << "' is larger than 2 GiB; ONNX models keep larger "
                                 "weights as external data";
  google::protobuf::io::CodedInputStream stream(
      reinterpret_cast<const uint8_t *>(contents->data()), (int)contents->size());
  stream.SetTotalBytesLimit(INT32_MAX);
  if (!model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage())
    return emitError(fileLoc)
           << "'" << path
           << "' is not a valid ONNX model (protobuf parse failed; the file "
              "may be truncated or not ONNX)";
  if (!model.has_graph() || model.ir_version() <= 0)
    return emitError(fileLoc) << "'" << path
                              << "' is not an ONNX model (no graph or IR "
                                 "version)";
  opset = detail::defaultOpset(model);
  return success();
}

LogicalResult GraphImporter::loadExternalData(TensorProto &t) {
  if (t.data_location() != TensorProto::EXTERNAL)
    return success();
  std::string location;
  uint64_t offset = 0, length = 0;
  bool hasLength = false;
  for (const auto &kv : t.external_data()) {
    uint64_t *field = kv.key() == "offset" ? &offset
                      : kv.key() == "length" ? &length
                                             : nullptr;
    if (kv.key() == "location")
      location = kv.value();
    else if (field && StringRef(kv.value()).getAsInteger(10, *field))
      return emitError(fileLoc) << "tensor '" << t.name() << "': external data "
                                << kv.key() << " '" << kv.value()
                                << "' is not a whole number";
    hasLength |= kv.key() == "length";
  }
  if (location.empty())
    return emitError(fileLoc) << "tensor '" << t.name()
                              << "' uses external data without a location";
  // Only files inside the model's folder: no '..' step, and the resolved
  // path (symbolic links followed) must stay under the folder's.
  for (StringRef part : llvm::make_range(llvm::sys::path::begin(location),
                                         llvm::sys::path::end(location)))
    if (part == "..")
      return emitError(fileLoc) << "tensor '" << t.name() << "': external data location '"
                                << location << "' leaves the model's folder";
  llvm::SmallString<256> dir(llvm::sys::path::parent_path(path));
  if (dir.empty())
    dir = ".";
  llvm::SmallString<256> file(dir);
  llvm::sys::path::append(file, location);
  llvm::SmallString<256> realDir, realFile;
  if (std::error_code ec = llvm::sys::fs::real_path(file, realFile))
    return emitError(fileLoc) << "external data file '" << file << "' for tensor '"
                              << t.name() << "' cannot be read: " << ec.message();
  if (llvm::sys::fs::real_path(dir, realDir) ||
      !StringRef(realFile).starts_with((realDir + "/").str()))
    return emitError(fileLoc) << "tensor '" << t.name() << "': external data file '"
                              << file << "' resolves to '" << realFile
                              << "', outside the model's folder";
  llvm::sys::fs::file_status status;
  if (llvm::sys::fs::status(realFile, status) ||
      status.type() != llvm::sys::fs::file_type::regular_file)
    return emitError(fileLoc) << "external data file '" << file << "' for tensor '"
                              << t.name() << "' is not a regular file";
  uint64_t fileSize = status.getSize();
  if (offset > fileSize || (hasLength && length > fileSize - offset))
    return emitError(fileLoc) << "external data of tensor '" << t.name() << "' ("
                              << (hasLength ? length : 0) << " bytes at offset " << offset
                              << ") lies past the end of '" << file << "' ("
                              << fileSize << " bytes)";
  if (!hasLength)
    length = fileSize - offset;
  auto buffer = llvm::MemoryBuffer::getFileSlice(realFile, length, offset,
                                                 /*IsVolatile=*/false);
  if (!buffer)
    return emitError(fileLoc) << "external data file '" << file
                              << "' for tensor '" << t.name()
                              << "' cannot be read: "
                              << buffer.getError().message();
  StringRef data = (*buffer)->getBuffer();
  if (data.size() != length)
    return emitError(fileLoc) << "external data file '" << file
                              << "' is too short for tensor '" << t.name()
                              << "'";
  t.set_raw_data(data.data(), data.size());
  t.clear_external_data();
  t.set_data_location(TensorProto::DEFAULT);
  return success();
}

LogicalResult GraphImporter::pinInputShapes() {
  for (const auto &entry : options.inputShapes) {
    ValueInfoProto *input = nullptr;
    for (ValueInfoProto &vi : *model.mutable_graph()->mutable_input())
      if (vi.name() == entry.getKey())
        input = &vi;
    if (!input) {
      std::string names;
      for (const ValueInfoProto &vi : model.graph().input())
        names += (names.empty() ? "" : ", ") + vi.name();
      return emitError(fileLoc) << "--input-shape names '" << entry.getKey()
                                << "', which is not a graph input (inputs: "
                                << names << ")";
    }
    auto *tensor = input->mutable_type()->mutable_tensor_type();
    auto *shape = tensor->mutable_shape();
    if (shape->dim_size() && shape->dim_size() != (int)entry.getValue().size())
      return emitError(fileLoc)
             << "--input-shape gives " << entry.getValue().size()
             << " dims for '" << entry.getKey() << "', which has rank "
             << shape->dim_size();
    shape->clear_dim();
    for (int64_t d : entry.getValue()) {
      auto *dim = shape->add_dim();
      if (d >= 0)
        dim->set_dim_value(d);
      else
        dim->set_dim_param("?");
    }
  }
  return success();
}

LogicalResult GraphImporter::inferShapes() {
  ::onnx::ShapeInferenceOptions opts(/*check_type=*/false, /*error_mode=*/0,
                                     /*data_prop=*/true);
  for (int round = 0; round < 8; ++round) {
    // In a child process: libonnx crashes on some malformed models.
    std::string message;
    switch (detail::inferShapesIsolated(model, opts, kInferenceSeconds, message)) {
    case detail::InferenceOutcome::Done:
      break;
    case detail::InferenceOutcome::Stopped:
      // A declared rank or element type that contradicts the inferred one
      // is a malformed model (ONNX Runtime refuses it too): the lowerings
      // trust declared types, and fuzzed MatMul, TopK and Trilu models
      // declaring a rank short crashed or hung them. (Differing dims stay
      // a warning: ONNX 1.12 infers some newer operators' dims the old way,
      // AveragePool-19's dilations.)
      if (llvm::StringRef(message).contains("Inferred shape and existing shape differ in rank") ||
          llvm::StringRef(message).contains("Inferred elem type differs from existing elem type"))
        return emitError(fileLoc) << "the model declares a type its operator contradicts: "
                                  << message;
      // Otherwise inference is best effort: the importer falls back to the
      // model's own value_info and the type rules.
      emitWarning(fileLoc) << "ONNX shape inference stopped: " << message;
      return success();
    case detail::InferenceOutcome::Crashed:
      return emitError(fileLoc) << message;
    }
    int added = assignCustomOutputTypes(*model.mutable_graph());
    added += detail::propagateShapeValues(*model.mutable_graph());
    if (added == 0)
      return success();
  }
  return success();
}

int GraphImporter::assignCustomOutputTypes(GraphProto &graph) {
  llvm::StringMap<const TypeProto *> known;
  for (const auto *list : {&graph.input(), &graph.value_info(), &graph.output()})
    for (const ValueInfoProto &vi : *list)
      if (vi.type().has_tensor_type() && vi.type().tensor_type().elem_type())
        known[vi.name()] = &vi.type();
  for (const TensorProto &t : graph.initializer())
    if (!known.count(t.name())) {
      auto *tp = new TypeProto(); // owned by the value_info below
      tp->mutable_tensor_type()->set_elem_type(t.data_type());
      for (int64_t d : t.dims())
        tp->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(d);
      ValueInfoProto *vi = graph.add_value_info();
      vi->set_name(t.name());
      vi->set_allocated_type(tp);
      known[t.name()] = &vi->type();
    }
  int added = 0;
  for (const NodeProto &node : graph.node()) {
    if (node.domain().empty() || node.domain() == "ai.onnx")
      continue;
    if (::onnx::OpSchemaRegistry::Schema(node.op_type(), 1, node.domain()))
      continue; // ONNX infers it
    const CustomTypeRule *rule = findCustomTypeRule(node.op_type());
    int elementFrom = rule ? rule->elementFrom : 0;
    int shapeFrom = rule ? rule->shapeFrom : -1;
    for (int o = 0; o < node.output_size(); ++o) {
      if (node.output(o).empty() || elementFrom >= node.input_size())
        continue;
      auto old = known.find(node.output(o));
      if (old != known.end() && old->second->tensor_type().has_shape())
        continue; // nothing left to learn
      auto src = known.find(node.input(elementFrom));
      if (src == known.end())
        continue;
      ::onnx::TypeProto_Tensor tt;
      tt.set_elem_type(src->second->tensor_type().elem_type());
      if (shapeFrom >= 0 && shapeFrom < node.input_size()) {
        auto shp = known.find(node.input(shapeFrom));
        if (shp != known.end() && shp->second->tensor_type().has_shape())
          *tt.mutable_shape() = shp->second->tensor_type().shape();
      }
      if (node.op_type() == "QLinearConcat")
        concatShape(node, known, tt);
      if (old != known.end() && !tt.has_shape())
        continue; // already typed, and no shape to add
      ValueInfoProto *vi = nullptr;
      for (ValueInfoProto &v : *graph.mutable_value_info())
        if (v.name() == node.output(o))
          vi = &v;
      if (!vi) {
        vi = graph.add_value_info();
        vi->set_name(node.output(o));
      }
      *vi->mutable_type()->mutable_tensor_type() = tt;
      known[node.output(o)] = &vi->type();
      ++added;
    }
  }
  return added;
}

/// Checks every default-domain node against the schema of the model's own
/// opset (arity, attribute kinds, required attributes) and writes out that
/// opset's attribute defaults where they differ from the dialect's newest
/// form (Softmax's axis was 1 before opset 13, -1 after).
void GraphImporter::validateNodes(GraphProto &graph,
                                  std::vector<std::string> &problems) {
  int64_t version = std::min(opset, detail::maxKnownOpset());
  for (NodeProto &node : *graph.mutable_node()) {
    for (AttributeProto &a : *node.mutable_attribute()) {
      if (a.has_g())
        validateNodes(*a.mutable_g(), problems);
      for (GraphProto &g : *a.mutable_graphs())
        validateNodes(g, problems);
    }
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      continue;
    const OpSchema *own =
        ::onnx::OpSchemaRegistry::Schema(node.op_type(), version, "");
    if (!own)
      continue;
    // Opsets newer than the installed ONNX have no schema to check against
    // (their nodes were rewritten to the newest known form).
    if (opset <= detail::maxKnownOpset()) {
      try {
        own->Verify(node);
      } catch (const std::exception &e) {
        problems.push_back(label(node) + ": " + e.what());
        continue;
      }
    }
    const OpSchema *newest =
        ::onnx::OpSchemaRegistry::Schema(node.op_type(), detail::maxKnownOpset(), "");
    if (!newest || newest->SinceVersion() == own->SinceVersion())
      continue;
    for (const auto &kv : own->attributes()) {
      const AttributeProto &def = kv.second.default_value;
      if (!def.has_type() && !def.has_i() && !def.has_f() && !def.has_s())
        continue;
      bool present = llvm::any_of(node.attribute(), [&](const AttributeProto &a) {
        return a.name() == kv.first;
      });
      if (!present) {
        AttributeProto *a = node.add_attribute();
        *a = def;
        a->set_name(kv.first);
      }
    }
  }
}

void GraphImporter::collectValueInfo(const GraphProto &graph) {
  for (const auto *list : {&graph.input(), &graph.value_info(), &graph.output()})
    for (const ValueInfoProto &vi : *list)
      if (vi.has_type())
        valueInfo[vi.name()] = &vi.type();
  for (const NodeProto &node : graph.node())
    for (const AttributeProto &a : node.attribute()) {
      if (a.has_g())
        collectValueInfo(a.g());
      for (const GraphProto &g : a.graphs())
        collectValueInfo(g);
    }
}

Type GraphImporter::convertType(const TypeProto &t) {
  if (t.has_tensor_type()) {
    const auto &tt = t.tensor_type();
    Type elt = elementTypeFor(tt.elem_type(), ctx);
    if (!elt)
      return nullptr;
    if (!tt.has_shape())
      return UnrankedTensorType::get(elt);
    SmallVector<int64_t> shape;
    for (const auto &d : tt.shape().dim())
      shape.push_back(d.has_dim_value() && d.dim_value() >= 0
                          ? d.dim_value()
                          : ShapedType::kDynamic);
    return RankedTensorType::get(shape, elt);
  }
  if (t.has_sequence_type()) {
    Type elt = convertType(t.sequence_type().elem_type());
    return elt ? onnx::SeqType::get(ctx, elt) : Type();
  }
  if (t.has_optional_type()) {
    Type elt = convertType(t.optional_type().elem_type());
    return elt ? onnx::OptType::get(ctx, elt) : Type();
  }
  return nullptr;
}

Type GraphImporter::valueType(const std::string &name) {
  auto it = valueInfo.find(name);
  return it == valueInfo.end() ? Type() : convertType(*it->second);
}

FailureOr<ElementsAttr> GraphImporter::convertTensor(TensorProto &t,
                                                     Location loc) {
  Type elt = elementTypeFor(t.data_type(), ctx);
  if (!elt)
    return emitError(loc) << "tensor '" << t.name()
                          << "' has unsupported data type " << t.data_type();
  SmallVector<int64_t> shape(t.dims().begin(), t.dims().end());
  int64_t count = 0;
  if (!detail::checkedElementCount(shape.data(), (int)shape.size(), count))
    return emitError(loc) << "tensor '" << t.name()
                          << "' has a negative dim or an element count that "
                             "overflows int64";
  auto type = RankedTensorType::get(shape, elt);
  if (failed(loadExternalData(t)))
    return failure();

  if (t.data_type() == TensorProto::STRING) {
    if (t.string_data_size() != count)
      return emitError(loc) << "string tensor '" << t.name() << "' has "
                            << t.string_data_size() << " elements, expected "
                            << count;
    SmallVector<StringRef> strs(t.string_data().begin(), t.string_data().end());
    return cast<ElementsAttr>(DenseStringElementsAttr::get(type, strs));
  }

  size_t eltBytes = rawElementBytes(t.data_type());
  if (eltBytes == 0)
    return emitError(loc) << "tensor '" << t.name()
                          << "' has a data type Whittle cannot hold yet ("
                          << t.data_type() << ")";
  std::unique_ptr<std::string> bytes;
  if (t.has_raw_data())
    bytes.reset(t.release_raw_data());
  else
    bytes = typedFieldsToBytes(t);
  size_t expected = (size_t)count * eltBytes;
  if (bytes->size() != expected)
    return emitError(loc) << "tensor '" << t.name() << "' holds "
                          << bytes->size() << " bytes of data, its shape and "
                          << "type need " << expected;

  if (elt.isInteger(1)) {
    SmallVector<bool> values;
    for (char c : *bytes)
      values.push_back(c != 0);
    return cast<ElementsAttr>(DenseElementsAttr::get(type, values));
  }
  if (bytes->size() < options.resourceThresholdBytes || count == 0) {
    bool splat = false;
    if (!DenseElementsAttr::isValidRawBuffer(type, ArrayRef<char>(*bytes), splat))
      return emitError(loc) << "tensor '" << t.name() << "' has a malformed buffer";
    return cast<ElementsAttr>(
        DenseElementsAttr::getFromRawBuffer(type, ArrayRef<char>(*bytes)));
  }
  // Hand the buffer to MLIR: the blob deletes it when the module dies.
  std::string *raw = bytes.release();
  AsmResourceBlob blob(
      ArrayRef<char>(raw->data(), raw->size()), alignof(std::max_align_t),
      [raw](void *, size_t, size_t) { delete raw; }, /*dataIsMutable=*/false);
  return cast<ElementsAttr>(DenseResourceElementsAttr::get(
      type, sanitizeResourceName(t.name()), std::move(blob)));
}

FailureOr<Attribute> GraphImporter::convertAttribute(AttributeProto &a,
                                                     Location loc) {
  Builder b(ctx);
  switch (a.type()) {
  case AttributeProto::INT: return Attribute(b.getI64IntegerAttr(a.i()));
  case AttributeProto::FLOAT: return Attribute(b.getF32FloatAttr(a.f()));
  case AttributeProto::STRING: return Attribute(b.getStringAttr(a.s()));
  case AttributeProto::INTS:
    return Attribute(b.getDenseI64ArrayAttr(
        SmallVector<int64_t>(a.ints().begin(), a.ints().end())));
  case AttributeProto::FLOATS:
    return Attribute(b.getDenseF32ArrayAttr(
        SmallVector<float>(a.floats().begin(), a.floats().end())));
  case AttributeProto::STRINGS: {
    SmallVector<Attribute> strs;
    for (const std::string &s : a.strings())
      strs.push_back(b.getStringAttr(s));
    return Attribute(b.getArrayAttr(strs));
  }
  case AttributeProto::TENSOR: {
    auto t = convertTensor(*a.mutable_t(), loc);
    if (failed(t))
      return failure();
    return Attribute(*t);
  }
  case AttributeProto::TYPE_PROTO: {
    Type t = convertType(a.tp());
    if (!t)
      return emitError(loc) << "attribute '" << a.name()
                            << "' holds an unsupported type";
    return Attribute(TypeAttr::get(t));
  }
  default:
    return emitError(loc) << "attribute '" << a.name() << "' has kind "
                          << AttributeProto::AttributeType_Name(a.type())
                          << ", which Whittle does not import";
  }
}

OwningOpRef<ModuleOp> GraphImporter::run() {
  if (failed(loadModel()))
    return nullptr;
  std::vector<std::string> problems;
  auto report = [&] {
    for (const std::string &p : problems)
      emitError(fileLoc) << p;
    return problems.empty();
  };
  // What no valid model holds is refused before anything relies on it.
  detail::validateModel(model, problems);
  // Ranks known before inference (declared inputs, initializers) are
  // checked before it too: ONNX's inference indexes dims unchecked (a
  // rank-1 Gemm B crashed it).
  detail::validateRanks(model.graph(), problems);
  if (!report())
    return nullptr;
  detail::downgradeNewerForms(*model.mutable_graph(), opset, problems);
  if (failed(pinInputShapes()))
    return nullptr;
  if (failed(inferShapes()))
    return nullptr;
  detail::validateRanks(model.graph(), problems);
  validateNodes(*model.mutable_graph(), problems);
  detail::upgradeOlderForms(*model.mutable_graph(), opset, problems);
  if (!report())
    return nullptr;
  collectValueInfo(model.graph());

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  SmallVector<NamedAttribute> opsets;
  for (const auto &o : model.opset_import())
    opsets.push_back(builder.getNamedAttr(
        o.domain().empty() ? "ai.onnx" : o.domain(),
        builder.getI64IntegerAttr(o.version())));
  (*module)->setAttr(onnx::ONNXDialect::getOpsetImportAttrName(),
                  builder.getDictionaryAttr(opsets));
  if (!model.producer_name().empty())
    (*module)->setAttr("onnx.producer",
                    builder.getStringAttr(model.producer_name() + " " +
                                          model.producer_version()));

  // Graph inputs that name an initializer are constants with a default,
  // not function arguments (IR < 4 listed every weight as an input).
  llvm::StringSet<> initializerNames;
  for (const TensorProto &t : model.graph().initializer())
    initializerNames.insert(t.name());
  SmallVector<Type> argTypes;
  SmallVector<const ValueInfoProto *> args;
  for (const ValueInfoProto &vi : model.graph().input()) {
    if (initializerNames.contains(vi.name()))
      continue;
    Type t = convertType(vi.type());
    if (!t) {
      emitError(fileLoc) << "graph input '" << vi.name()
                         << "' has a type Whittle cannot import";
      return nullptr;
    }
    argTypes.push_back(t);
    args.push_back(&vi);
  }

  builder.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(builder, fileLoc, options.funcName,
                                   builder.getFunctionType(argTypes, {}));
  if (!model.graph().name().empty())
    func->setAttr("onnx.graph_name", builder.getStringAttr(model.graph().name()));
  Block *entry = func.addEntryBlock();
  scopes.emplace_back();
  for (auto [i, vi] : llvm::enumerate(args)) {
    scopes.back()[vi->name()] = entry->getArgument(i);
    func.setArgAttr(i, "onnx.name", builder.getStringAttr(vi->name()));
    // Keep symbolic dimension names for the runtime's shape description.
    const auto &tt = vi->type().tensor_type();
    if (tt.has_shape()) {
      SmallVector<Attribute> dims;
      bool any = false;
      for (const auto &d : tt.shape().dim()) {
        dims.push_back(builder.getStringAttr(d.dim_param()));
        any |= !d.dim_param().empty();
      }
      if (any)
        func.setArgAttr(i, "onnx.dim_params", builder.getArrayAttr(dims));
    }
  }
  if (failed(importGraph(*model.mutable_graph(), entry, /*topLevel=*/true)))
    return nullptr;
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

LogicalResult GraphImporter::importInitializer(TensorProto &t) {
  Location loc = NameLoc::get(StringAttr::get(ctx, t.name()), fileLoc);
  auto value = convertTensor(t, loc);
  if (failed(value))
    return failure();
  OperationState state(loc, "onnx.Constant");
  state.addAttribute("value", *value);
  state.addTypes(value->getType());
  scopes.back()[t.name()] = builder.create(state)->getResult(0);
  return success();
}

LogicalResult GraphImporter::importGraph(GraphProto &graph, Block *block,
                                         bool topLevel) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(block);
  Value savedNoValue = noValue;
  noValue = nullptr;
  for (TensorProto &t : *graph.mutable_initializer())
    if (failed(importInitializer(t)))
      return failure();
  for (NodeProto &node : *graph.mutable_node())
    if (failed(importNode(node)))
      return failure();

  SmallVector<Value> results;
  for (const ValueInfoProto &vi : graph.output()) {
    Value v = lookup(vi.name());
    if (!v)
      return emitError(fileLoc) << "graph output '" << vi.name()
                                << "' is not produced by any node or input";
    results.push_back(v);
  }
  if (topLevel) {
    auto func = cast<func::FuncOp>(block->getParentOp());
    func::ReturnOp::create(builder, fileLoc, results);
    func.setFunctionType(builder.getFunctionType(
        func.getArgumentTypes(), ValueRange(results).getTypes()));
    for (auto [i, vi] : llvm::enumerate(graph.output()))
      func.setResultAttr(i, "onnx.name", builder.getStringAttr(vi.name()));
  } else {
    onnx::YieldOp::create(builder, fileLoc, results);
  }
  noValue = savedNoValue;
  return success();
}

/// Newest schema of an op the onnx dialect defines, as the generator chose.
const OpSchema *dialectSchema(const std::string &opType) {
  return ::onnx::OpSchemaRegistry::Schema(opType, detail::maxKnownOpset(), "");
}

FailureOr<Type> GraphImporter::fallbackType(const NodeProto &node,
                                            const OpSchema *schema,
                                            int outputIndex,
                                            ArrayRef<Value> operands) {
  auto unrankedLike = [](Value v) -> Type {
    if (!v)
      return nullptr;
    if (auto st = dyn_cast<ShapedType>(v.getType()))
      return UnrankedTensorType::get(st.getElementType());
    return nullptr;
  };
  if (!schema) {
    const CustomTypeRule *rule = findCustomTypeRule(node.op_type());
    int from = rule ? rule->elementFrom : 0;
    if (from < (int)operands.size())
      if (Type t = unrankedLike(operands[from]))
        return t;
    return emitError(nodeLoc(node))
           << label(node) << ": cannot tell the type of output '"
           << node.output(outputIndex) << "'";
  }
  // Same type variable as an input: take that input's element type.
  const auto &outs = schema->outputs();
  int formal = std::min<int>(outputIndex, (int)outs.size() - 1);
  const std::string &typeStr = outs[formal].GetTypeStr();
  const auto &ins = schema->inputs();
  for (int i = 0; i < (int)ins.size() && i < (int)operands.size(); ++i)
    if (ins[i].GetTypeStr() == typeStr)
      if (Type t = unrankedLike(operands[i]))
        return t;
  if (outs[formal].GetTypes().size() == 1) {
    TypeProto tp;
    std::string s = **outs[formal].GetTypes().begin();
    if (s.rfind("tensor(", 0) == 0) {
      static const std::map<std::string, int> names = {
          {"float", 1}, {"uint8", 2}, {"int8", 3}, {"uint16", 4},
          {"int16", 5}, {"int32", 6}, {"int64", 7}, {"string", 8},
          {"bool", 9}, {"float16", 10}, {"double", 11}, {"uint32", 12},
          {"uint64", 13}, {"bfloat16", 16}};
      auto it = names.find(s.substr(7, s.size() - 8));
      if (it != names.end())
        return Type(UnrankedTensorType::get(elementTypeFor(it->second, ctx)));
    }
  }
  return emitError(nodeLoc(node))
         << label(node) << ": ONNX shape inference gave no type for output '"
         << node.output(outputIndex) << "' and none can be derived";
}

/// Whether the node's inputs can fill the dialect op's operand list: an
/// older form may have, say, an optional input before a variadic one that
/// the newest form dropped (Scan-8's sequence_lens).
bool GraphImporter::fitsDialectOp(const NodeProto &node, const OpSchema &schema) {
  size_t next = 0;
  for (const auto &p : schema.inputs()) {
    if (p.GetOption() == OpSchema::Variadic) {
      for (; next < (size_t)node.input_size(); ++next)
        if (node.input(next).empty())
          return false;
      return true;
    }
    bool present = next < (size_t)node.input_size() && !node.input(next).empty();
    if (!present && p.GetOption() == OpSchema::Single)
      return false;
    ++next;
  }
  return next >= (size_t)node.input_size();
}

LogicalResult GraphImporter::importNode(NodeProto &node, bool forceCustom) {
  Location loc = nodeLoc(node);
  bool defaultDomain = node.domain().empty() || node.domain() == "ai.onnx";
  std::string opName = "onnx." + node.op_type();
  const OpSchema *schema = nullptr;
  if (!forceCustom && defaultDomain &&
      RegisteredOperationName::lookup(opName, ctx)) {
    schema = dialectSchema(node.op_type());
    if (schema && opset < schema->SinceVersion() &&
        !fitsDialectOp(node, *schema)) {
      emitWarning(loc) << label(node) << ": its opset-" << opset
                       << " form does not fit the onnx dialect's opset-"
                       << schema->SinceVersion()
                       << " form; imported as onnx.Custom";
      return importNode(node, /*forceCustom=*/true);
    }
  }

  // Operands: a name of "" is a skipped optional input.
  SmallVector<Value> operands;
  for (const std::string &in : node.input()) {
    if (in.empty()) {
      operands.push_back(nullptr);
      continue;
    }
    Value v = lookup(in);
    if (!v)
      return emitError(loc) << label(node) << ": input '" << in
                            << "' is not produced by any node, initializer "
                               "or graph input";
    operands.push_back(v);
  }

  OperationState state(loc, schema ? opName : "onnx.Custom");
  SmallVector<int32_t> operandSegments, resultSegments;
  if (schema) {
    const auto &formals = schema->inputs();
    size_t next = 0;
    bool segmented =
        llvm::count_if(formals, [](const OpSchema::FormalParameter &p) {
          return p.GetOption() != OpSchema::Single;
        }) > 1;
    for (const auto &p : formals) {
      if (p.GetOption() == OpSchema::Variadic) {
        int32_t n = 0;
        for (; next < operands.size(); ++next, ++n) {
          if (!operands[next])
            return emitError(loc) << label(node)
                                  << ": variadic input '" << p.GetName()
                                  << "' has an empty entry";
          state.addOperands(operands[next]);
        }
        operandSegments.push_back(n);
        continue;
      }
      Value v = next < operands.size() ? operands[next] : Value();
      ++next;
      if (!v && p.GetOption() == OpSchema::Single)
        return emitError(loc) << label(node) << ": required input '"
                              << p.GetName() << "' is missing";
      if (v)
        state.addOperands(v);
      operandSegments.push_back(v ? 1 : 0);
    }
    if (next < operands.size())
      return emitError(loc) << label(node) << ": takes at most "
                            << formals.size() << " inputs, has "
                            << operands.size();
    if (segmented)
      state.addAttribute("operandSegmentSizes",
                         builder.getDenseI32ArrayAttr(operandSegments));
  } else {
    for (Value v : operands) {
      if (!v) {
        if (!noValue) {
          OpBuilder::InsertionGuard g(builder);
          builder.setInsertionPointToStart(builder.getInsertionBlock());
          noValue = onnx::NoValueOp::create(builder, fileLoc, builder.getNoneType()).getResult();
        }
        v = noValue;
      }
      state.addOperands(v);
    }
    state.addAttribute("domain", builder.getStringAttr(
                                     defaultDomain ? "" : node.domain()));
    state.addAttribute("op_type", builder.getStringAttr(node.op_type()));
    int64_t version = 1;
    for (const auto &o : model.opset_import())
      if (o.domain() == node.domain() ||
          (defaultDomain && (o.domain().empty() || o.domain() == "ai.onnx")))
        version = o.version();
    state.addAttribute("version", builder.getI64IntegerAttr(version));
  }

  // Attributes; graph attributes become regions in the dialect's order.
  std::map<std::string, AttributeProto *> graphs;
  for (AttributeProto &a : *node.mutable_attribute()) {
    if (a.type() == AttributeProto::GRAPH || a.has_g()) {
      graphs[a.name()] = &a;
      continue;
    }
    if (a.type() == AttributeProto::GRAPHS)
      return emitError(loc) << label(node)
                            << ": GRAPHS attributes are not supported";
    auto attr = convertAttribute(a, loc);
    if (failed(attr))
      return failure();
    std::string name = a.name();
    if (!schema && (name == "domain" || name == "op_type" || name == "version"))
      name = "onnx." + name;
    state.addAttribute(name, *attr);
  }
  SmallVector<std::pair<Region *, AttributeProto *>> regions;
  if (schema) {
    for (const auto &kv : schema->attributes())
      if (kv.second.type == AttributeProto::GRAPH) {
        auto it = graphs.find(kv.first);
        if (it == graphs.end())
          return emitError(loc) << label(node) << ": missing graph attribute '"
                                << kv.first << "'";
        regions.push_back({state.addRegion(), it->second});
      }
  } else {
    for (auto &kv : graphs)
      regions.push_back({state.addRegion(), kv.second});
  }

  // Results: skipped optional outputs ("") produce no value.
  std::vector<int> producedOutputs;
  if (schema) {
    const auto &formals = schema->outputs();
    size_t next = 0;
    for (const auto &p : formals) {
      if (p.GetOption() == OpSchema::Variadic) {
        int32_t n = 0;
        for (; next < (size_t)node.output_size(); ++next, ++n)
          producedOutputs.push_back(next);
        resultSegments.push_back(n);
        continue;
      }
      bool present = next < (size_t)node.output_size() && !node.output(next).empty();
      if (!present && p.GetOption() == OpSchema::Single) {
        if (next >= (size_t)node.output_size())
          return emitError(loc) << label(node) << ": required output '"
                                << p.GetName() << "' is missing";
      }
      if (present || p.GetOption() == OpSchema::Single)
        producedOutputs.push_back(next);
      resultSegments.push_back(present || p.GetOption() == OpSchema::Single);
      ++next;
    }
    if (next < (size_t)node.output_size())
      return emitError(loc) << label(node) << ": has at most "
                            << formals.size() << " outputs, has "
                            << node.output_size();
    if (llvm::count_if(formals, [](const OpSchema::FormalParameter &p) {
          return p.GetOption() != OpSchema::Single;
        }) > 1)
      state.addAttribute("resultSegmentSizes",
                         builder.getDenseI32ArrayAttr(resultSegments));
  } else {
    for (int i = 0; i < node.output_size(); ++i)
      producedOutputs.push_back(i);
  }
  for (int idx : producedOutputs) {
    Type t = valueType(node.output(idx));
    if (!t) {
      auto fb = fallbackType(node, schema, idx, operands);
      if (failed(fb))
        return failure();
      t = *fb;
    }
    state.addTypes(t);
  }

  // Subgraph bodies: inputs are block arguments; outer values stay visible.
  for (auto &[region, attr] : regions) {
    GraphProto &g = *attr->mutable_g();
    Block *block = new Block();
    region->push_back(block);
    scopes.emplace_back();
    for (const ValueInfoProto &vi : g.input()) {
      Type t = convertType(vi.type());
      if (!t)
        t = valueType(vi.name());
      if (!t) {
        scopes.pop_back();
        return emitError(loc) << label(node) << ": subgraph input '"
                              << vi.name() << "' has no usable type";
      }
      scopes.back()[vi.name()] = block->addArgument(t, loc);
    }
    LogicalResult r = importGraph(g, block, /*topLevel=*/false);
    scopes.pop_back();
    if (failed(r))
      return failure();
  }

  Operation *op = builder.create(state);
  for (auto [i, idx] : llvm::enumerate(producedOutputs))
    if (!node.output(idx).empty())
      scopes.back()[node.output(idx)] = op->getResult(i);
  return success();
}

} // namespace

namespace {
/// Runs an import, turning what the ONNX library throws into a diagnostic.
OwningOpRef<ModuleOp> runImport(MLIRContext *context, StringRef name,
                                const ImportOptions &options,
                                std::optional<StringRef> bytes) {
  context->loadDialect<onnx::ONNXDialect, func::FuncDialect>();
  try {
    GraphImporter importer(context, name, options);
    if (bytes)
      importer.setContents(*bytes);
    return importer.run();
  } catch (const std::exception &e) {
    emitError(FileLineColLoc::get(context, name, 0, 0))
        << "ONNX library error while importing: " << e.what();
    return nullptr;
  }
}
} // namespace

OwningOpRef<ModuleOp> importONNXFile(StringRef path, MLIRContext *context,
                                     const ImportOptions &options) {
  return runImport(context, path, options, std::nullopt);
}

OwningOpRef<ModuleOp> importONNXBuffer(StringRef bytes, StringRef name, MLIRContext *context,
                                       const ImportOptions &options) {
  return runImport(context, name, options, bytes);
}

std::string parseInputShapeFlag(StringRef flag, ImportOptions &options) {
  auto [name, dims] = flag.rsplit('=');
  if (name.empty() || dims.empty() || !flag.contains('='))
    return "--input-shape expects name=DxDx..., got '" + flag.str() + "'";
  SmallVector<int64_t> shape;
  SmallVector<StringRef> parts;
  if (dims != "scalar")
    dims.split(parts, 'x');
  for (StringRef p : parts) {
    int64_t d;
    if (p == "?" || p == "-1")
      d = -1;
    else if (p.getAsInteger(10, d) || d < 0)
      return "--input-shape: '" + p.str() + "' in '" + flag.str() +
             "' is not a dimension (use a number, or ? for dynamic)";
    shape.push_back(d);
  }
  options.inputShapes[name] = shape;
  return "";
}

} // namespace whittle
