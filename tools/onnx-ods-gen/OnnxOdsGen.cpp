//===- OnnxOdsGen.cpp - Generate the onnx dialect's ODS from ONNX --------===//
//
// Walks the ONNX library's own operator-schema registry and prints one ODS op
// definition per operator of the default domain, at the newest version the
// installed ONNX knows. The build runs this tool and feeds its output to
// mlir-tblgen, so the onnx dialect always matches the installed ONNX and no
// generated table is checked in.
//
// Mapping:
//   single input/output      -> operand/result of the allowed tensor types
//   optional input/output    -> Optional<...>
//   variadic input/output    -> Variadic<...>
//   INT/FLOAT/STRING attrs   -> I64Attr/F32Attr/StrAttr (defaulted when the
//                               schema has a default, optional otherwise)
//   INTS/FLOATS/STRINGS      -> DenseI64ArrayAttr/DenseF32ArrayAttr/StrArrayAttr
//   TENSOR/SPARSE_TENSOR     -> ElementsAttr
//   GRAPH/GRAPHS             -> one region / variadic regions
//
//===----------------------------------------------------------------------===//

#include <onnx/defs/schema.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

using ::onnx::AttributeProto;
using ::onnx::OpSchema;

/// Maps an ONNX tensor element type name to an ODS type constraint.
const char *elementConstraint(const std::string &name) {
  static const std::map<std::string, const char *> table = {
      {"float", "F32"},        {"double", "F64"},
      {"float16", "F16"},      {"bfloat16", "BF16"},
      {"int8", "I8"},          {"int16", "I16"},
      {"int32", "I32"},        {"int64", "I64"},
      {"uint8", "UI8"},        {"uint16", "UI16"},
      {"uint32", "UI32"},      {"uint64", "UI64"},
      {"bool", "I1"},          {"string", "ONNX_StringType"},
      {"complex64", "Complex<F32>"}, {"complex128", "Complex<F64>"}};
  auto it = table.find(name);
  return it == table.end() ? nullptr : it->second;
}

/// Splits "tensor(float)" into ("tensor", "float").
bool splitTypeStr(const std::string &s, std::string &head, std::string &inner) {
  auto open = s.find('(');
  if (open == std::string::npos || s.back() != ')')
    return false;
  head = s.substr(0, open);
  inner = s.substr(open + 1, s.size() - open - 2);
  return true;
}

/// Builds the ODS constraint accepting every type in `types`.
std::string typeConstraint(const std::vector<std::string> &types) {
  std::set<std::string> tensorElts;
  bool seq = false, opt = false, other = false;
  for (const std::string &t : types) {
    std::string head, inner;
    if (!splitTypeStr(t, head, inner)) {
      other = true;
      continue;
    }
    if (head == "tensor") {
      if (const char *c = elementConstraint(inner))
        tensorElts.insert(c);
      else
        other = true;
    } else if (head == "seq") {
      seq = true;
    } else if (head == "optional") {
      opt = true;
    } else {
      other = true;
    }
  }
  if (other)
    return "AnyType";
  std::vector<std::string> parts;
  if (!tensorElts.empty()) {
    std::string s = "TensorOf<[";
    bool first = true;
    for (const std::string &e : tensorElts) {
      s += (first ? "" : ", ") + e;
      first = false;
    }
    parts.push_back(s + "]>");
  }
  if (seq)
    parts.push_back("ONNX_SeqType");
  if (opt)
    parts.push_back("ONNX_OptType");
  if (parts.size() == 1)
    return parts[0];
  std::string s = "AnyTypeOf<[";
  for (size_t i = 0; i < parts.size(); ++i)
    s += (i ? ", " : "") + parts[i];
  return s + "]>";
}

std::string allowedTypes(const OpSchema &schema,
                         const OpSchema::FormalParameter &p) {
  std::vector<std::string> types;
  for (const auto *t : p.GetTypes())
    types.push_back(*t);
  std::sort(types.begin(), types.end());
  return typeConstraint(types);
}

/// Text inside an ODS `[{ ... }]` block must not close it early.
std::string escapeCode(std::string s) {
  size_t pos = 0;
  while ((pos = s.find("}]", pos)) != std::string::npos) {
    s.replace(pos, 2, "} ]");
    pos += 3;
  }
  return s;
}

std::string escapeString(const std::string &s) {
  std::string r;
  for (char c : s) {
    if (c == '"' || c == '\\')
      r += '\\';
    if (c == '\n') {
      r += ' ';
      continue;
    }
    r += c;
  }
  return r;
}

