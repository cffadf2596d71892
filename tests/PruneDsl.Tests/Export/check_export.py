"""Checks a PruneDsl safetensors export from the PyTorch side, using only torch and the manifest.

Usage: python3 check_export.py EXPORT_DIR INPUTS_FILE

INPUTS_FILE is a safetensors file with "x" (float32 [batch, in]) and "y" (the C# outputs for x). The script
1. rebuilds the MLP from manifest.json and model.safetensors and compares its outputs with y (atol 1e-5),
2. runs the manifest's own PyTorch recipe (with a small stand-in for safetensors.torch.load_file) and compares,
3. decompresses every N:M layer from its values + indices / 2:4 metadata, checks it equals the dense masked weight
   bit for bit and agrees with the mask, and runs the MLP with the decompressed weights,
4. dequantizes every quantized layer from its codes, scales and positions (manifest['quantized_layout']) and checks it
   equals the dense weight bit for bit.
It prints one JSON line with the measurements and exits 1 when a check fails.
"""
import json
import os
import struct
import sys
import types

import torch

ATOL = 1e-5
DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool,
}


def read_safetensors(path):
    """A minimal safetensors reader: 8-byte little-endian header length, JSON header, raw little-endian data."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length].decode("utf-8"))
    base = 8 + length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = DTYPES[entry["dtype"]]
        start, end = entry["data_offsets"]
        if end > start:
            flat = torch.frombuffer(bytearray(data[base + start:base + end]), dtype=dtype)
        else:
            flat = torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"]).clone()
    return tensors


def decompress(nm, tensors):
    """The dense [out, in] weight of an N:M layer from its compressed tensors, following manifest['nm_layout']."""
    values = tensors[nm["values"]]
    rows = values.shape[0]
    n, m, groups = nm["n"], nm["m"], nm["groups_per_row"]
    if nm["indices"] is not None:
        positions = tensors[nm["indices"]].long().reshape(rows, groups, n)
    else:
        words = tensors[nm["metadata"]].to(torch.int32) & 0xFFFF          # [rows, words_per_row]
        g = torch.arange(groups)
        nibbles = (words[:, g // 4] >> (4 * (g % 4))) & 0xF               # [rows, groups]
        positions = torch.stack([nibbles & 3, nibbles >> 2], dim=-1).long()
    dense = torch.zeros(rows, groups, m, dtype=values.dtype)
    dense.scatter_(2, positions, values.reshape(rows, groups, n))
    return dense.reshape(rows, groups * m)


def dequantize(q, tensors, in_features):
    """The dense [out, in] weight of a quantized layer from its codes, scales and positions, following manifest['quantized_layout']."""
    packed = tensors[q["codes"]].to(torch.int32)                         # [rows, bytes_per_row]
    rows, per_row = packed.shape[0], q["values_per_row"]
    if q["bits"] == 8:
        codes = torch.where(packed >= 128, packed - 256, packed)[:, :per_row]
    else:
        nibbles = torch.stack([packed & 0xF, packed >> 4], dim=-1).reshape(rows, -1)[:, :per_row]
        codes = (nibbles ^ 8) - 8
    if q["pattern"] is None:
        columns = torch.arange(in_features).expand(rows, in_features)
    else:
        n, m = (int(v) for v in q["pattern"].split(":"))
        groups = in_features // m
        if q["metadata"] is not None:
            words = tensors[q["metadata"]].to(torch.int32) & 0xFFFF
            g = torch.arange(groups)
            nibble = (words[:, g // 4] >> (4 * (g % 4))) & 0xF
            positions = torch.stack([nibble & 3, nibble >> 2], dim=-1).reshape(rows, -1)
        else:
            positions = tensors[q["indices"]].long()
        columns = (torch.arange(per_row) // n * m).expand(rows, per_row) + positions
    scales = tensors[q["scales"]]
    values = codes.to(torch.float32) * torch.gather(scales, 1, columns // q["columns_per_scale"])
    dense = torch.zeros(rows, in_features, dtype=torch.float32)
    dense.scatter_(1, columns.long(), values)
    return dense


def build_mlp(manifest, weights, replace=None):
    replace = replace or {}
    layers = {layer["name"]: layer for layer in manifest["layers"]}
    names = manifest["pytorch"]["layers"]
    activation = manifest["pytorch"]["activation"]
    modules = []
    for i, name in enumerate(names):
        layer = layers[name]
        linear = torch.nn.Linear(layer["in_features"], layer["out_features"], bias=layer["bias"] is not None)
        with torch.no_grad():
            linear.weight.copy_(replace.get(name, weights[layer["weight"]]))
            if layer["bias"] is not None:
                linear.bias.copy_(weights[layer["bias"]])
        modules.append(linear)
        if i + 1 < len(names) and activation != "none":
            modules.append({"relu": torch.nn.ReLU(), "gelu": torch.nn.GELU(), "tanh": torch.nn.Tanh(),
                            "sigmoid": torch.nn.Sigmoid(), "silu": torch.nn.SiLU()}[activation])
    return torch.nn.Sequential(*modules).eval()


def run_recipe(manifest, directory, x):
    """Executes manifest['pytorch']['recipe'] in the export folder, with load_file served by read_safetensors."""
    shim = types.ModuleType("safetensors")
    shim_torch = types.ModuleType("safetensors.torch")
    shim_torch.load_file = read_safetensors
    shim.torch = shim_torch
    saved = {k: sys.modules.get(k) for k in ("safetensors", "safetensors.torch")}
    sys.modules["safetensors"], sys.modules["safetensors.torch"] = shim, shim_torch
    cwd = os.getcwd()
    try:
        os.chdir(directory)
        scope = {"x": x}
        with torch.no_grad():
            exec("\n".join(manifest["pytorch"]["recipe"]), scope)
        return scope["y"]
    finally:
        os.chdir(cwd)
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v


def main():
    directory, inputs_file = sys.argv[1], sys.argv[2]
    with open(os.path.join(directory, "manifest.json")) as f:
        manifest = json.load(f)
    failures = []
    if manifest.get("format") != "prunedsl.export" or manifest.get("version") != 1:
        failures.append("not a version-1 prunedsl.export manifest")
    if manifest.get("pytorch") is None:
        failures.append("the manifest has no PyTorch recipe (the layers do not form an MLP chain)")
        print(json.dumps({"ok": False, "failures": failures}))
        return 1

    files = manifest["files"]
    weights = read_safetensors(os.path.join(directory, files["weights"]))
    nm_tensors = read_safetensors(os.path.join(directory, files["nm"])) if files.get("nm") else {}
    masks = read_safetensors(os.path.join(directory, files["masks"])) if files.get("masks") else {}
    quantized = read_safetensors(os.path.join(directory, files["quantized"])) if files.get("quantized") else {}
    io = read_safetensors(inputs_file)
    x, y_sharp = io["x"], io["y"]

    every = {**weights, **nm_tensors, **masks, **quantized}
    for name, entry in manifest["tensors"].items():
        if name not in every:
            failures.append(f"tensor {name} listed in the manifest is missing from {entry['file']}")
        elif list(every[name].shape) != entry["shape"]:
            failures.append(f"tensor {name} has shape {list(every[name].shape)}, manifest says {entry['shape']}")

    with torch.no_grad():
        y_dense = build_mlp(manifest, weights)(x)
    diff_dense = (y_dense - y_sharp).abs().max().item()
    if not diff_dense <= ATOL:
        failures.append(f"dense rebuild differs from C# by {diff_dense}")

    y_recipe = run_recipe(manifest, directory, x)
    diff_recipe = (y_recipe - y_sharp).abs().max().item()
    if not diff_recipe <= ATOL:
        failures.append(f"manifest recipe differs from C# by {diff_recipe}")

    nm_layers, replace = [], {}
    for layer in manifest["layers"]:
        nm = layer["nm"]
        if nm is None:
            continue
        dense = weights[layer["weight"]]
        decompressed = decompress(nm, nm_tensors)
        replace[layer["name"]] = decompressed
        equal = torch.equal(decompressed, dense)
        if not equal:
            failures.append(f"{layer['name']}: decompressed {nm['pattern']} weight differs from the dense masked weight "
                            f"(max {(decompressed - dense).abs().max().item()})")
        groups = (dense.reshape(dense.shape[0], -1, nm["m"]) != 0).sum(-1)
        if groups.max().item() > nm["n"]:
            failures.append(f"{layer['name']}: a group has more than N = {nm['n']} nonzero weights")
        mask_ok = None
        if nm["mask"] is not None:
            mask = masks[nm["mask"]]
            mask_ok = bool((dense[~mask] == 0).all().item()) and int(mask.reshape(mask.shape[0], -1, nm["m"]).sum(-1).min().item()) == nm["n"] \
                and int(mask.reshape(mask.shape[0], -1, nm["m"]).sum(-1).max().item()) == nm["n"]
            if not mask_ok:
                failures.append(f"{layer['name']}: the mask does not hold N of every M, or the weight is nonzero outside it")
        nm_layers.append({"name": layer["name"], "pattern": nm["pattern"], "storage": "metadata" if nm["indices"] is None else "indices",
                          "decompressed_equal": equal, "mask_ok": mask_ok})

    diff_nm = None
    if replace:
        with torch.no_grad():
            y_nm = build_mlp(manifest, weights, replace)(x)
        diff_nm = (y_nm - y_sharp).abs().max().item()
        if not diff_nm <= ATOL:
            failures.append(f"MLP with decompressed N:M weights differs from C# by {diff_nm}")

    quantized_layers = []
    for layer in manifest["layers"]:
        q = layer.get("quantized")
        if q is None:
            continue
        dense = weights[layer["weight"]]
        equal = torch.equal(dequantize(q, quantized, layer["in_features"]), dense)
        if not equal:
            failures.append(f"{layer['name']}: the dequantized INT{q['bits']} weight differs from model.safetensors")
        quantized_layers.append({"name": layer["name"], "bits": q["bits"], "pattern": q["pattern"], "dequantized_equal": equal})

    print(json.dumps({
        "ok": not failures, "failures": failures, "torch": torch.__version__, "batch": x.shape[0],
        "max_abs_diff_dense": diff_dense, "max_abs_diff_recipe": diff_recipe, "max_abs_diff_nm": diff_nm,
        "nm_layers": nm_layers, "quantized_layers": quantized_layers,
    }))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
