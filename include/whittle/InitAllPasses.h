//===- InitAllPasses.h - every pass Whittle registers -----------*- C++ -*-===//

#ifndef WHITTLE_INITALLPASSES_H
#define WHITTLE_INITALLPASSES_H

namespace whittle {

/// Registers Whittle's passes and pipelines plus every upstream MLIR pass.
void registerAllPasses();

} // namespace whittle

#endif // WHITTLE_INITALLPASSES_H
