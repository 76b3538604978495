//===- ShapePropagation.h - shape values for ONNX inference -----*- C++ -*-===//
//
// Exporters compute reshape targets at run time: Shape -> Gather ->
// Unsqueeze -> Concat -> Reshape. ONNX 1.12's data propagation does not cover
// every opset of these ops, so the Reshape's output often has no shape, or
// no rank. This pass tracks the values of small integer tensors (each
// element known or not) through such chains and writes the output shapes
// of Reshape, Expand and ConstantOfShape into value_info, so that a second
// round of ONNX shape inference can carry them on. The graph itself is not
// changed: the import stays faithful.
//
//===----------------------------------------------------------------------===//

#ifndef WHITTLE_LIB_IMPORT_SHAPEPROPAGATION_H
#define WHITTLE_LIB_IMPORT_SHAPEPROPAGATION_H

#include <onnx/onnx_pb.h>

namespace whittle::detail {

/// Adds or refines value_info entries of `graph`; returns how many.
int propagateShapeValues(::onnx::GraphProto &graph);

} // namespace whittle::detail

#endif // WHITTLE_LIB_IMPORT_SHAPEPROPAGATION_H
