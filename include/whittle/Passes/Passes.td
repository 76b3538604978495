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

def WhittleEliminateConcatSplitPass
    : Pass<"whittle-eliminate-concat-split", "mlir::func::FuncOp"> {
  let summary = "Let consumers read concat inputs and split pieces directly";
  let description = [{
    * `split(concat(a, b, ..))` along the same axis with matching sizes:
      the pieces are the inputs;
    * `concat(split(x))` of all the pieces, in order, along the split axis:
      `x`;
    * a unit-step `slice` of a concat that covers exactly one input along
      the concat axis (and everything else): that input.
    Concats that remain are written in place: the lowering allocates the
    result first, and `eliminate-empty-tensors` lets each producer write
    its part of it directly.
  }];
  let dependentDialects = ["::whittle::wt::WhittleDialect"];
}

def WhittleFoldBatchNormPass
    : Pass<"whittle-fold-batch-norm", "mlir::func::FuncOp"> {
  let summary = "Fold inference BatchNormalization and per-channel scales into conv/matmul weights";
  let description = [{
    `batch_norm(conv(x, W, b))` becomes `conv(x, W * s, (b - mean) * s + beta)`
    with `s = scale / sqrt(variance + epsilon)` per output channel, computed
    once at compile time. A `batch_norm` over the columns of a rank-2
    `whittle.matmul` (Gemm) folds into the constant rhs the same way. A
    multiplication of a conv or matmul result by a constant that is one value
    per output channel (or one value) folds into the weights too.

    Nothing folds when the conv/matmul result has another user (the unscaled
    value would be lost), when it already has a residual or an activation
    epilogue, or when the weights or parameters are not constants.
  }];
  let dependentDialects = ["::whittle::wt::WhittleDialect"];
}

def WhittleFoldConstantsPass
    : Pass<"whittle-fold-constants", "mlir::func::FuncOp"> {
  let summary = "Evaluate weight-only subgraphs at compile time";
  let description = [{
    An op whose operands are all constants is replaced by the constant it
    computes: elementwise arithmetic and casts on floats and integers (with
    broadcasting), transpose, reshape, broadcast, concat, slice and gather,
    so weight transposes, dequantized weights, and the Shape / Gather /
    Concat / Reshape / Unsqueeze chains exporters emit disappear. Results
    larger than `max-elements` stay computed at run time.
  }];
  let options = [Option<"maxElements", "max-elements", "int64_t", "(int64_t)1 << 24",
                        "Largest result (in elements) folded">];
  let dependentDialects = ["::whittle::wt::WhittleDialect"];
}

def WhittleFoldTransposeIntoMatmulPass
    : Pass<"whittle-fold-transpose-into-matmul", "mlir::func::FuncOp"> {
  let summary = "Read transposed matmul operands in place";
  let description = [{
    A `whittle.transpose` that swaps the two innermost dims of a matmul
    operand becomes the matmul's `transpose_lhs` / `transpose_rhs` flag; a
    transposed constant rhs is transposed at compile time instead.
  }];
  let dependentDialects = ["::whittle::wt::WhittleDialect"];
}

