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

def ConvertWhittleToLinalgPass
    : Pass<"convert-whittle-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower whittle ops to linalg, tensor, arith and math";
  let description = [{
    The common CPU path's first step: each whittle op becomes linalg
    structured ops on tensors (linalg.generic for convolution and pooling
    windows of any rank and grouping, linalg.matmul for matrix products,
    elementwise linalg.generic with broadcasting maps), with padding as
    tensor.pad and reshapes as collapse/expand_shape. Sign-typed integers
    (ui8, ...) are computed on a signless view (whittle.storage_cast), with
    unsigned division, comparison and extension where the type asks for
    them; the function's arguments and results are made signless at the
    end. String ops call small helpers linked into every model (declared
    here as private functions with a C interface). Ops it cannot lower
    yet (dynamic shapes in this version) are left alone and reported by
    `whittle compile`.
  }];
  let options = [
    Option<"wideAccumulation", "wide-accumulation", "bool", "false",
           "f32 convolutions and matmuls accumulate in f64, rounding once">,
    Option<"packWeights", "pack-weights", "bool", "true",
           "f32 matmuls and ungrouped channels-last convs with constant "
           "weights read them packed in 16-column panels (marked for "
           "whittle-lower-microkernels)">,
    Option<"winogradTile", "winograd-tile", "int64_t", "0",
           "f32 3x3 stride-1 channels-last convs with constant filters, at "
           "least 32 input and output channels in whole panels and outputs "
           "that fill m x m tiles well, are computed as Winograd "
           "F(m x m, 3 x 3), m up to this (4 or 2; 0: never)">
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::func::FuncDialect"];
}

