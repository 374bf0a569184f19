"""Checks that a file is a dhat-rs heap profile dh_view.html can load."""
import json
import sys

path = sys.argv[1]
with open(path) as f:
    d = json.load(f)
for key in ("dhatFileVersion", "mode", "pps", "ftbl"):
    if key not in d:
        sys.exit(f"error: {path}: no '{key}': not a dhat profile")
if d["mode"] != "rust-heap":
    sys.exit(f"error: {path}: mode is {d['mode']!r}, expected 'rust-heap'")
# In dhat's format "tb" is total bytes and "tbk" total blocks.
byts = sum(pp["tb"] for pp in d["pps"])
blocks = sum(pp["tbk"] for pp in d["pps"])
if blocks == 0:
    sys.exit(f"error: {path}: the profile recorded no allocation")
print(f"{path}: {blocks} blocks, {byts} bytes in {len(d['pps'])} program points")
