# Whittle's entry points. Every target installs what is missing first.
#
#   make demo    install, build, run the main job on a bundled model
#   make check   install, build, run every test suite (lit + import sweep)
#   make build   install and build (tools in build/bin)

BUILD   ?= build
LLVM    ?= /usr/lib/llvm-22
PYTHON  ?= /usr/bin/python3
JOBS    ?= $(shell nproc)
CMAKE_FLAGS ?=

WHITTLE := $(BUILD)/bin/whittle

.PHONY: all deps configure build demo check check-lit check-conformance-subset check-sweep \
        check-legalize conformance conformance-dynamic conformance-subset docs clean opt-levels bench bench-kernels \
        sanitize-build check-sanitize fuzz

all: build

deps:
	@scripts/deps.sh

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -G Ninja -S . -B $(BUILD) \
	  -DCMAKE_BUILD_TYPE=Release \
	  -DMLIR_DIR=$(LLVM)/lib/cmake/mlir \
	  -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
	  -DLLVM_EXTERNAL_LIT=$(LLVM)/bin/lit $(CMAKE_FLAGS)

configure: deps $(BUILD)/build.ninja

build: configure
	ninja -C $(BUILD) -j $(JOBS) whittle whittle-opt whittle-exec

# The main job: compile the bundled model for this machine, run it on its
# reference inputs, compare with ONNX Runtime's outputs, time it.
DEMO := models/demo_cnn
demo: build
	@echo "== whittle import $(DEMO)/model.onnx --summary"
	@$(WHITTLE) import $(DEMO)/model.onnx --summary
	@echo
	@echo "== whittle compile $(DEMO)/model.onnx --target host -o $(BUILD)/demo_cnn.so"
	@$(WHITTLE) compile $(DEMO)/model.onnx --target host -o $(BUILD)/demo_cnn.so
	@echo "== whittle run (reference outputs from ONNX Runtime)"
	@$(WHITTLE) run $(BUILD)/demo_cnn.so --input-dir $(DEMO)/test_data_set_0
	@echo "== whittle bench"
	@$(WHITTLE) bench $(BUILD)/demo_cnn.so --iters 200

check: build check-lit check-conformance-subset check-sweep check-legalize
	@echo "make check: all suites passed"

check-lit: configure
	ninja -C $(BUILD) -j $(JOBS) check-whittle

# Import and verify every conformance model and bench case; then the same
# with legalization, where every handler's output must verify (operators
# without a handler may stay onnx here).
check-sweep: build
	$(PYTHON) test/sweep/import_sweep.py --whittle $(WHITTLE) \
	  --min-rate 0.99 --must-pass ../shared/bench/cases
	$(PYTHON) test/sweep/import_sweep.py --whittle $(WHITTLE) --legalize \
	  --min-rate 1.0

# Every bench case and every generated standard model must legalize fully.
GEN_MODELS := $(BUILD)/models/mlp.onnx $(BUILD)/models/mobilenetv2.onnx \
              $(BUILD)/models/resnet50.onnx $(BUILD)/models/bert_base.onnx

$(GEN_MODELS): ../shared/bench/gen_models.py
	mkdir -p $(BUILD)/models
	$(PYTHON) ../shared/bench/gen_models.py --out $(BUILD)/models

check-legalize: build $(GEN_MODELS)
	$(PYTHON) test/sweep/legalize_models.py --whittle $(WHITTLE) \
	  ../shared/bench/cases models $(GEN_MODELS)

# The fast conformance subset: every operator that passes in the committed
# x86-avx512 report at least once, compiled and run for this machine.
check-conformance-subset: build
	$(PYTHON) test/conformance/run_conformance.py --whittle $(WHITTLE) --target host \
	  --tests test/conformance/subset.txt

# The full ONNX conformance suite for one target (several minutes; not part
# of make check). Writes docs/conformance/$(TARGET).md. AArch64 targets run
# under qemu-aarch64.
TARGET ?= host
conformance: build
	$(PYTHON) test/conformance/run_conformance.py --whittle $(WHITTLE) --target $(TARGET)

# The same suite with every graph input's dims dynamic (shape-polymorphic
# code run on the test data's sizes): docs/conformance/$(TARGET)-dynamic.md.
conformance-dynamic: build
	$(PYTHON) test/conformance/run_conformance.py --whittle $(WHITTLE) --target $(TARGET) --dynamic

