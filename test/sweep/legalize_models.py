#!/usr/bin/python3
"""Legalization check: every given model must import and legalize to the
whittle dialect with no onnx operator left.

    legalize_models.py --whittle build/bin/whittle MODEL.onnx|DIR ...

Directories are searched for model.onnx files. Prints one line per model and
`legalized N/M`; exit status 1 unless every model is fully legalized.
"""
import argparse
import os
import subprocess
import sys


def models_in(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            for root, _, files in os.walk(p):
                out += [os.path.join(root, f) for f in files if f == "model.onnx"]
        else:
            out.append(p)
    return sorted(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--whittle", required=True)
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()
    models = models_in(args.paths)
    ok = 0
    for m in models:
        name = os.path.basename(os.path.dirname(m)) if m.endswith("model.onnx") else os.path.basename(m)
        p = subprocess.run([args.whittle, "import", m, "--legalize", "-o", os.devnull],
                           capture_output=True, text=True, timeout=600)
        left = [l.split("not legalized to whittle: ", 1)[1]
                for l in p.stderr.splitlines() if "not legalized to whittle" in l]
        if p.returncode == 0 and not left:
            ok += 1
            print(f"  ok    {name}")
        else:
            reason = ", ".join(left) if left else (p.stderr.strip().splitlines() or ["?"])[-1]
            print(f"  FAIL  {name}: {reason}")
    print(f"legalized {ok}/{len(models)}")
    return 0 if ok == len(models) else 1


if __name__ == "__main__":
    sys.exit(main())
