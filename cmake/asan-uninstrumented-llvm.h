/*===- asan-uninstrumented-llvm.h - ASan over Debian's LLVM/MLIR ---------===*
 *
 * Force-included into every C++ file of the sanitizer build. LLVM's
 * allocators (llvm/Support/Allocator.h, Recycler.h) poison and unpoison
 * their slabs when the including file is built with ASan, but Debian's
 * libLLVM.so and libMLIR.so are not: memory that an inline copy in our
 * code poisoned is then handed out by the library's own copy, and ASan
 * reports a use-after-poison that is not one. Declaring the functions
 * first and then making the manual calls no-ops keeps every slab
 * unpoisoned, as the libraries expect; ASan's own checks are unchanged.
 *===----------------------------------------------------------------------===*/
#if defined(__cplusplus) && defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define __asan_poison_memory_region(p, size) ((void)(p), (void)(size))
#define __asan_unpoison_memory_region(p, size) ((void)(p), (void)(size))
#endif
#endif