# The sanitizer build (ASan + UBSan, libFuzzer targets) in its own folder,
# then the lit suite on it (the fuzz regression corpus and the runtime tests
# with compiled models included) and each fuzzer for a fixed number of runs.
SAN_BUILD ?= build-san
# Each fuzzer's share of check-sanitize: a fixed seed and a fixed number of
# executions (about 30 s each here), so CI explores the same inputs on
# every run, whatever the machine's speed.
CHECK_FUZZ_IMPORT_RUNS ?= 20000
CHECK_FUZZ_PIPELINE_RUNS ?= 1500
CHECK_FUZZ_RUNTIME_RUNS ?= 200000
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?= 0
FUZZERS := fuzz-import fuzz-pipeline fuzz-runtime
SAN_ENV := ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
           UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

$(SAN_BUILD)/build.ninja: CMakeLists.txt
	cmake -G Ninja -S . -B $(SAN_BUILD) \
	  -DCMAKE_BUILD_TYPE=Release \
	  -DMLIR_DIR=$(LLVM)/lib/cmake/mlir \
	  -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
	  -DLLVM_EXTERNAL_LIT=$(LLVM)/bin/lit -DWHITTLE_SANITIZE=ON -DWHITTLE_FUZZERS=ON

# Build-time tools (onnx-ods-gen) are instrumented too; their leaks at
# exit are not the product's.
sanitize-build: deps $(SAN_BUILD)/build.ninja
	ASAN_OPTIONS=detect_leaks=0 ninja -C $(SAN_BUILD) -j $(JOBS) whittle whittle-opt \
	  whittle-exec $(FUZZERS)

check-sanitize: sanitize-build
	$(SAN_ENV) ninja -C $(SAN_BUILD) -j $(JOBS) check-whittle
	FUZZ_SEED=1 scripts/fuzz.sh $(SAN_BUILD) 0 $(CHECK_FUZZ_IMPORT_RUNS) fuzz-import
	FUZZ_SEED=1 scripts/fuzz.sh $(SAN_BUILD) 0 $(CHECK_FUZZ_PIPELINE_RUNS) fuzz-pipeline
	FUZZ_SEED=1 scripts/fuzz.sh $(SAN_BUILD) 0 $(CHECK_FUZZ_RUNTIME_RUNS) fuzz-runtime
	@echo "make check-sanitize: all suites passed"

# Each fuzzer for FUZZ_SECONDS (or FUZZ_RUNS executions), from its kept
# corpus and the seeds (scripts/fuzz.sh).
fuzz: sanitize-build
	scripts/fuzz.sh $(SAN_BUILD) $(FUZZ_SECONDS) $(FUZZ_RUNS)

# Re-chooses the fast subset from the committed x86-avx512 report.
conformance-subset:
	$(PYTHON) test/conformance/run_conformance.py \
	  --write-subset test/conformance/subset.txt \
	  --from-report docs/conformance/x86-avx512.md

docs: configure
	ninja -C $(BUILD) mlir-doc

clean:
	rm -rf $(BUILD)

# -O0 vs -O2: latency (1 thread) and outputs per model, the table in
# docs/passes.md. Generates the standard models (ResNet-50, BERT-base, ...)
# into $(BUILD)/models first.
opt-levels: build
	$(PYTHON) ../shared/bench/gen_models.py --out $(BUILD)/models > /dev/null
	$(PYTHON) scripts/opt_levels.py --whittle $(WHITTLE) --models $(BUILD)/models --rounds 3

# Whittle against ONNX Runtime on every bench case and standard model, at
# 1 and 2 threads (installs onnxruntime-node into bench/.ort on first use);
# the table goes to bench/results/<date>-<cpu>.md. BENCH_FLAGS passes
# options on: BENCH_FLAGS="--models resnet50,bert_base --threads 1 --iters 20".
BENCH_FLAGS ?=
bench: build
	$(PYTHON) bench/run_bench.py --whittle $(WHITTLE) $(BENCH_FLAGS)

# The generated GEMM and conv code alone at ResNet-50 and BERT shapes, 1
# thread, as GFLOP/s and % of this core's FMA peak measured in the same run.
bench-kernels: build
	$(PYTHON) bench/kernels.py --whittle $(WHITTLE) --out bench/results/$$(date +%F)-kernels.md
