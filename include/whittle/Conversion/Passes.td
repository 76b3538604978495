//===- Passes.td - Whittle conversion passes ---------------*- tablegen -*-===//

#ifndef WHITTLE_CONVERSION_PASSES
#define WHITTLE_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def ConvertONNXToWhittlePass : Pass<"convert-onnx-to-whittle", "mlir::ModuleOp"> {
  let summary = "Legalize onnx dialect ops to the whittle dialect";
  let description = [{
    Table-driven: every ONNX operator registers one handler per opset range
    (`onOp<OpTy>(sinceVersion, handler)`), and the handler whose range holds
    the model's opset (`onnx.opset_import` on the module) rewrites the op.
    Handlers are grouped by op family under lib/Conversion/ONNXToWhittle.
    Control flow becomes scf (If -> scf.if).

    An op without a handler, or whose handler declines (say, a Reshape whose
    shape is neither constant nor derivable), stays an onnx op; with
    `report-unlegalized` each remaining operator is named in a warning.
    `whittle-check-legalized` turns leftovers into an error.
  }];
  let options = [
    Option<"reportUnlegalized", "report-unlegalized", "bool", "false",
           "Warn once per onnx operator left after legalization">
  ];
  let dependentDialects = ["::whittle::wt::WhittleDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // WHITTLE_CONVERSION_PASSES
