//===- ONNXBase.td - onnx dialect definition ---------------*- tablegen -*-===//
//
// The onnx dialect: a faithful, 1:1 image of an ONNX graph. Its operator set
// is generated from the installed ONNX library (see tools/onnx-ods-gen); this
// file holds what the generator builds on: the dialect, its types, and the
// base class of every op.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_DIALECT_ONNX_ONNXBASE_TD
#define WHITTLE_DIALECT_ONNX_ONNXBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

def ONNX_Dialect : Dialect {
  let name = "onnx";
  let cppNamespace = "::whittle::onnx";
  let summary = "A faithful image of ONNX's default-domain operators";
  let description = [{
    One op per operator of the ONNX default domain, at the newest version the
    installed ONNX library defines. Operand, result and attribute names are
    the specification's own. Optional inputs and outputs are ODS optional
    values, variadic ones ODS variadic values, and graph attributes (the
    bodies of If, Loop and Scan) are regions ending in `onnx.Yield`.
    Operators of other domains are kept as `onnx.Custom`.
  }];
  let useDefaultTypePrinterParser = 1;
  let extraClassDeclaration = [{
    /// Module attribute holding the model's opset imports, a dictionary from
    /// domain ("ai.onnx" for the default domain) to version.
    static constexpr ::llvm::StringLiteral getOpsetImportAttrName() {
      return ::llvm::StringLiteral("onnx.opset_import");
    }
  }];
}

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

class ONNX_Type<string name, string typeMnemonic>
    : TypeDef<ONNX_Dialect, name> {
  let mnemonic = typeMnemonic;
}

def ONNX_StringType : ONNX_Type<"String", "string"> {
  let summary = "element type of an ONNX string tensor";
}

def ONNX_SeqType : ONNX_Type<"Seq", "seq"> {
  let summary = "ONNX sequence of tensors";
  let parameters = (ins "::mlir::Type":$elementType);
  let assemblyFormat = "`<` $elementType `>`";
}

def ONNX_OptType : ONNX_Type<"Opt", "opt"> {
  let summary = "ONNX optional value";
  let parameters = (ins "::mlir::Type":$elementType);
  let assemblyFormat = "`<` $elementType `>`";
}

//===----------------------------------------------------------------------===//
// Base op class
//===----------------------------------------------------------------------===//

class ONNX_Op<string mnemonic, list<Trait> traits = []>
    : Op<ONNX_Dialect, mnemonic, traits> {
  /// The ONNX opset version in which this form of the operator appeared.
  int onnxSinceVersion = 1;
  let extraClassDeclaration = [{
    static constexpr int64_t getONNXSinceVersion() { return }]
      # onnxSinceVersion # [{; }
  }];
}

#endif // WHITTLE_DIALECT_ONNX_ONNXBASE_TD
