# -*- Python -*-
import os

import lit.formats
import shutil
from lit.llvm import llvm_config

config.name = "Whittle"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes_extra = []
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py",
                   "sweep", "mnist-wrong"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.whittle_obj_root, "test")

llvm_config.with_system_environment(["HOME", "TMPDIR", "ASAN_OPTIONS", "UBSAN_OPTIONS",
                                     "LSAN_OPTIONS"])
llvm_config.use_default_substitutions()

# Model builders need Debian's python (it has onnx and numpy).
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))
# C programs built against the runtime (tests of the C ABI and headers).
# In the sanitizer build the runtime library is instrumented: programs that
# link it are built with the same sanitizers.
# (Not the function-type check: the test libraries forge their entry points
# on purpose, as a hostile library would.)
config.substitutions.append(("%cc", os.path.join(config.llvm_tools_dir, "clang") + " " +
                             config.whittle_sanitizer_flags.replace("-fsanitize=fuzzer-no-link", "") +
                             (" -fno-sanitize=function" if config.whittle_sanitizer_flags else "")))
if config.whittle_sanitizer_flags:
    config.available_features.add("sanitizer")
elif shutil.which("valgrind"):
    # Valgrind and a sanitizer runtime do not mix: memcheck runs on the
    # plain build.
    config.available_features.add("valgrind")
config.substitutions.append(("%whittle_include", os.path.join(config.whittle_src_root, "include")))
config.substitutions.append(("%whittle_runtime_lib",
                             os.path.join(config.whittle_obj_root, "lib", "Runtime",
                                          "libwhittle_runtime.a")))

tool_dirs = [config.whittle_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["whittle", "whittle-opt", "whittle-exec", "runtime_test", "dynamic_test",
                                    "fuzz-import-replay", "fuzz-pipeline-replay", "fuzz-runtime-replay",
                                    "hostile_test"], tool_dirs)
llvm_config.add_tool_substitutions(["FileCheck", "not", "count", "llvm-nm"],
                                   [config.llvm_tools_dir])

# End-to-end tests read the bench cases beside the checkout.
if os.path.isdir(os.path.join(config.shared_dir, "bench", "cases")):
    config.available_features.add("shared-bench")
config.substitutions.append(("%shared", config.shared_dir))

# AArch64 models run when whittle-exec was cross-built and qemu is here.
import shutil
if (os.path.exists(os.path.join(config.whittle_tools_dir, "aarch64", "whittle-exec"))
        and shutil.which("qemu-aarch64")):
    config.available_features.add("aarch64-runner")
