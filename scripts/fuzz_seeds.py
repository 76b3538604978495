#!/usr/bin/python3
"""Writes the seed corpora of Whittle's fuzz targets (scripts/fuzz.sh).

    fuzz_seeds.py --out DIR --model DYNAMIC.so

DIR/models:  model files: every ONNX backend-test model and the bench
             cases of ../shared/bench under 256 KiB (not the regression
             corpus, which lit replays: the seeds, and so what make
             check-sanitize explores from seed 1, stay the same as it grows);
DIR/runtime: inputs of fuzz-runtime (first byte: what follows): 0 + each
             test-data tensor under 64 KiB, 1 + dims for the dynamic model,
             2 + library files (the model given, and its truncations).
"""
import argparse
import glob
import hashlib
import os
import struct

MAX_MODEL = 256 * 1024
MAX_TENSOR = 64 * 1024
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTDATA = "/usr/share/libonnx-testdata/data"


def put(folder, data):
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--model", required=True)
    a = p.parse_args()
    models = os.path.join(a.out, "models")
    runtime = os.path.join(a.out, "runtime")
    os.makedirs(models, exist_ok=True)
    os.makedirs(runtime, exist_ok=True)

    paths = sorted(glob.glob(os.path.join(TESTDATA, "*", "*", "model.onnx")))
    paths += sorted(glob.glob(os.path.join(HERE, "..", "shared", "bench", "cases", "*",
                                           "*.onnx")))
    n_models = 0
    for path in paths:
        if os.path.getsize(path) <= MAX_MODEL:
            put(models, open(path, "rb").read())
            n_models += 1

    n_runtime = 0
    for path in sorted(glob.glob(os.path.join(TESTDATA, "node", "*", "test_data_set_0",
                                              "*.pb"))):
        if os.path.getsize(path) <= MAX_TENSOR:
            put(runtime, b"\x00" + open(path, "rb").read())
            n_runtime += 1
    for dims in ((1, 3, 4), (2, 3, 1), (0, 3, 7), (4, 3, 100), (1, 3, 5000)):
        put(runtime, b"\x01" + struct.pack("<3q", *dims))
        n_runtime += 1
    lib = open(a.model, "rb").read()
    for cut in (len(lib), len(lib) // 2, 4096, 64):
        put(runtime, b"\x02" + lib[:cut])
        n_runtime += 1
    print("fuzz seeds: %d models, %d runtime inputs" % (n_models, n_runtime))


if __name__ == "__main__":
    main()
