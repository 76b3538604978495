//===- ONNXOps.td - onnx dialect ops -----------------------*- tablegen -*-===//
//
// The hand-written ops of the onnx dialect, plus the generated operator set.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_DIALECT_ONNX_ONNXOPS
#define WHITTLE_DIALECT_ONNX_ONNXOPS

include "whittle/Dialect/ONNX/ONNXBase.td"
include "whittle/Dialect/ONNX/ONNXGeneratedOps.td"

def ONNX_YieldOp : ONNX_Op<"Yield", [Pure, Terminator, ReturnLike]> {
  let summary = "Returns the outputs of a subgraph body (If, Loop, Scan, ...)";
  let description = [{
    Terminates a subgraph region. Its operands are the subgraph's outputs,
    in the order of the ONNX GraphProto's `output` list.
  }];
  let arguments = (ins Variadic<AnyType>:$operands);
  let assemblyFormat = "attr-dict ($operands^ `:` type($operands))?";
  let hasVerifier = 1;
}

def ONNX_NoValueOp : ONNX_Op<"NoValue", [Pure]> {
  let summary = "An absent optional input of an `onnx.Custom` op";
  let description = [{
    ONNX marks a skipped optional input with an empty name. Generated ops
    model that with optional operands; `onnx.Custom`, whose signature is not
    known, takes this op's `none` result in that position instead.
  }];
  let results = (outs NoneType:$none);
  let assemblyFormat = "attr-dict";
}

def ONNX_CustomOp : ONNX_Op<"Custom", [RecursiveMemoryEffects]> {
  let summary = "An operator the onnx dialect does not define";
  let description = [{
    Operators of domains other than the ONNX default domain (com.microsoft's
    QLinear* ops, FusedConv, model-local functions) and default-domain
    operators newer than the installed ONNX library are imported as this op.
    It keeps the operator's domain, type, opset version and attributes, so a
    later pass or a target can still recognize it.

    ```mlir
    %y = "onnx.Custom"(%x, %s, %z) <{domain = "com.microsoft",
        op_type = "QLinearSigmoid", version = 1 : i64}> {alpha = 0.1 : f32}
        : (tensor<1x8xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x8xui8>
    ```
    The ONNX attributes are the op's discardable attributes.
  }];
  let arguments = (ins Variadic<AnyType>:$inputs, StrAttr:$domain,
                   StrAttr:$op_type, I64Attr:$version);
  let results = (outs Variadic<AnyType>:$outputs);
  let regions = (region VariadicRegion<AnyRegion>:$graphs);
  let hasVerifier = 1;
}

#endif // WHITTLE_DIALECT_ONNX_ONNXOPS
