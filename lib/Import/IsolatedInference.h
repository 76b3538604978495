//===- IsolatedInference.h - ONNX shape inference in a child ----*- C++ -*-===//
//
// ONNX's shape inference (libonnx) reads a model's nodes as they come: on a
// hostile model it indexes dims and dereferences types it never checked
// (a Scan with a malformed body, a Gemm of a rank-1 operand) and crashes.
// Whittle cannot fix the library, so inference runs in a forked child
// process that serves the whole process's imports: a crash or hang there
// ends the child, the import fails with a message instead of the
// compiler crashing, and the next import forks a fresh child.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_LIB_IMPORT_ISOLATEDINFERENCE_H
#define WHITTLE_LIB_IMPORT_ISOLATEDINFERENCE_H

#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <string>

namespace whittle::detail {

enum class InferenceOutcome {
  Done,    ///< the model's graph now carries the inferred types
  Stopped, ///< inference threw (a C++ exception): `message` says why
  Crashed, ///< the child died or hung: `message` says how
};

/// Runs `onnx::shape_inference::InferShapes` on `model` in the child
/// process (at most `seconds` long) and takes back its graph. Initializers
/// above 64 KiB travel as name, type and dims only, and none travels
/// back: the model keeps its own. Safe to call from several threads.
InferenceOutcome inferShapesIsolated(::onnx::ModelProto &model,
                                     const ::onnx::ShapeInferenceOptions &options,
                                     unsigned seconds, std::string &message);

} // namespace whittle::detail

#endif // WHITTLE_LIB_IMPORT_ISOLATEDINFERENCE_H