std::string formatFloat(float f) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.9g", f);
  std::string s = buf;
  if (s.find_first_of(".eEn") == std::string::npos)
    s += ".0";
  return s;
}

/// The ODS attribute constraint for one schema attribute.
std::string attrConstraint(const OpSchema::Attribute &a) {
  const AttributeProto &d = a.default_value;
  bool hasDefault = d.has_type() || d.has_i() || d.has_f() || d.has_s();
  switch (a.type) {
  case AttributeProto::INT:
    if (a.required)
      return "I64Attr";
    if (hasDefault && d.has_i())
      return "DefaultValuedAttr<I64Attr, \"" + std::to_string(d.i()) + "\">";
    return "OptionalAttr<I64Attr>";
  case AttributeProto::FLOAT:
    if (a.required)
      return "F32Attr";
    if (hasDefault && d.has_f())
      return "DefaultValuedAttr<F32Attr, \"" + formatFloat(d.f()) + "\">";
    return "OptionalAttr<F32Attr>";
  case AttributeProto::STRING:
    if (a.required)
      return "StrAttr";
    if (hasDefault && d.has_s())
      return "DefaultValuedStrAttr<StrAttr, \"" + escapeString(d.s()) + "\">";
    return "OptionalAttr<StrAttr>";
  case AttributeProto::INTS:
    return a.required ? "DenseI64ArrayAttr" : "OptionalAttr<DenseI64ArrayAttr>";
  case AttributeProto::FLOATS:
    return a.required ? "DenseF32ArrayAttr" : "OptionalAttr<DenseF32ArrayAttr>";
  case AttributeProto::STRINGS:
    return a.required ? "StrArrayAttr" : "OptionalAttr<StrArrayAttr>";
  case AttributeProto::TENSOR:
  case AttributeProto::SPARSE_TENSOR:
    return a.required ? "ElementsAttr" : "OptionalAttr<ElementsAttr>";
  case AttributeProto::TYPE_PROTO:
    return a.required ? "TypeAttr" : "OptionalAttr<TypeAttr>";
  case AttributeProto::TYPE_PROTOS:
    return a.required ? "TypeArrayAttr" : "OptionalAttr<TypeArrayAttr>";
  default:
    return "";
  }
}

bool isGraphAttr(const OpSchema::Attribute &a) {
  return a.type == AttributeProto::GRAPH || a.type == AttributeProto::GRAPHS;
}

/// Ops whose results depend on hidden state; everything else is pure.
bool isRandom(const std::string &name) {
  return name.rfind("Random", 0) == 0 || name == "Multinomial" ||
         name == "Bernoulli";
}

/// Picks, per operator, the newest schema that is not just a deprecation
/// marker (Upsample, Scatter) so that the op keeps a usable signature.
std::vector<OpSchema> latestSchemas() {
  std::map<std::string, OpSchema> best;
  for (const OpSchema &s : ::onnx::OpSchemaRegistry::get_all_schemas_with_history()) {
    if (!s.domain().empty() && s.domain() != "ai.onnx")
      continue;
    if (s.Deprecated() || s.Name().rfind("Experimental", 0) == 0)
      continue;
    auto it = best.find(s.Name());
    if (it == best.end() || it->second.SinceVersion() < s.SinceVersion())
      best.insert_or_assign(s.Name(), s);
  }
  std::vector<OpSchema> out;
  for (auto &kv : best)
    out.push_back(kv.second);
  return out;
}

