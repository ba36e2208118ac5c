# ternary.h - build examples, tools and tests.
#   make          examples and tools (-O2: the SIMD paths are chosen at run time)
#   make test     every test configuration (sanitizers, gcc and clang, C++, scalar),
#                 the tools, an independent GGUF reader (node), fuzz-corpus replay, and a real
#                 llama.cpp (node-llama-cpp from npm) running the char-LMs ternary.h trains
#   make fuzz     libFuzzer on every reader (GGUF, checkpoint, safetensors), the model
#                 loader alone, and the tensor/view API (FUZZ_SECONDS=60 each)
#   make test-arm the suite cross-built for aarch64 (NEON, NEON + dotprod, scalar), run under qemu-user
#   make bench    the benchmark table (tools/tn-bench; --json for machines)
#   make clean
CC      ?= cc
CFLAGS  ?= -O2
WARN    := -Wall -Wextra -pedantic -Werror
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# clang: the same checks, recoverable at compile time and made fatal at run time
# (UBSAN_OPTIONS=halt_on_error=1, set by tests/run_all.sh); clang 14 takes over
# ten minutes to optimize the AVX-512 kernels with non-recoverable checks
SAN_CLANG := -fsanitize=address,undefined -fno-omit-frame-pointer
LIBS    := -lm -lpthread
B       := build
HDR     := ternary.h
TESTSRC := tests/run_tests.c tests/tn_test.h $(wildcard tests/test_*.c)

