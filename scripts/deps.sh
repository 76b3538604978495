#!/usr/bin/env bash
# Installs whatever Whittle's build and tests need and is missing.
# Idempotent: when everything is present it only checks and returns.
set -euo pipefail

PKGS=(llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools clang-22
      libonnx-dev libprotobuf-dev protobuf-compiler ninja-build cmake make
      python3-onnx python3-numpy libonnx-testdata
      # The sanitizer build and fuzzers (ASan, UBSan, libFuzzer); memcheck.
      libclang-rt-22-dev valgrind
      # AArch64: cross sysroot to link models and whittle-exec, qemu to run them.
      qemu-user libc6-dev-arm64-cross libstdc++-12-dev-arm64-cross
      binutils-aarch64-linux-gnu)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PKGS[@]} packages present"
  exit 0
fi

echo "deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-cache policy llvm-22-dev 2>/dev/null | grep -q Candidate: ||
   apt-cache policy llvm-22-dev 2>/dev/null | grep -q "Candidate: (none)"; then
  $SUDO apt-get update -qq
fi
if ! $SUDO apt-get install -y -qq "${missing[@]}" >/tmp/whittle-deps.log 2>&1; then
  # The package lists may be stale: refresh once and retry.
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/tmp/whittle-deps.log 2>&1 || {
    echo "deps: apt-get install failed, see /tmp/whittle-deps.log" >&2
    tail -20 /tmp/whittle-deps.log >&2
    exit 1
  }
fi
echo "deps: done"