def TileForThreadsPass : Pass<"whittle-tile-for-threads", "mlir::func::FuncOp"> {
  let summary = "Split large linalg ops into scf.forall chunks for threads";
  let description = [{
    Each linalg op on tensors whose iteration space holds at least
    `min-work` points (16 times that for contractions, reductions over
    products of two or more inputs, whose points are vectorized
    multiply-adds; a one-input reduction such as softmax's row max counts
    like an elementwise op) is tiled along its first parallel
    dimension longer than one into at most `max-chunks` scf.forall
    iterations. The inner loops keep
    their order (the contiguous innermost dimension stays innermost, so the
    loop vectorizer still sees it). After bufferization the foralls become
    scf.parallel and then OpenMP constructs, which the model's own thread
    pool runs: the chunk count is fixed here, the thread count at run time.
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", "1 << 16",
           "Smallest iteration space (points) worth splitting">,
    Option<"maxChunks", "max-chunks", "int64_t", "64",
           "Most chunks per op">,
    Option<"l2Bytes", "l2-bytes", "int64_t", "1 << 20",
           "L2 cache per core: a conv whose filter is larger is split by panels">
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect"];
}

def LowerMicrokernelsPass : Pass<"whittle-lower-microkernels", "mlir::ModuleOp"> {
  let summary = "Register-blocked vector code for packed contractions and Winograd transforms";
  let description = [{
    Runs on buffers, after bufferization and thread tiling. Each
    linalg.generic marked `whittle.packed_contraction` (a matmul or
    channels-last conv over weights packed into 16-column panels, see
    include/whittle/Conversion/PackedContraction.h) becomes loops around a
    register tile: `rows` output rows x `panels` weight panels of vector
    accumulators, loaded once, updated by one fma per vector and reduction
    step (the weight vectors loaded once per step, each input value
    broadcast once per row), and stored once. The tile shape is chosen per
    op from its static extents so the accumulators fill the register file
    (`vector-registers` minus room for operands) and remainder rows and
    panels are few; row and panel remainders get their own smaller tiles.
    A panel group's weights stay within `l2-bytes`; where a full group of
    a conv's would not, the outermost reduction loop (the kernel row) runs
    outside the row tiles, the partial sums continuing in the output.
    Loops: panel groups outermost (a panel group's weights stay in cache
    while every output row uses them), then the other parallel loops, the
    row tiles, and the reductions innermost. Each kernel is a private
    function of its own (`whittle_kernel*`, called where the op was): the
    model's main function stays small for LLVM's OpenMP outlining, whose
    cost grows with it once per parallel region.

    Generics marked `whittle.winograd_input` / `whittle.winograd_output`
    (a Winograd conv's transforms, lib/Conversion/WhittleToLinalg/Winograd.cpp)
    become vector code in kernels of their own: per tile and vector of
    channels, the 1-D transform the attribute carries applied along both
    tile dims, zero coefficients skipped, +-1 ones as additions, then the
    start (bias) and the epilogue. A transform whose tile dims were split
    for threads, or whose channels are not whole vectors, stays a generic.
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "unsigned", "512", "SIMD width in bits">,
    Option<"vectorRegisters", "vector-registers", "unsigned", "32",
           "Vector registers of the target">,
    Option<"l2Bytes", "l2-bytes", "int64_t", "1 << 20",
           "L2 cache per core: the weights a panel group may span">
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect"];
}

def LowerStridedCopiesPass : Pass<"whittle-lower-strided-copies", "mlir::func::FuncOp"> {
  let summary = "Non-contiguous memref.copy as linalg.copy loops";
  let description = [{
    A memref.copy between contiguous buffers lowers to a memcpy; any
    other (the interior of a padded conv input, a slice, a concat operand)
    would call the C runner's element-at-a-time memrefCopy. This pass
    rewrites those copies to linalg.copy, whose loops LLVM vectorizes; a
    copy of 2^16 elements or more outside parallel loops becomes an
    scf.parallel over its first dim longer than one (the model's threads).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect"];
}

def ApproximateMathPass : Pass<"whittle-approximate-math", "mlir::func::FuncOp"> {
  let summary = "Polynomial approximations of f32 exp, erf and tanh";
  let description = [{
    Rewrites f32 `math.exp`, `math.erf` and `math.tanh` (scalar or vector)
    to MLIR's polynomial approximations (range reduction plus a minimax
    polynomial, with the special values kept): arithmetic that the loop
    vectorizer widens, where the math-to-libm fallback would call libm once
    per element.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def CollapseShortRowsPass : Pass<"whittle-collapse-short-rows", "mlir::func::FuncOp"> {
  let summary = "Merge an elementwise loop nest's short inner loops into one";
  let description = [{
    An all-parallel static `linalg.generic` on tensors whose innermost loop
    runs fewer than 64 times (a channels-last tensor with few channels, a
    packed accumulator's 16-column panels) gets its innermost loops merged
    with the loops outside them, as far as every operand reads them
    contiguously (upstream's collapse-dimensions rewrite; operands are
    reshaped, which bufferization turns into views). LLVM unrolls short
    constant loops into scalar code before its loop vectorizer runs; the
    merged loop is long and vectorizes.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def DecomposePadsPass : Pass<"whittle-decompose-pads", "mlir::func::FuncOp"> {
  let summary = "Pad by filling the border and inserting the source";
  let description = [{
    A static `tensor.pad` with a constant padding value becomes a
    `linalg.fill` of each border slab (every border element once) and a
    `tensor.insert_slice` of the source into the interior. Bufferized
    directly, a pad fills its whole result and then copies the source over
    the interior; decomposed, the interior is written once, and
    `eliminate-empty-tensors` lets the source's producer write it in place.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def UnshareEmptyTensorsPass : Pass<"whittle-unshare-empty-tensors", "mlir::func::FuncOp"> {
  let summary = "Give every destination its own tensor.empty";
  let description = [{
    CSE merges equal `tensor.empty` ops (and equal `linalg.fill`s of
    them), so that ops of one shape all name one value as their
    destination. One-shot bufferization then sees a single buffer written
    by all of them: its conflict analysis compares every pair of writes
    and reads of that buffer (compile time cubic in their number: a
    4,000-node chain with a MatMul every 4 nodes took 266 s) and it copies
    to resolve what it finds. This pass clones such a `tensor.empty`, or
    such a fill and its `tensor.empty`, for every group of `max-uses`
    destinations after the first (in program order), placed just before
    the group's first user. Within a group the analysis stays cheap and
    still lets a later op reuse the buffer of an earlier one whose value
    is dead (fewer allocations than one buffer per op).
  }];
  let options = [
    Option<"maxUses", "max-uses", "unsigned", /*default=*/"16",
           "destinations that may share one tensor.empty or fill">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def SplitLongBlocksPass : Pass<"whittle-split-long-blocks", "mlir::func::FuncOp"> {
  let summary = "Cut a function's long blocks into chained blocks of bounded length";
  let description = [{
    Lowering a structured op to branches (scf.for to cf) splits its block
    at the op, which moves every op after it into a new block: a function
    body of n loop nests in one block costs n^2 moves (a 4,000-node graph
    spent 6.4 s in convert-scf-to-cf). This pass cuts each block of the
    function's body longer than `max-ops` into blocks of at most `max-ops`
    ops joined by `cf.br`, so that every later split moves a bounded
    number of ops. LLVM merges the blocks again.
  }];
  let options = [
    Option<"maxOps", "max-ops", "int64_t", /*default=*/"128",
           "longest block left as it is">,
  ];
  let dependentDialects = ["::mlir::cf::ControlFlowDialect"];
}

def OutlineGraphPartsPass : Pass<"whittle-outline-graph-parts", "mlir::ModuleOp"> {
  let summary = "Move a long graph function's ops into called parts of bounded length";
  let description = [{
    Bufferization's analyses and LLVM's function passes grow faster than
    linearly in the length of one function. A function on tensors whose
    single block holds more than `max-ops` ops (constants not counted) has
    its ops moved, in order, into private functions of at most `max-ops`
    ops each (`<name>_part<k>`, marked noinline), called in turn: values
    that cross a cut become arguments and results, and the constants a
    part reads are cloned into it. Compile time is then linear in the
    number of parts; the code runs one call per part more.
  }];
  let options = [
    Option<"maxOps", "max-ops", "int64_t", /*default=*/"2048",
           "longest function left whole">,
  ];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def EarlyDeallocsPass : Pass<"whittle-early-deallocs", "mlir::func::FuncOp"> {
  let summary = "Free each buffer right after its last use";
  let description = [{
    After the ownership-based buffer deallocation (which frees buffers at
    the end of the block that allocates them), an unconditional
    `memref.dealloc` of a buffer allocated in the same block moves to just
    after the last op of the block that uses the buffer or any memref
    derived from it (views, casts, results of ops that take it). Buffers
    that reach a terminator stay as they are. A model's intermediate
    buffers then live only as long as they are read, and the allocator
    hands their memory to later ones.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

#endif // WHITTLE_CONVERSION_PASSES
