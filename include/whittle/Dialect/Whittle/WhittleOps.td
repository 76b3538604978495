//===- WhittleOps.td - whittle dialect ops -----------------*- tablegen -*-===//
//
// The optimizer's op set. Conventions shared by every op:
//   * tensors are NC[spatial] for conv and pool (layout passes change that
//     with explicit transposes, not hidden attributes);
//   * elementwise ops broadcast their operands numpy-style to the result;
//   * axes in attributes are normalized to be non-negative;
//   * static facts live in attributes, shapes known only at run time come
//     in as optional 1-D i64 shape operands.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_DIALECT_WHITTLE_WHITTLEOPS_TD
#define WHITTLE_DIALECT_WHITTLE_WHITTLEOPS_TD

include "whittle/Dialect/Whittle/WhittleBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def Whittle_ConstantOp : Whittle_Op<"constant", [ConstantLike, Pure,
    AllTypesMatch<["value", "output"]>]> {
  let summary = "A constant tensor (weights, folded shapes)";
  let description = [{
    Holds weights and folded values. Large weights stay in
    `dense_resource` blobs so that they are never copied per element.

    ```mlir
    %w = whittle.constant dense_resource<conv1.weight> : tensor<64x3x7x7xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = "attr-dict $value";
  let builders = [OpBuilder<(ins "::mlir::ElementsAttr":$value), [{
    build($_builder, $_state, value.getType(), value);
  }]>];
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Convolution and matmul
//===----------------------------------------------------------------------===//

def Whittle_ConvOp : Whittle_Op<"conv", [Pure, AttrSizedOperandSegments]> {
  let summary = "N-d grouped convolution with an optional fused epilogue";
  let description = [{
    `output = epilogue(conv(input, filter) + bias + residual)`.

    `input` is N x C x D1..Dk, `filter` is M x C/groups x K1..Kk, `bias` is M,
    `residual` has the shape of the output. `pads` holds the k leading pads
    followed by the k trailing ones. Element types may be floats, integers or
    `quant` uniform types.

    With `channels_last` (set by `whittle-propagate-layout`, never by the
    legalization) the channels are the innermost dim everywhere: `input`
    is N x D1..Dk x C, `filter` K1..Kk x C/groups x M, the result (and
    `residual`) N x O1..Ok x M.
  }];
  let arguments = (ins Whittle_Tensor:$input, Whittle_Tensor:$filter,
                   Optional<Whittle_Tensor>:$bias,
                   Optional<Whittle_Tensor>:$residual,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                   DenseI64ArrayAttr:$pads,
                   DefaultValuedAttr<I64Attr, "1">:$groups,
                   OptionalAttr<Whittle_EpilogueAttr>:$epilogue,
                   UnitAttr:$channels_last);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $filter (`bias` $bias^)? (`residual` $residual^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Whittle_ConvTransposeOp : Whittle_Op<"conv_transpose", [Pure]> {
  let summary = "N-d transposed (fractionally strided) convolution";
  let description = [{
    `input` is N x C x D1..Dk, `filter` is C x M/groups x K1..Kk. The output
    size is given by the result type; `pads` are the k leading then k
    trailing pads removed from the full transposed output.
  }];
  let arguments = (ins Whittle_Tensor:$input, Whittle_Tensor:$filter,
                   Optional<Whittle_Tensor>:$bias,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                   DenseI64ArrayAttr:$pads,
                   DefaultValuedAttr<I64Attr, "1">:$groups);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $input `,` $filter (`bias` $bias^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Whittle_MatmulOp : Whittle_Op<"matmul", [Pure, AttrSizedOperandSegments]> {
  let summary = "Batched matrix product with an optional fused epilogue";
  let description = [{
    `output = epilogue(op(lhs) x op(rhs) + bias + residual)` where `op`
    transposes the two innermost dimensions when `transpose_lhs` /
    `transpose_rhs` is set. Batch dimensions broadcast numpy-style; a rank-1
    operand is a vector as in ONNX MatMul. `bias` broadcasts to the output.
    Gemm, MatMul and fully connected layers all become this op.
  }];
  let arguments = (ins Whittle_Tensor:$lhs, Whittle_Tensor:$rhs,
                   Optional<Whittle_Tensor>:$bias,
                   Optional<Whittle_Tensor>:$residual,
                   UnitAttr:$transpose_lhs, UnitAttr:$transpose_rhs,
                   OptionalAttr<Whittle_EpilogueAttr>:$epilogue);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs (`bias` $bias^)? (`residual` $residual^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Whittle_EinsumOp : Whittle_Op<"einsum", [Pure]> {
  let summary = "Sum of products over named indices (explicit Einsum)";
  let description = [{
    `equation` is explicit and without ellipses, e.g. `bij,bjk->bik`: one
    lower-case letter per dimension of each input, and `->` then the
    result's letters. Letters missing from the result are summed over; a
    letter repeated within one input reads its diagonal.
  }];
  let arguments = (ins Variadic<Whittle_Tensor>:$inputs, StrAttr:$equation);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $equation $inputs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

def Whittle_UnaryOp : Whittle_Op<"unary", [Pure]> {
  let summary = "Elementwise function of one tensor";
  let description = [{
    Parameters, where the function takes any:
    `leaky_relu`/`elu`/`celu`/`thresholded_relu`: `alpha`;
    `selu`: `alpha`, `beta` (= gamma);
    `hard_sigmoid`: `max(0, min(1, alpha * x + beta))`;
    `clip`: `alpha` = lower bound, `beta` = upper bound (absent = unbounded);
    `shrink`: `alpha` = lambd, `beta` = bias.
    `is_nan`, `is_inf` and `logical_not` produce i1.
  }];
  let arguments = (ins Whittle_Tensor:$input, Whittle_UnaryFnAttr:$fn,
                   OptionalAttr<F32Attr>:$alpha, OptionalAttr<F32Attr>:$beta);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $fn $input attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Whittle_BinaryOp : Whittle_Op<"binary", [Pure]> {
  let summary = "Elementwise function of two tensors, with broadcasting";
  let description = [{
    Operands broadcast numpy-style to the result shape. Comparisons
    (`eq`, `lt`, `le`, `gt`, `ge`) produce i1; `prelu` is
    `lhs < 0 ? lhs * rhs : lhs`.
  }];
  let arguments = (ins Whittle_Tensor:$lhs, Whittle_Tensor:$rhs,
                   Whittle_BinaryFnAttr:$fn);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $fn $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Whittle_SelectOp : Whittle_Op<"select", [Pure]> {
  let summary = "Elementwise choice between two tensors (ONNX Where)";
  let arguments = (ins TensorOf<[I1]>:$condition, Whittle_Tensor:$on_true,
                   Whittle_Tensor:$on_false);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $condition `,` $on_true `,` $on_false attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Whittle_CastOp : Whittle_Op<"cast", [Pure]> {
  let summary = "Elementwise conversion to the result's element type";
  let arguments = (ins Whittle_Tensor:$input);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

def Whittle_QuantizedTensor : TensorOf<[quant_QuantizedType]>;

def Whittle_QuantizeOp : Whittle_Op<"quantize", [Pure]> {
  let summary = "Float tensor to the result's uniform quantized type";
  let description = [{
    `q = clamp(round(x / scale) + zero_point, storage_min, storage_max)`
    with the scale and zero point of the result's `!quant.uniform` type
    (per tensor or per axis). Rounding is half to even, as ONNX's
    QuantizeLinear.
  }];
  let arguments = (ins Whittle_FloatTensor:$input);
  let results = (outs Whittle_QuantizedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Whittle_DequantizeOp : Whittle_Op<"dequantize", [Pure]> {
  let summary = "Uniform quantized tensor to its expressed float type";
  let description = [{ `x = (q - zero_point) * scale`. }];
  let arguments = (ins Whittle_QuantizedTensor:$input);
  let results = (outs Whittle_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Whittle_StorageCastOp : Whittle_Op<"storage_cast", [Pure]> {
  let summary = "Reinterprets raw integers as a quantized type, or back";
  let description = [{
    ONNX carries quantized data as plain int8/uint8/int32 tensors next to
    their scales; the whittle dialect carries `!quant.uniform` types. This
    op changes only the type: the storage integers must have the quantized
    type's width and signedness. Pairs of casts fold away.

    It also casts a sign-typed integer tensor (`ui8`, `si32`) to the
    signless integers of the same width, or back: code generation computes
    on that signless view, since arith takes signless integers only.

    And it views a string tensor as the i64 pointers code holds, or back.
  }];
  let arguments = (ins Whittle_Tensor:$input);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Reductions and normalization
//===----------------------------------------------------------------------===//

def Whittle_ReduceOp : Whittle_Op<"reduce", [Pure]> {
  let summary = "Reduction over a set of axes";
  let arguments = (ins Whittle_Tensor:$input, Whittle_ReduceFnAttr:$fn,
                   DenseI64ArrayAttr:$axes, UnitAttr:$keep_dims);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $fn $input attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Whittle_DynamicReduceOp : Whittle_Op<"dynamic_reduce", [Pure]> {
  let summary = "Reduction over axes known only at run time";
  let description = [{
    ONNX ReduceSum with a non-constant `axes` input (1-D; negative axes
    count from the end). The result's static shape is the model's; the
    run-time axes decide which input dims fold into each result element.
    With `noop_with_empty_axes`, empty axes leave the input unchanged;
    without it, empty axes reduce every dim.
  }];
  let arguments = (ins Whittle_Tensor:$input, Whittle_IndexTensor:$axes,
                   Whittle_ReduceFnAttr:$fn, UnitAttr:$keep_dims,
                   UnitAttr:$noop_with_empty_axes);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $fn $input `axes` $axes attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Whittle_CumSumOp : Whittle_Op<"cumsum", [Pure,
    AllTypesMatch<["input", "output"]>]> {
  let summary = "Running sum along one axis";
  let description = [{
    ONNX CumSum. The axis is the `axis` attribute, or, when the model gives
    it only at run time, the one-element `axis_value` operand (negative
    counts from the end). `exclusive` leaves each element out of its own
    sum; `reverse` runs from the end of the axis.
  }];
  let arguments = (ins Whittle_Tensor:$input,
                   Optional<Whittle_IndexTensor>:$axis_value,
                   DefaultValuedAttr<I64Attr, "0">:$axis, UnitAttr:$exclusive,
                   UnitAttr:$reverse);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $input (`axis` $axis_value^ `:` type($axis_value))? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def Whittle_StringNormalizeOp : Whittle_Op<"string_normalize", [Pure]> {
  let summary = "Drops stopwords and changes the case of strings";
  let description = [{
    ONNX StringNormalizer on [C] or [1, C] strings. Elements equal to a
    stopword (ignoring ASCII case unless `case_sensitive`) are dropped; the
    rest keep their order and are lower- or upper-cased (`case_change` 0
    none, 1 lower, 2 upper; ASCII letters). The result's last dim is the
    number left, or 1 holding "" when none is. A different count than the
    result type's fails the run.
  }];
  let arguments = (ins Whittle_StringTensor:$input, I64Attr:$case_change,
                   UnitAttr:$case_sensitive, StrArrayAttr:$stopwords);
  let results = (outs Whittle_StringTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
}

def Whittle_NgramCountOp : Whittle_Op<"ngram_count", [Pure]> {
  let summary = "Counts of pooled integer n-grams in each row (TfIdfVectorizer)";
  let description = [{
    Input [N] or [B, N] integers; output [O] or [B, O] floats. The pool
    holds the n-grams to count, grouped by length: `pool_starts[g]` is where
    the (g + 1)-grams start in `pool`. Entry e of the pool counts into output
    column `columns[e]`. An n-gram of length n in [min_gram, max_gram] is n
    tokens at positions i, i + s + 1, .., for every skip s in [0, max_skip]
    (unigrams once).
  }];
  let arguments = (ins TensorOf<[AnySignlessInteger]>:$input, I64Attr:$min_gram,
                   I64Attr:$max_gram, I64Attr:$max_skip, DenseI64ArrayAttr:$pool,
                   DenseI64ArrayAttr:$pool_starts, DenseI64ArrayAttr:$columns);
  let results = (outs TensorOf<[AnyFloat]>:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Whittle_NonZeroOp : Whittle_Op<"nonzero", [Pure]> {
  let summary = "Coordinates of the non-zero elements, in row-major order";
  let description = [{
    ONNX NonZero: output [rank, K] (int64) where K, the number of non-zero
    elements, depends on the data; the result type fixes it, and a run
    finding another count fails with a message.
  }];
  let arguments = (ins Whittle_Tensor:$input);
  let results = (outs TensorOf<[I64]>:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Whittle_TopKOp : Whittle_Op<"top_k", [Pure]> {
  let summary = "The k largest (or smallest) elements along one axis, in order";
  let description = [{
    ONNX TopK. `k` is the size of the results along `axis`. Values come out
    sorted, best first; equal values keep their input order (the lower index
    first), as ONNX asks. `indices` are positions along `axis`.
  }];
  let arguments = (ins Whittle_Tensor:$input, I64Attr:$axis, UnitAttr:$smallest);
  let results = (outs Whittle_Tensor:$values, TensorOf<[I64]>:$indices);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($values) `,` type($indices)
  }];
  let hasVerifier = 1;
}

def Whittle_DetOp : Whittle_Op<"det", [Pure]> {
  let summary = "Determinant of the trailing square matrices";
  let description = [{
    ONNX Det: input [..., M, M], output [...]. LU decomposition with partial
    pivoting per matrix.
  }];
  let arguments = (ins Whittle_Tensor:$input);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Whittle_ArgReduceOp : Whittle_Op<"arg_reduce", [Pure]> {
  let summary = "Index of the maximum or minimum along one axis";
  let arguments = (ins Whittle_Tensor:$input, Whittle_ReduceFnAttr:$fn,
                   I64Attr:$axis, UnitAttr:$keep_dims,
                   UnitAttr:$select_last_index);
  let results = (outs TensorOf<[I64]>:$output);
  let assemblyFormat = [{
    $fn $input attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Whittle_SoftmaxOp : Whittle_Op<"softmax", [Pure,
    AllTypesMatch<["input", "output"]>]> {
  let summary = "Softmax (or log-softmax) along one axis";
  let arguments = (ins Whittle_FloatTensor:$input, I64Attr:$axis,
                   UnitAttr:$log);
  let results = (outs Whittle_FloatTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Whittle_AttentionOp : Whittle_Op<"attention", [Pure]> {
  let summary = "Scaled dot-product attention: softmax(q k^T * scale + mask) v";
  let description = [{
    `query` is [..., Sq, D], `key` [..., Sk, D] (or [..., D, Sk] with
    `key_transposed`), `value` [..., Sk, Dv]; the result is [..., Sq, Dv].
    The leading (batch, head) dims of the three agree. `mask`, when given,
    is added to the scaled scores and broadcasts numpy-style to
    [..., Sq, Sk]; the softmax runs along Sk.

    ```mlir
    %o = whittle.attention %q, %k, %v mask %m {scale = 0.125 : f32, key_transposed}
        : (tensor<1x12x128x64xf32>, tensor<1x12x64x128xf32>, tensor<1x12x128x64xf32>,
           tensor<1x1x1x128xf32>) -> tensor<1x12x128x64xf32>
    ```
  }];
  let arguments = (ins Whittle_FloatTensor:$query, Whittle_FloatTensor:$key,
                   Whittle_FloatTensor:$value, Optional<Whittle_FloatTensor>:$mask,
                   F32Attr:$scale, UnitAttr:$key_transposed);
  let results = (outs Whittle_FloatTensor:$output);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` $mask^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Whittle_BatchNormOp : Whittle_Op<"batch_norm", [Pure,
    AllTypesMatch<["input", "output"]>]> {
  let summary = "Inference-mode batch normalization over channel axis 1";
  let description = [{
    `output = (input - mean) / sqrt(variance + epsilon) * scale + bias`,
    every parameter a vector over the channel axis.
  }];
  let arguments = (ins Whittle_FloatTensor:$input, Whittle_FloatTensor:$scale,
                   Whittle_FloatTensor:$bias, Whittle_FloatTensor:$mean,
                   Whittle_FloatTensor:$variance, F32Attr:$epsilon);
  let results = (outs Whittle_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $scale `,` $bias `,` $mean `,` $variance attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Whittle_LayerNormOp : Whittle_Op<"layer_norm", [Pure]> {
  let summary = "Normalization over the trailing axes from `axis` on";
  let arguments = (ins Whittle_FloatTensor:$input, Whittle_FloatTensor:$scale,
                   Optional<Whittle_FloatTensor>:$bias, I64Attr:$axis,
                   F32Attr:$epsilon);
  let results = (outs Whittle_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $scale (`bias` $bias^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

def Whittle_PoolOp : Whittle_Op<"pool", [Pure]> {
  let summary = "Windowed max/average/Lp pooling over the spatial axes";
  let description = [{
    Input N x C x D1..Dk. `pads` are k leading then k trailing pads; with
    `ceil_mode` the output size rounds up. Average pooling divides by the
    whole window when `count_include_pad` is set, else by the valid part.
    Global pooling is a `whittle.reduce` instead.

    With `channels_last` (set by `whittle-propagate-layout`) the input and
    result are N x D1..Dk x C.
  }];
  let arguments = (ins Whittle_Tensor:$input, Whittle_PoolFnAttr:$fn,
                   DenseI64ArrayAttr:$kernel, DenseI64ArrayAttr:$strides,
                   DenseI64ArrayAttr:$dilations, DenseI64ArrayAttr:$pads,
                   UnitAttr:$ceil_mode, UnitAttr:$count_include_pad,
                   DefaultValuedAttr<I64Attr, "2">:$p, UnitAttr:$channels_last);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $fn $input attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Whittle_MaxPoolIndicesOp : Whittle_Op<"max_pool_indices", [Pure]> {
  let summary = "Max pooling that also gives where each maximum was";
  let description = [{
    ONNX MaxPool's second output. `indices` are flat positions in the
    (unpadded) input, ((n * C + c) * D1 + d1) * D2 + d2 .. row-major, or with
    `column_major` the spatial dims counted first-fastest. The first maximum
    of a window wins.
  }];
  let arguments = (ins Whittle_Tensor:$input, DenseI64ArrayAttr:$kernel,
                   DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$dilations,
                   DenseI64ArrayAttr:$pads, UnitAttr:$column_major);
  let results = (outs Whittle_Tensor:$output, TensorOf<[I64]>:$indices);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($output) `,` type($indices)
  }];
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Whittle_ReshapeOp : Whittle_Op<"reshape", [Pure]> {
  let summary = "Reinterprets a tensor with another shape";
  let description = [{
    The result type gives the new shape. With a `shape` operand, the shape is
    computed at run time with ONNX Reshape's rules: -1 infers one dimension
    from the element count and 0 copies the input's dimension (unless
    `allow_zero`). Without one, at most one result dimension may be dynamic
    and it is inferred from the element count, which covers Flatten, Squeeze
    and Unsqueeze on dynamic batches.
  }];
  let arguments = (ins Whittle_Tensor:$input,
                   Optional<Whittle_ShapeTensor>:$shape, UnitAttr:$allow_zero);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $input (`shape` $shape^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Whittle_TransposeOp : Whittle_Op<"transpose", [Pure]> {
  let summary = "Permutes the dimensions of a tensor";
  let arguments = (ins Whittle_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Whittle_ConcatOp : Whittle_Op<"concat", [Pure]> {
  let summary = "Joins tensors along one axis";
  let arguments = (ins Variadic<Whittle_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $inputs attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Whittle_SplitOp : Whittle_Op<"split", [Pure]> {
  let summary = "Cuts a tensor into consecutive pieces along one axis";
  let arguments = (ins Whittle_Tensor:$input, I64Attr:$axis,
                   DenseI64ArrayAttr:$sizes);
  let results = (outs Variadic<Whittle_Tensor>:$outputs);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($outputs)
  }];
  let hasVerifier = 1;
}

def Whittle_SliceOp : Whittle_Op<"slice", [Pure]> {
  let summary = "Strided slice with static bounds on every dimension";
  let description = [{
    One entry per input dimension, with ONNX Slice's meaning: a negative
    start or end counts from the end of the dimension, both are clamped to
    the dimension (to [0, dim] for positive steps, [-1, dim - 1] for
    negative ones), and the step may be negative. Bounds of dynamic
    dimensions are resolved at run time the same way, so slicing a
    dynamic dimension needs no shape computation in the IR.
  }];
  let arguments = (ins Whittle_Tensor:$input, DenseI64ArrayAttr:$starts,
                   DenseI64ArrayAttr:$ends, DenseI64ArrayAttr:$steps);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Whittle_DynamicSliceOp : Whittle_Op<"dynamic_slice", [Pure,
    AttrSizedOperandSegments]> {
  let summary = "A slice whose starts, axes and steps are known at run time";
  let description = [{
    ONNX Slice with non-constant parameters: `starts`, and optionally `axes`
    (default 0, 1, ..) and `steps` (default 1), are 1-D tensors of equal
    length. Starts are made non-negative and clamped as ONNX specifies
    (to [0, dim] for positive steps, [0, dim - 1] for negative ones). The
    result's static shape gives the element count along every dim, so the
    ends are not needed; each result element reads
    `input[start_d + i_d * step_d]`.
  }];
  let arguments = (ins Whittle_Tensor:$input, Whittle_IndexTensor:$starts,
                   Optional<Whittle_IndexTensor>:$axes,
                   Optional<Whittle_IndexTensor>:$steps);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $input `starts` $starts (`axes` $axes^)? (`steps` $steps^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Whittle_PadOp : Whittle_Op<"pad", [Pure, AttrSizedOperandSegments]> {
  let summary = "Pads a tensor (constant, reflect, edge or wrap)";
  let description = [{
    `pads` holds the leading pads of every dimension followed by the trailing
    ones; negative pads crop. `value` is the fill for constant mode. Pads
    known only at run time come as the `pad_values` operand (1-D i64, the
    same order) with `pads` empty; the result's static shape then gives the
    sizes, and only the leading pads are read.
  }];
  let arguments = (ins Whittle_Tensor:$input, Whittle_PadModeAttr:$mode,
                   DenseI64ArrayAttr:$pads,
                   Optional<Whittle_Tensor>:$value,
                   Optional<1DTensorOf<[I64]>>:$pad_values);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $mode $input (`value` $value^)? (`pads` $pad_values^)? attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Whittle_ResizeOp : Whittle_Op<"resize", [Pure]> {
  let summary = "Resamples the spatial dimensions to the result's shape";
  let description = [{
    `coordinate_mode` is ONNX's coordinate_transformation_mode,
    `nearest_mode` its rounding for nearest; `scales` are the per-dimension
    scale factors when the model gave them as constants (they change the
    coordinate map of some modes), empty otherwise. Scales known only at run
    time come as the `scale_values` operand (1-D f32, one per dimension);
    the result's static shape still fixes the output size, and dimensions
    whose size stays are not resampled. Cubic uses `cubic_coeff_a` and,
    with `exclude_outside`, renormalizes the weights of in-range taps.
  }];
  let arguments = (ins Whittle_Tensor:$input, Whittle_ResizeModeAttr:$mode,
                   StrAttr:$coordinate_mode,
                   DefaultValuedStrAttr<StrAttr, "round_prefer_floor">:$nearest_mode,
                   DefaultValuedAttr<F32Attr, "-0.75">:$cubic_coeff_a,
                   UnitAttr:$exclude_outside,
                   OptionalAttr<DenseF32ArrayAttr>:$scales,
                   Optional<1DTensorOf<[F32]>>:$scale_values);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $mode $input (`scales` $scale_values^ `:` type($scale_values))? attr-dict
    `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Whittle_GridSampleOp : Whittle_Op<"grid_sample", [Pure]> {
  let summary = "Samples N x C x H x W at the locations of a flow field";
  let description = [{
    ONNX GridSample (PyTorch grid_sample): `grid` is N x Ho x Wo x 2 of
    (x, y) in [-1, 1]; `mode` is bilinear, nearest or bicubic,
    `padding_mode` zeros, border or reflection.
  }];
  let arguments = (ins Whittle_FloatTensor:$input, Whittle_FloatTensor:$grid,
                   StrAttr:$mode, StrAttr:$padding_mode, UnitAttr:$align_corners);
  let results = (outs Whittle_FloatTensor:$output);
  let assemblyFormat = [{
    $mode $input `[` $grid `]` attr-dict `:` functional-type(operands, results)
  }];
}

def Whittle_GatherOp : Whittle_Op<"gather", [Pure]> {
  let summary = "Takes slices along one axis at the given indices";
  let description = [{
    ONNX Gather: the result shape is `input[:axis] ++ indices ++
    input[axis+1:]`; negative indices count from the end.
  }];
  let arguments = (ins Whittle_Tensor:$input, Whittle_IndexTensor:$indices,
                   I64Attr:$axis);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $input `[` $indices `]` attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Whittle_GatherElementsOp : Whittle_Op<"gather_elements", [Pure]> {
  let summary = "Picks one element along an axis for every index";
  let description = [{
    ONNX GatherElements: the result has the shape of `indices`, and
    `out[i..] = input[i.. with dim axis = indices[i..]]`; negative indices
    count from the end.
  }];
  let arguments = (ins Whittle_Tensor:$input, Whittle_IndexTensor:$indices,
                   I64Attr:$axis);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $input `[` $indices `]` attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Whittle_GatherNdOp : Whittle_Op<"gather_nd", [Pure]> {
  let summary = "Takes slices at index tuples (ONNX GatherND)";
  let description = [{
    The last dim of `indices` holds tuples of `m` indices into the dims of
    `input` after the first `batch_dims`; the result is
    `indices.shape[:-1] ++ input.shape[batch_dims + m:]`.
  }];
  let arguments = (ins Whittle_Tensor:$input, Whittle_IndexTensor:$indices,
                   I64Attr:$batch_dims);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $input `[` $indices `]` attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Whittle_ScatterElementsOp : Whittle_Op<"scatter_elements", [Pure,
    AllTypesMatch<["data", "output"]>]> {
  let summary = "Writes updates at per-element indices along an axis";
  let description = [{
    ONNX ScatterElements: a copy of `data` where, in index order, each
    `updates[i..]` is written (or combined by `reduction`) at `i..` with dim
    `axis` replaced by `indices[i..]`.
  }];
  let arguments = (ins Whittle_Tensor:$data, Whittle_IndexTensor:$indices,
                   Whittle_Tensor:$updates, I64Attr:$axis,
                   Whittle_ScatterReductionAttr:$reduction);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $reduction $data `[` $indices `]` `,` $updates attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Whittle_ScatterNdOp : Whittle_Op<"scatter_nd", [Pure,
    AllTypesMatch<["data", "output"]>]> {
  let summary = "Writes slices at index tuples (ONNX ScatterND)";
  let description = [{
    A copy of `data` where, in index order, each slice
    `updates[i..]` (of shape `data.shape[m:]`) is written, or combined by
    `reduction`, at the tuple `indices[i.., :]` of length `m`.
  }];
  let arguments = (ins Whittle_Tensor:$data, Whittle_IndexTensor:$indices,
                   Whittle_Tensor:$updates,
                   Whittle_ScatterReductionAttr:$reduction);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $reduction $data `[` $indices `]` `,` $updates attr-dict
    `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Whittle_ShapeOfOp : Whittle_Op<"shape_of", [Pure]> {
  let summary = "The shape of a tensor as a 1-D i64 tensor";
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs Whittle_ShapeTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Whittle_BroadcastOp : Whittle_Op<"broadcast", [Pure]> {
  let summary = "Broadcasts a tensor numpy-style to a larger shape";
  let description = [{
    ONNX Expand, and ConstantOfShape of a run-time shape (the broadcast of a
    scalar). Without `shape`, the result type is static and gives the shape.
  }];
  let arguments = (ins Whittle_Tensor:$input,
                   Optional<Whittle_ShapeTensor>:$shape);
  let results = (outs Whittle_Tensor:$output);
  let assemblyFormat = [{
    $input (`shape` $shape^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Recurrent
//===----------------------------------------------------------------------===//

def Whittle_GruOp : Whittle_Op<"gru", [Pure, AttrSizedOperandSegments,
    AttrSizedResultSegments]> {
  let summary = "GRU over a sequence (ONNX GRU, layout 0)";
  let description = [{
    As ONNX GRU with `layout = 0`: X is seq x batch x input, W is
    dirs x 3H x input, R is dirs x 3H x H, B is dirs x 6H, gates in z, r, h
    order. Activations are f, g per direction. With
    `linear_before_reset`, the reset gate multiplies H R_h^T + Rb_h instead
    of H.
  }];
  let arguments = (ins Whittle_FloatTensor:$x, Whittle_FloatTensor:$w,
                   Whittle_FloatTensor:$r, Optional<Whittle_FloatTensor>:$b,
                   Optional<Whittle_IndexTensor>:$sequence_lens,
                   Optional<Whittle_FloatTensor>:$initial_h,
                   Whittle_RnnDirectionAttr:$direction, I64Attr:$hidden_size,
                   StrArrayAttr:$activations, OptionalAttr<F32Attr>:$clip,
                   UnitAttr:$linear_before_reset);
  let results = (outs Optional<Whittle_FloatTensor>:$y,
                      Optional<Whittle_FloatTensor>:$y_h);
  let hasVerifier = 1;
}

def Whittle_RnnOp : Whittle_Op<"rnn", [Pure, AttrSizedOperandSegments,
    AttrSizedResultSegments]> {
  let summary = "Simple RNN over a sequence (ONNX RNN, layout 0)";
  let description = [{
    `H_t = f(X_t W^T + H_{t-1} R^T + Wb + Rb)`; W is dirs x H x input, R is
    dirs x H x H, B is dirs x 2H; one activation per direction.
  }];
  let arguments = (ins Whittle_FloatTensor:$x, Whittle_FloatTensor:$w,
                   Whittle_FloatTensor:$r, Optional<Whittle_FloatTensor>:$b,
                   Optional<Whittle_IndexTensor>:$sequence_lens,
                   Optional<Whittle_FloatTensor>:$initial_h,
                   Whittle_RnnDirectionAttr:$direction, I64Attr:$hidden_size,
                   StrArrayAttr:$activations, OptionalAttr<F32Attr>:$clip);
  let results = (outs Optional<Whittle_FloatTensor>:$y,
                      Optional<Whittle_FloatTensor>:$y_h);
  let hasVerifier = 1;
}

def Whittle_LstmOp : Whittle_Op<"lstm", [Pure, AttrSizedOperandSegments,
    AttrSizedResultSegments]> {
  let summary = "LSTM over a sequence (ONNX LSTM, layout 0)";
  let description = [{
    Operands and results as ONNX LSTM with `layout = 0`: X is
    seq x batch x input, W is dirs x 4H x input, R is dirs x 4H x H, B is
    dirs x 8H, gates in i, o, f, c order. Activations are f, g, h per
    direction.
  }];
  let arguments = (ins Whittle_FloatTensor:$x, Whittle_FloatTensor:$w,
                   Whittle_FloatTensor:$r, Optional<Whittle_FloatTensor>:$b,
                   Optional<Whittle_IndexTensor>:$sequence_lens,
                   Optional<Whittle_FloatTensor>:$initial_h,
                   Optional<Whittle_FloatTensor>:$initial_c,
                   Optional<Whittle_FloatTensor>:$p,
                   Whittle_RnnDirectionAttr:$direction, I64Attr:$hidden_size,
                   StrArrayAttr:$activations, OptionalAttr<F32Attr>:$clip,
                   UnitAttr:$input_forget);
  let results = (outs Optional<Whittle_FloatTensor>:$y,
                      Optional<Whittle_FloatTensor>:$y_h,
                      Optional<Whittle_FloatTensor>:$y_c);
  let hasVerifier = 1;
}

#endif // WHITTLE_DIALECT_WHITTLE_WHITTLEOPS_TD