def WhittleFuseElementwisePass
    : Pass<"whittle-fuse-elementwise", "mlir::func::FuncOp"> {
  let summary = "Fuse chains of elementwise loop nests, never recomputing a producer";
  let description = [{
    Runs on the lowered (linalg) form. An all-parallel `linalg.generic`
    with one user merges into that user when the user reads each of its
    elements once (the user's indexing map of it is a permutation of the
    user's loops): `exp(x - max)` into the sum that reads it, a chain of
    Add/Mul/activation into one loop nest. It never merges into a
    contraction or a broadcast that would compute the producer again for
    every output column (upstream `linalg-fuse-elementwise-ops` does, which
    turned `matmul(gelu(x), W)` into an erf per multiply-add).
    Reshapes are propagated through elementwise ops as upstream does.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::affine::AffineDialect"];
}

def WhittleFuseEpiloguePass
    : Pass<"whittle-fuse-epilogue", "mlir::func::FuncOp"> {
  let summary = "Fuse bias, residual Add and activation into conv/matmul";
  let description = [{
    `conv/matmul` followed by, in this order:
    * an Add of a constant that is one value per output channel (conv) or
      per output column (matmul): added to the op's bias;
    * an Add of a tensor of the result's shape: the op's `residual`;
    * an activation (Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid,
      HardSwish, SiLU, GELU, Tanh, Elu, ...): the op's `epilogue`.
    Each fuses only when the conv/matmul result has that one user, and only
    in the order the op computes them (`epilogue(acc + bias + residual)`).
    Integer ops take no epilogue.
  }];
  let dependentDialects = ["::whittle::wt::WhittleDialect"];
}

def WhittleLowerQuantizedPass
    : Pass<"whittle-lower-quantized", "mlir::func::FuncOp"> {
  let summary = "Spell ops on quantized types out in integer-exact arithmetic";
  let description = [{
    Every op on `!quant.uniform` types becomes whittle arithmetic on the
    storage integers that computes what ONNX Runtime computes, float32 step
    for float32 step: quantize `clamp(rne(x / s) + zp)`, dequantize
    `(q - zp) * s`, conv and matmul `clamp(rne(acc * (s_x * s_w / s_y)) + zp_y)`
    with `acc` the exact integer sum, relu/leaky-relu on the dequantized values
    then quantized, other 8-bit activations through a 256-entry table
    (computed by the same steps on a constant, gathered), add and mul with
    the fused multiply-adds ONNX Runtime's kernels round with (computed in
    f64, where they are exact, rounded to f32 where the fma rounds), and
    concat (inputs with other parameters requantized).

    A conv or matmul accumulates in f32 (the packed kernels) when every
    partial sum provably stays below 2^24: per output channel (column),
    `sum |w - zp_w| * max |x - zp_x| + |bias|`; in i32 otherwise.
    An op on quantized types without such a lowering is an error naming it.
  }];
  let dependentDialects = ["::whittle::wt::WhittleDialect"];
}

def WhittlePropagateLayoutPass
    : Pass<"whittle-propagate-layout", "mlir::func::FuncOp"> {
  let summary = "Run convolutions channels-last, with transposes only where the layout changes";
  let description = [{
    A float conv with static shapes and a constant filter becomes a
    channels-last conv when it is f32 and ungrouped (any output channels)
    or depthwise over at least 16 channels (lowered to register-tiled
    packed contractions), or, other float types, ungrouped with output channels at least
    `min-channels` and more than its output row is long (the loop each
    layout vectorizes; other grouped convs stay N x C x H x W): a
    `channels_last` conv (input N x H x W x C, filter transposed at compile
    time to H x W x C/g x M), wrapped in transposes to and from N x C x H x W.
    The transposes then sink through elementwise ops and casts (a constant or small
    other operand is transposed to match), keep-dims reductions, concats,
    pools (made `channels_last`) and constant-scale resizes, some of them
    also when the transpose has other users (docs/passes.md), and pairs
    that meet cancel, so a chain of convs runs channels-last end to end and
    only the model's boundary (and ops with no channels-last form, such as
    reshapes) keeps a transpose.

    Channels-last puts the output channels innermost in the conv's loop
    nest: the filter and output rows are read contiguously whatever the
    spatial size (a 1x1 conv over 14x14 is a matmul's inner loop instead of
    a 14-element row).
  }];
  let options = [Option<"minChannels", "min-channels", "int64_t", "48",
                        "Fewest output channels of a conv run channels-last">];
  let dependentDialects = ["::whittle::wt::WhittleDialect"];
}

def WhittleRecognizeActivationsPass
    : Pass<"whittle-recognize-activations", "mlir::func::FuncOp"> {
  let summary = "Turn decomposed activations into one whittle.unary";
  let description = [{
    * `x * sigmoid(x)` -> `silu`;
    * `clip(x + 3, 0, 6) / 6` (or `* (1/6)`) -> `hard_sigmoid` (alpha 1/6,
      beta 0.5), and `x * hard_sigmoid(x)` with those parameters ->
      `hard_swish`;
    * `x * 0.5 * (1 + erf(x / sqrt(2)))` in any association order ->
      `gelu_erf`;
    * `0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))` ->
      `gelu_tanh`;
    * `max(x, 0)` -> `relu`, `min(max(x, a), b)` -> `clip`.
    Intermediate values must have no other users.
  }];
  let dependentDialects = ["::whittle::wt::WhittleDialect"];
}

def WhittleRecognizeAttentionPass
    : Pass<"whittle-recognize-attention", "mlir::func::FuncOp"> {
  let summary = "Turn MatMul -> scale -> mask -> Softmax -> MatMul into whittle.attention";
  let description = [{
    `softmax(q x k^T * scale + mask) x v`, with the scale as a Mul or Div by
    a scalar constant (before or after the mask, or absent) and the
    additive mask optional, becomes one `whittle.attention`. The scores and
    probabilities must have no other users.
  }];
  let dependentDialects = ["::whittle::wt::WhittleDialect"];
}

def WhittleRecognizeLayerNormPass
    : Pass<"whittle-recognize-layer-norm", "mlir::func::FuncOp"> {
  let summary = "Turn the ReduceMean/Sub/Pow/Sqrt/Div form into whittle.layer_norm";
  let description = [{
    `(x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps) * gamma + beta` over
    the trailing axes, with the square as Pow 2 or a self-Mul, the division
    as Div or a Mul by Reciprocal, and gamma / beta optional, becomes one
    `whittle.layer_norm`.
  }];
  let dependentDialects = ["::whittle::wt::WhittleDialect"];
}

def WhittleRecognizeSoftmaxPass
    : Pass<"whittle-recognize-softmax", "mlir::func::FuncOp"> {
  let summary = "Turn exp / sum(exp) forms into whittle.softmax";
  let description = [{
    `exp(x - max(x)) / sum(exp(x - max(x)))` and `exp(x) / sum(exp(x))`
    along one axis become `whittle.softmax`; `x - max - log(sum(exp(x -
    max)))` becomes its log form.
  }];
  let dependentDialects = ["::whittle::wt::WhittleDialect"];
}

def WhittleRemoveNoOpsPass
    : Pass<"whittle-remove-no-ops", "mlir::func::FuncOp"> {
  let summary = "Remove ops that leave their input unchanged";
  let description = [{
    Casts to the same type, reshapes to the same shape, identity transposes,
    transpose pairs (composed, and gone when they cancel), reshape chains
    (one reshape), `x + 0`, `x - 0`, `x * 1`, `x / 1` with a splat constant
    that does not broadcast `x`, whole-tensor slices, one-input concats and
    zero pads. (ONNX Identity and Dropout in inference are already their
    input after legalization.)
  }];
  let dependentDialects = ["::whittle::wt::WhittleDialect"];
}

#endif // WHITTLE_PASSES_PASSES
