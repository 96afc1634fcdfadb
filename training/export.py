"""Exports a checkpoint's weights for the GGUF writer, plus reference log-probabilities for the parity test.

  /usr/bin/python3 training/export.py <checkpoint name> <out folder> <model name>

Writes <out>/<model name>.safetensors (float32, GGUF tensor names, PyTorch's [out, in] layout, which is ggml's row
order) and <out>/<model name>.json: the shape, the recipe and training log, and for a few held-out snippets every
token's log-probability as this float32 model computes it (test/unit/sidecar/trained-models.test.ts checks that
llama.cpp, reading the Q8_0 GGUF, computes the same).
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

from model import BOS_ID, Llama, Shape

HERE = os.path.dirname(os.path.abspath(__file__))
PARITY_SNIPPETS = 3
PARITY_BYTES = 160


def write_safetensors(path: str, tensors: list) -> None:
    header, offset, blobs = {}, 0, []
    for name, t in tensors:
        data = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    head = json.dumps(header).encode()
    head += b" " * (-len(head) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
    os.replace(path + ".tmp", path)


def parity_snippets() -> list:
    """The start of the first few held-out TypeScript and Python files (never trained on), cut at a UTF-8 boundary."""
    out = []
    for language in ("typescript", "python"):
        raw = open(os.path.join(HERE, "out", f"{language}-heldout.txt"), "rb").read()
        for doc in raw.split(b"\0")[:PARITY_SNIPPETS]:
            out.append(doc[:PARITY_BYTES].decode("utf-8", errors="ignore"))
    return out


def token_logprobs(model: Llama, text: str) -> list:
    tokens = torch.tensor([[BOS_ID, *text.encode("utf-8")]])
    with torch.no_grad():
        logp = F.log_softmax(model(tokens)[0].double(), dim=-1)
    return [round(logp[i, tokens[0, i + 1]].item(), 6) for i in range(tokens.shape[1] - 1)]


def main() -> None:
    name, out_dir, model_name = sys.argv[1], sys.argv[2], sys.argv[3]
    ckpt = torch.load(os.path.join(HERE, "out", f"{name}.pt"))
    model = Llama(Shape(**ckpt["shape"]))
    model.load_state_dict(ckpt["state"])
    model.eval()
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(os.path.join(out_dir, f"{model_name}.safetensors"), list(model.gguf_tensors()))
    parity = [{"text": t, "token_logprobs": token_logprobs(model, t)} for t in parity_snippets()]
    info = {"name": model_name, "checkpoint": name, "step": ckpt["step"], "shape": ckpt["shape"], "recipe": ckpt["recipe"], "log": ckpt["log"], "parity": parity}
    with open(os.path.join(out_dir, f"{model_name}.json"), "w") as f:
        json.dump(info, f, indent=1)
    nats = [-x for p in parity for x in p["token_logprobs"]]
    print(f"{model_name}: step {ckpt['step']}, parity snippets {len(parity)}, {sum(nats) / len(nats) / math.log(2):.3f} bits/byte on them")


if __name__ == "__main__":
    main()