EXAMPLES := $(patsubst examples/%.c,$(B)/%,$(wildcard examples/*.c))
TOOLS    := $(patsubst tools/%.c,$(B)/%,$(wildcard tools/*.c))

all: $(EXAMPLES) $(TOOLS)

$(B):
	@mkdir -p $(B)

$(B)/%: examples/%.c $(HDR) | $(B)
	$(CC) $(CFLAGS) -I. $< -o $@ $(LIBS)

$(B)/%: tools/%.c $(HDR) | $(B)
	$(CC) $(CFLAGS) -I. $< -o $@ $(LIBS)

# -- test configurations -------------------------------------------------
TEST_BINS := $(B)/test-readme $(B)/test-gcc-asan $(B)/test-clang-asan $(B)/test-gcc-scalar $(B)/test-gcc-nodispatch \
             $(B)/test-g++-native $(B)/test-clang++-native $(B)/test-clang-tsan $(B)/test-link $(B)/test-static $(B)/test-oom \
             $(B)/test-noalloc

# gcc and clang as a user builds (no -march: every x86 path compiled in, the
# CPU's chosen at run time; the tests run each path it has), address +
# undefined sanitizers
$(B)/test-gcc-asan: $(HDR) $(TESTSRC) | $(B)
	gcc -std=c99 -O1 -g $(WARN) $(SAN) -I. -Itests tests/run_tests.c -o $@ $(LIBS)
$(B)/test-clang-asan: $(HDR) $(TESTSRC) | $(B)
	clang -std=c99 -O1 -g $(WARN) $(SAN_CLANG) -I. -Itests tests/run_tests.c -o $@ $(LIBS)
# compile-time selection only (what MSVC and old compilers get): the -march=native paths
$(B)/test-gcc-nodispatch: $(HDR) $(TESTSRC) | $(B)
	gcc -std=c99 -O2 -march=native -DTERNARY_NO_DISPATCH $(WARN) -I. -Itests tests/run_tests.c -o $@ $(LIBS)
# the thread pool and every threaded kernel under ThreadSanitizer
$(B)/test-clang-tsan: $(HDR) $(TESTSRC) | $(B)
	clang -std=c99 -O1 -g -march=native $(WARN) -fsanitize=thread -I. -Itests tests/run_tests.c -o $@ $(LIBS)
# scalar reference only, no threads, FMA contraction allowed (the quantizers must not care)
$(B)/test-gcc-scalar: $(HDR) $(TESTSRC) | $(B)
	gcc -std=c99 -O2 -DTERNARY_NO_SIMD -DTERNARY_NO_THREADS -ffp-contract=fast $(WARN) -I. -Itests tests/run_tests.c -o $@ -lm
# the header (and the tests) as C++
$(B)/test-g++-native: $(HDR) $(TESTSRC) | $(B)
	g++ -x c++ -std=c++11 -O2 -march=native -ffp-contract=fast $(WARN) -I. -Itests tests/run_tests.c -o $@ $(LIBS)
# (and AVX-512 without GFNI and VBMI: the shift and multiply ternary unpacking)
$(B)/test-clang++-native: $(HDR) $(TESTSRC) | $(B)
	clang++ -x c++ -std=c++11 -O2 -march=native -DTERNARY_NO_GFNI -DTERNARY_NO_VBMI -ffp-contract=on $(WARN) -I. -Itests tests/run_tests.c -o $@ $(LIBS)
# declarations in one file, implementation in another
$(B)/test-link: $(HDR) tests/link_a.c tests/link_b.c | $(B)
	gcc -std=c99 -O1 $(WARN) -I. tests/link_a.c tests/link_b.c -o $@ $(LIBS)
# two static copies in one program
$(B)/test-oom: $(HDR) tests/oom.c | $(B)
	gcc -std=c99 -O1 -g -march=native $(WARN) $(SAN) -I. tests/oom.c -o $@ $(LIBS)
# training steps allocate nothing once warm (allocation-counting TN_MALLOC)
$(B)/test-noalloc: $(HDR) tests/noalloc.c | $(B)
	gcc -std=c99 -O1 -g $(WARN) $(SAN) -I. tests/noalloc.c -o $@ $(LIBS)
$(B)/test-static: $(HDR) tests/static_one.c tests/static_two.c | $(B)
	gcc -std=c99 -O1 $(WARN) -I. tests/static_one.c tests/static_two.c -o $@ $(LIBS)
	clang -std=c99 -O1 $(WARN) -I. tests/static_one.c tests/static_two.c -o $@ $(LIBS)

# the usage example in README.md must compile and run as written
$(B)/readme_example.c: README.md | $(B)
	awk '/^```c$$/{on=1;next} /^```$$/{on=0} on' README.md > $@
$(B)/test-readme: $(B)/readme_example.c $(HDR)
	gcc -std=c99 -O2 $(WARN) -I. $< -o $@ $(LIBS)

# the first thing to run: the ternary Fashion-MNIST model, then its loss curve
demo: $(B)/mnist $(B)/tn-plot $(B)/hello
	@if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then \
	  ./$(B)/mnist --ternary-only --out mnist && ./$(B)/tn-plot mnist.csv loss.png; \
	else \
	  echo "Fashion-MNIST is not installed; to train on it: sudo apt-get install dataset-fashion-mnist"; \
	  echo "Running the generated-data example (examples/hello.c) instead:"; ./$(B)/hello; \
	fi

# helpers for the tool, interop and fuzz checks
$(B)/make_files: tests/interop/make_files.c $(HDR) | $(B)
	$(CC) $(CFLAGS) -I. $< -o $@ $(LIBS)
$(B)/tn_logits: tests/llamacpp/tn_logits.c $(HDR) | $(B)
	$(CC) $(CFLAGS) -I. $< -o $@ $(LIBS)
$(B)/tn_llm_logits: tests/llamacpp/tn_llm_logits.c tests/llm_models.h $(HDR) | $(B)
	$(CC) $(CFLAGS) -I. -Itests $< -o $@ $(LIBS)
# the file tools under ASan/UBSan/LSan, for the hostile-file checks of tests/tools.sh
# (a leak on an error path, an allocation no input could need)
$(B)/tn-inspect-asan: tools/tn-inspect.c $(HDR) | $(B)
	gcc -std=c99 -O1 -g $(WARN) $(SAN) -I. $< -o $@ $(LIBS)
$(B)/tn-quantize-asan: tools/tn-quantize.c $(HDR) | $(B)
	gcc -std=c99 -O1 -g $(WARN) $(SAN) -I. $< -o $@ $(LIBS)
$(B)/fuzz-seeds-gen: tests/fuzz/seeds.c $(HDR) | $(B)
	$(CC) $(CFLAGS) -I. $< -o $@ $(LIBS)
# every reader, replaying the seed corpus and past fuzz crashes under ASan/UBSan
$(B)/fuzz-replay: tests/fuzz/fuzz_readers.c tests/fuzz/replay_main.h $(HDR) | $(B)
	clang -std=c99 -O1 -g -DTN_FUZZ_MAIN $(WARN) $(SAN_CLANG) -I. $< -o $@ $(LIBS)
# the tensor/view API on fuzzed shapes and strides, replaying tests/fuzz/tensor/
$(B)/fuzz-tensor-replay: tests/fuzz/fuzz_tensor.c tests/fuzz/replay_main.h $(HDR) | $(B)
	clang -std=c99 -O1 -g -DTN_FUZZ_MAIN $(WARN) $(SAN_CLANG) -I. $< -o $@ $(LIBS)
$(B)/fuzz-seeds: $(B)/fuzz-seeds-gen
	@mkdir -p $@ && $(B)/fuzz-seeds-gen $@ && touch $@
$(B)/test-fuzz-replay: $(B)/fuzz-replay $(B)/fuzz-tensor-replay $(B)/fuzz-seeds
	@printf '#!/bin/sh\nexec tests/fuzz/replay.sh $(B)\n' > $@ && chmod +x $@

TEST_SCRIPTS := tests/self_contained.sh tests/header_sketch.sh $(B)/test-fuzz-replay tests/tools.sh tests/interop/run.sh tests/examples.sh tests/identity.sh \
                tests/llamacpp/run.sh tests/mpi.sh

# the examples' MPI builds (data-parallel training), when OpenMPI's mpicc is installed
MPICC ?= $(shell command -v mpicc 2>/dev/null)
MPI_BINS := $(if $(MPICC),$(B)/mnist-mpi $(B)/charlm-mpi)
$(B)/%-mpi: examples/%.c $(HDR) | $(B)
	$(MPICC) -std=c99 -O2 $(WARN) -D_POSIX_C_SOURCE=200809L -DTERNARY_MPI -I. $< -o $@ $(LIBS)

# the builds take most of the time: they run on every core even under a plain `make test`
NPROC := $(shell nproc 2>/dev/null || echo 2)
test:
	@$(MAKE) --no-print-directory -j$(NPROC) test-build
	@tests/run_all.sh $(TEST_BINS) $(TEST_SCRIPTS)
test-build: $(TEST_BINS) $(EXAMPLES) $(TOOLS) $(MPI_BINS) $(B)/make_files $(B)/test-fuzz-replay $(B)/tn_logits $(B)/tn_llm_logits $(B)/tn-inspect-asan $(B)/tn-quantize-asan

# aarch64 NEON build, run under qemu-user (gcc-aarch64-linux-gnu, qemu-user): on qemu's
# default CPU (sdot found at run time) and on a Cortex-A53 (none: the widening kernels)
ARM_CC ?= aarch64-linux-gnu-gcc
$(B)/test-arm-neon: $(HDR) $(TESTSRC) | $(B)
	$(ARM_CC) -std=c99 -O2 -static $(WARN) -I. -Itests tests/run_tests.c -o $@ -lm -lpthread
$(B)/test-arm-scalar: $(HDR) $(TESTSRC) | $(B)
	$(ARM_CC) -std=c99 -O2 -static -DTERNARY_NO_SIMD $(WARN) -I. -Itests tests/run_tests.c -o $@ -lm -lpthread
# (and with the ARMv8.2 dot-product instructions)
$(B)/test-arm-dotprod: $(HDR) $(TESTSRC) | $(B)
	$(ARM_CC) -std=c99 -O2 -static -march=armv8.2-a+dotprod $(WARN) -I. -Itests tests/run_tests.c -o $@ -lm -lpthread
test-arm: $(B)/test-arm-neon $(B)/test-arm-dotprod $(B)/test-arm-scalar
	@printf '#!/bin/sh\nexec qemu-aarch64 $(B)/test-arm-neon "$$@"\n' > $(B)/qemu-neon && chmod +x $(B)/qemu-neon
	@printf '#!/bin/sh\nexec qemu-aarch64 -cpu cortex-a53 $(B)/test-arm-neon "$$@"\n' > $(B)/qemu-neon-a53 && chmod +x $(B)/qemu-neon-a53
	@printf '#!/bin/sh\nexec qemu-aarch64 $(B)/test-arm-dotprod "$$@"\n' > $(B)/qemu-dotprod && chmod +x $(B)/qemu-dotprod
	@printf '#!/bin/sh\nexec qemu-aarch64 $(B)/test-arm-scalar "$$@"\n' > $(B)/qemu-scalar && chmod +x $(B)/qemu-scalar
	@printf '#!/bin/sh\nexec tests/identity.sh --arm\n' > $(B)/identity-arm && chmod +x $(B)/identity-arm
	@tests/run_all.sh $(B)/qemu-neon $(B)/qemu-neon-a53 $(B)/qemu-dotprod $(B)/qemu-scalar $(B)/identity-arm

interop: $(TOOLS) $(B)/make_files
	@tests/interop/run.sh $(B)

# every sanitizer finding is fatal, so libFuzzer saves the input that caused it
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
$(B)/fuzz-readers: tests/fuzz/fuzz_readers.c $(HDR) | $(B)
	clang $(FUZZ_CFLAGS) -I. $< -o $@ $(LIBS)
$(B)/fuzz-model: tests/fuzz/fuzz_readers.c $(HDR) | $(B)
	clang $(FUZZ_CFLAGS) -DTN_FUZZ_MODEL -I. $< -o $@ $(LIBS)
$(B)/fuzz-tensor: tests/fuzz/fuzz_tensor.c $(HDR) | $(B)
	clang $(FUZZ_CFLAGS) -I. $< -o $@ $(LIBS)
fuzz: $(B)/fuzz-readers $(B)/fuzz-model $(B)/fuzz-tensor $(B)/fuzz-seeds
	@mkdir -p $(B)/fuzz-corpus $(B)/fuzz-corpus-model $(B)/fuzz-corpus-tensor $(B)/fuzz-crashes
	$(B)/fuzz-readers $(B)/fuzz-corpus $(B)/fuzz-seeds tests/fuzz/regressions -max_total_time=$(FUZZ_SECONDS) \
	  -artifact_prefix=$(B)/fuzz-crashes/readers- -max_len=65536 -print_final_stats=1
	$(B)/fuzz-model $(B)/fuzz-corpus-model $(B)/fuzz-seeds tests/fuzz/regressions -max_total_time=$(FUZZ_SECONDS) \
	  -artifact_prefix=$(B)/fuzz-crashes/model- -max_len=65536 -print_final_stats=1
	$(B)/fuzz-tensor $(B)/fuzz-corpus-tensor tests/fuzz/tensor -max_total_time=$(FUZZ_SECONDS) \
	  -artifact_prefix=$(B)/fuzz-crashes/tensor- -max_len=4096 -print_final_stats=1

clean:
	rm -rf $(B)

.PHONY: all test test-build clean demo interop fuzz test-arm bench

# the table, then (when Debian's python3-torch is installed) PyTorch's training
# throughput on the same configurations, as the reference, in the same run
# tn-bench runs PyTorch (tools/bench_torch.py) in alternation with its training rows when torch imports
bench: $(B)/tn-bench
	./$(B)/tn-bench