void emitOp(std::ostream &os, const OpSchema &s) {
  const std::string &name = s.Name();
  std::set<std::string> used;
  auto uniq = [&](const std::string &n, const char *suffix) {
    std::string r = n;
    while (used.count(r))
      r += suffix;
    used.insert(r);
    return r;
  };

  int numOptionalOrVariadicIn = 0, numOptionalOrVariadicOut = 0;
  for (const auto &p : s.inputs())
    numOptionalOrVariadicIn += p.GetOption() != OpSchema::Single;
  for (const auto &p : s.outputs())
    numOptionalOrVariadicOut += p.GetOption() != OpSchema::Single;

  std::vector<std::string> traits;
  if (isRandom(name))
    traits.push_back("MemoryEffects<[MemRead, MemWrite]>");
  else if (std::any_of(s.attributes().begin(), s.attributes().end(),
                       [](const auto &kv) { return isGraphAttr(kv.second); }))
    traits.push_back("RecursiveMemoryEffects");
  else
    traits.push_back("Pure");
  if (numOptionalOrVariadicIn > 1)
    traits.push_back("AttrSizedOperandSegments");
  if (numOptionalOrVariadicOut > 1)
    traits.push_back("AttrSizedResultSegments");

  os << "def ONNX_" << name << "Op : ONNX_Op<\"" << name << "\", [";
  for (size_t i = 0; i < traits.size(); ++i)
    os << (i ? ", " : "") << traits[i];
  os << "]> {\n";

  std::string doc = s.doc() ? s.doc() : "";
  os << "  let summary = \"ONNX " << name << " operator (opset "
     << s.SinceVersion() << ")\";\n";
  os << "  let description = [{\n" << escapeCode(doc) << "\n  }];\n";
  os << "  let onnxSinceVersion = " << s.SinceVersion() << ";\n";

  // Operands, then attributes (operands and attributes share a namespace).
  os << "  let arguments = (ins";
  bool first = true;
  std::vector<std::string> inputNames;
  for (const auto &p : s.inputs()) {
    std::string c = allowedTypes(s, p);
    if (p.GetOption() == OpSchema::Optional)
      c = "Optional<" + c + ">";
    else if (p.GetOption() == OpSchema::Variadic)
      c = "Variadic<" + c + ">";
    std::string n = uniq(p.GetName(), "_in");
    inputNames.push_back(n);
    os << (first ? "\n    " : ",\n    ") << c << ":$" << n;
    first = false;
  }
  std::vector<std::pair<std::string, const OpSchema::Attribute *>> regions;
  for (const auto &kv : s.attributes()) {
    const OpSchema::Attribute &a = kv.second;
    if (isGraphAttr(a)) {
      regions.push_back({kv.first, &a});
      continue;
    }
    std::string c = attrConstraint(a);
    if (c.empty())
      continue;
    std::string n = uniq(kv.first, "_attr");
    os << (first ? "\n    " : ",\n    ") << c << ":$" << n;
    first = false;
  }
  os << "\n  );\n";

  os << "  let results = (outs";
  first = true;
  for (const auto &p : s.outputs()) {
    std::string c = allowedTypes(s, p);
    if (p.GetOption() == OpSchema::Optional)
      c = "Optional<" + c + ">";
    else if (p.GetOption() == OpSchema::Variadic)
      c = "Variadic<" + c + ">";
    os << (first ? "\n    " : ",\n    ") << c << ":$" << uniq(p.GetName(), "_out");
    first = false;
  }
  os << "\n  );\n";

  if (!regions.empty()) {
    os << "  let regions = (region";
    first = true;
    for (auto &r : regions) {
      const char *c = r.second->type == AttributeProto::GRAPH
                          ? "SizedRegion<1>"
                          : "VariadicRegion<SizedRegion<1>>";
      os << (first ? " " : ", ") << c << ":$" << uniq(r.first, "_region");
      first = false;
    }
    os << ");\n";
  }
  os << "}\n\n";
}

} // namespace

int main(int argc, char **argv) {
  std::ostringstream os;
  std::vector<OpSchema> schemas = latestSchemas();
  int maxOpset = 0;
  for (const OpSchema &s : schemas)
    maxOpset = std::max(maxOpset, s.SinceVersion());
  os << "//===- ONNXOps.td - generated by onnx-ods-gen, do not edit -*- tablegen -*-===//\n"
     << "//\n// " << schemas.size()
     << " operators of the ONNX default domain, each at the newest version\n"
     << "// the installed ONNX library defines (newest since-version: "
     << maxOpset << ").\n//\n"
     << "//===----------------------------------------------------------------------===//\n\n"
     << "#ifndef WHITTLE_DIALECT_ONNX_ONNXOPS_TD\n"
     << "#define WHITTLE_DIALECT_ONNX_ONNXOPS_TD\n\n"
     << "include \"whittle/Dialect/ONNX/ONNXBase.td\"\n\n";
  for (const OpSchema &s : schemas)
    emitOp(os, s);
  os << "#endif // WHITTLE_DIALECT_ONNX_ONNXOPS_TD\n";

  if (argc > 2 && std::string(argv[1]) == "-o") {
    // Only rewrite the file when it changed, so the build does not rerun
    // mlir-tblgen and recompile the dialect for nothing.
    std::ifstream in(argv[2]);
    std::stringstream old;
    old << in.rdbuf();
    if (old.str() == os.str())
      return 0;
    std::ofstream out(argv[2]);
    out << os.str();
    return out ? 0 : 1;
  }
  std::cout << os.str();
  return 0;
}
