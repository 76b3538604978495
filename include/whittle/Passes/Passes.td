//===- Passes.td - Whittle graph passes --------------------*- tablegen -*-===//
//
// Graph passes on the whittle dialect, kept alphabetical. Each pass lives in
// one file under passes/ and has a lit test under test/passes/.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_PASSES_PASSES
#define WHITTLE_PASSES_PASSES

include "mlir/Pass/PassBase.td"

def WhittleCheckLegalizedPass
    : Pass<"whittle-check-legalized", "mlir::ModuleOp"> {
  let summary = "Fail if onnx ops remain, naming each unsupported operator";
  let description = [{
    Run after `convert-onnx-to-whittle` where the rest of the pipeline needs
    whittle ops only. Reports one error listing every onnx operator left,
    with its count and the location of its first occurrence, e.g.
    `unsupported ONNX operators: NonMaxSuppression (1), TopK (2)`.
  }];
}

#endif // WHITTLE_PASSES_PASSES
