//===- WhittleBase.td - whittle dialect definition ---------*- tablegen -*-===//
//
// The whittle dialect is the optimizer's own small, orthogonal op set. The
// legalization from onnx is where ONNX's many spellings of one computation
// become one op; graph passes (folding, fusion, quantization, pruning) and
// target backends work on this dialect only.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_DIALECT_WHITTLE_WHITTLEBASE_TD
#define WHITTLE_DIALECT_WHITTLE_WHITTLEBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Dialect/Quant/IR/QuantBase.td"

def Whittle_Dialect : Dialect {
  let name = "whittle";
  let cppNamespace = "::whittle::wt";
  let summary = "Whittle's optimizer op set";
  let description = [{
    Convolution and matmul with an optional fused epilogue, elementwise and
    reduction ops, normalization, pooling and data movement. Operands are
    ranked or unranked tensors; quantized tensors use the upstream `quant`
    dialect's uniform types.
  }];
  let dependentDialects = ["::mlir::quant::QuantDialect"];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

/// ONNX's string element (!onnx.string): whittle moves and transforms
/// string tensors with the ONNX dialect's own element type; code holds each
/// element as a pointer to a NUL-terminated string.
def Whittle_StringElement : Type<CPred<"::llvm::isa<::whittle::onnx::StringType>($_self)">,
                                 "ONNX string">;

/// Element types the optimizer computes on.
def Whittle_ElementType : AnyTypeOf<[AnyFloat, AnyInteger, quant_QuantizedType,
                                     Whittle_StringElement]>;
def Whittle_StringTensor : TensorOf<[Whittle_StringElement]>;
def Whittle_Tensor : TensorOf<[Whittle_ElementType]>;
def Whittle_FloatTensor : TensorOf<[AnyFloat]>;
def Whittle_IndexTensor : TensorOf<[I32, I64]>;
def Whittle_ShapeTensor : 1DTensorOf<[I64]>;

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Whittle_UnaryFn : I32EnumAttr<"UnaryFn", "elementwise function of one operand", [
    I32EnumAttrCase<"abs", 0>, I32EnumAttrCase<"neg", 1>,
    I32EnumAttrCase<"exp", 2>, I32EnumAttrCase<"log", 3>,
    I32EnumAttrCase<"sqrt", 4>, I32EnumAttrCase<"reciprocal", 5>,
    I32EnumAttrCase<"ceil", 6>, I32EnumAttrCase<"floor", 7>,
    I32EnumAttrCase<"round", 8>, I32EnumAttrCase<"sign", 9>,
    I32EnumAttrCase<"erf", 10>, I32EnumAttrCase<"sin", 11>,
    I32EnumAttrCase<"cos", 12>, I32EnumAttrCase<"tan", 13>,
    I32EnumAttrCase<"asin", 14>, I32EnumAttrCase<"acos", 15>,
    I32EnumAttrCase<"atan", 16>, I32EnumAttrCase<"sinh", 17>,
    I32EnumAttrCase<"cosh", 18>, I32EnumAttrCase<"asinh", 19>,
    I32EnumAttrCase<"acosh", 20>, I32EnumAttrCase<"atanh", 21>,
    I32EnumAttrCase<"logical_not", 22>, I32EnumAttrCase<"bitwise_not", 23>,
    I32EnumAttrCase<"is_nan", 24>, I32EnumAttrCase<"is_inf", 25>,
    // Activations (also usable as conv/matmul epilogues).
    I32EnumAttrCase<"relu", 40>, I32EnumAttrCase<"leaky_relu", 41>,
    I32EnumAttrCase<"clip", 42>, I32EnumAttrCase<"sigmoid", 43>,
    I32EnumAttrCase<"hard_sigmoid", 44>, I32EnumAttrCase<"hard_swish", 45>,
    I32EnumAttrCase<"silu", 46>, I32EnumAttrCase<"gelu_erf", 47>,
    I32EnumAttrCase<"gelu_tanh", 48>, I32EnumAttrCase<"tanh", 49>,
    I32EnumAttrCase<"elu", 50>, I32EnumAttrCase<"selu", 51>,
    I32EnumAttrCase<"celu", 52>, I32EnumAttrCase<"softplus", 53>,
    I32EnumAttrCase<"softsign", 54>, I32EnumAttrCase<"mish", 55>,
    I32EnumAttrCase<"thresholded_relu", 56>, I32EnumAttrCase<"shrink", 57>
  ]> {
  let cppNamespace = "::whittle::wt";
  let genSpecializedAttr = 0;
}
def Whittle_UnaryFnAttr : EnumAttr<Whittle_Dialect, Whittle_UnaryFn, "unary_fn"> {
  let assemblyFormat = "$value";
}

def Whittle_BinaryFn : I32EnumAttr<"BinaryFn", "elementwise function of two operands", [
    I32EnumAttrCase<"add", 0>, I32EnumAttrCase<"sub", 1>,
    I32EnumAttrCase<"mul", 2>, I32EnumAttrCase<"div", 3>,
    I32EnumAttrCase<"pow", 4>, I32EnumAttrCase<"max", 5>,
    I32EnumAttrCase<"min", 6>, I32EnumAttrCase<"mod", 7>,
    I32EnumAttrCase<"fmod", 8>, I32EnumAttrCase<"prelu", 9>,
    I32EnumAttrCase<"logical_and", 10>, I32EnumAttrCase<"logical_or", 11>,
    I32EnumAttrCase<"logical_xor", 12>, I32EnumAttrCase<"bitwise_and", 13>,
    I32EnumAttrCase<"bitwise_or", 14>, I32EnumAttrCase<"bitwise_xor", 15>,
    I32EnumAttrCase<"shift_left", 16>, I32EnumAttrCase<"shift_right", 17>,
    // Comparisons produce i1.
    I32EnumAttrCase<"eq", 20>, I32EnumAttrCase<"lt", 21>,
    I32EnumAttrCase<"le", 22>, I32EnumAttrCase<"gt", 23>,
    I32EnumAttrCase<"ge", 24>
  ]> {
  let cppNamespace = "::whittle::wt";
  let genSpecializedAttr = 0;
}
def Whittle_BinaryFnAttr : EnumAttr<Whittle_Dialect, Whittle_BinaryFn, "binary_fn"> {
  let assemblyFormat = "$value";
}

def Whittle_ReduceFn : I32EnumAttr<"ReduceFn", "reduction", [
    I32EnumAttrCase<"sum", 0>, I32EnumAttrCase<"mean", 1>,
    I32EnumAttrCase<"max", 2>, I32EnumAttrCase<"min", 3>,
    I32EnumAttrCase<"prod", 4>, I32EnumAttrCase<"l1", 5>,
    I32EnumAttrCase<"l2", 6>, I32EnumAttrCase<"log_sum", 7>,
    I32EnumAttrCase<"log_sum_exp", 8>, I32EnumAttrCase<"sum_square", 9>
  ]> {
  let cppNamespace = "::whittle::wt";
  let genSpecializedAttr = 0;
}
def Whittle_ReduceFnAttr : EnumAttr<Whittle_Dialect, Whittle_ReduceFn, "reduce_fn"> {
  let assemblyFormat = "$value";
}

def Whittle_PoolFn : I32EnumAttr<"PoolFn", "pooling", [
    I32EnumAttrCase<"max", 0>, I32EnumAttrCase<"avg", 1>,
    I32EnumAttrCase<"lp", 2>
  ]> {
  let cppNamespace = "::whittle::wt";
  let genSpecializedAttr = 0;
}
def Whittle_PoolFnAttr : EnumAttr<Whittle_Dialect, Whittle_PoolFn, "pool_fn"> {
  let assemblyFormat = "$value";
}

def Whittle_PadMode : I32EnumAttr<"PadMode", "padding mode", [
    I32EnumAttrCase<"constant", 0>, I32EnumAttrCase<"reflect", 1>,
    I32EnumAttrCase<"edge", 2>, I32EnumAttrCase<"wrap", 3>
  ]> {
  let cppNamespace = "::whittle::wt";
  let genSpecializedAttr = 0;
}
def Whittle_PadModeAttr : EnumAttr<Whittle_Dialect, Whittle_PadMode, "pad_mode">;

def Whittle_ResizeMode : I32EnumAttr<"ResizeMode", "interpolation", [
    I32EnumAttrCase<"nearest", 0>, I32EnumAttrCase<"linear", 1>,
    I32EnumAttrCase<"cubic", 2>
  ]> {
  let cppNamespace = "::whittle::wt";
  let genSpecializedAttr = 0;
}
def Whittle_ResizeModeAttr : EnumAttr<Whittle_Dialect, Whittle_ResizeMode, "resize_mode">;

def Whittle_ScatterReduction : I32EnumAttr<"ScatterReduction",
    "how a scatter combines an update with the value it lands on", [
    I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"add", 1>,
    I32EnumAttrCase<"mul", 2>, I32EnumAttrCase<"max", 3>,
    I32EnumAttrCase<"min", 4>
  ]> {
  let cppNamespace = "::whittle::wt";
  let genSpecializedAttr = 0;
}
def Whittle_ScatterReductionAttr
    : EnumAttr<Whittle_Dialect, Whittle_ScatterReduction, "scatter_reduction"> {
  let assemblyFormat = "$value";
}

def Whittle_RnnDirection : I32EnumAttr<"RnnDirection", "recurrence direction", [
    I32EnumAttrCase<"forward", 0>, I32EnumAttrCase<"reverse", 1>,
    I32EnumAttrCase<"bidirectional", 2>
  ]> {
  let cppNamespace = "::whittle::wt";
  let genSpecializedAttr = 0;
}
def Whittle_RnnDirectionAttr
    : EnumAttr<Whittle_Dialect, Whittle_RnnDirection, "rnn_direction">;

//===----------------------------------------------------------------------===//
// Epilogue
//===----------------------------------------------------------------------===//

def Whittle_EpilogueAttr : AttrDef<Whittle_Dialect, "Epilogue"> {
  let mnemonic = "epilogue";
  let summary = "activation applied to a conv/matmul result";
  let description = [{
    `#whittle.epilogue<relu>`, `#whittle.epilogue<leaky_relu, alpha = 0.1>`,
    `#whittle.epilogue<clip, alpha = 0.0, beta = 6.0>`: the function and its
    parameters, with the meaning `whittle.unary` gives them.
  }];
  let parameters = (ins "::whittle::wt::UnaryFn":$fn,
                        OptionalParameter<"::mlir::FloatAttr">:$alpha,
                        OptionalParameter<"::mlir::FloatAttr">:$beta);
  let assemblyFormat = "`<` $fn (`,` `alpha` `=` $alpha^)? (`,` `beta` `=` $beta^)? `>`";
}

class Whittle_Op<string mnemonic, list<Trait> traits = []>
    : Op<Whittle_Dialect, mnemonic, traits>;

#endif // WHITTLE_DIALECT_WHITTLE_WHITTLEBASE_TD
