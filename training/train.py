"""Trains one of Chorus's demo models (a recipe in recipes.json) and saves a checkpoint in out/<name>.pt.

  /usr/bin/python3 training/train.py <recipe name> [--threads N]

A recipe names the model shape (or the checkpoint it continues from), the languages it reads and their weights,
steps, batch, learning-rate schedule and seed. Every training sample is BOS followed by a random window of the
corpus, as the sidecar's prompts are BOS followed by the end of a file's prefix.
"""
import argparse
import json
import math
import os
import random
import time

import numpy as np
import torch
import torch.nn.functional as F

from model import BOS_ID, EOS_ID, Llama, Shape

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "out")


def load_corpus(language: str, split: str) -> np.ndarray:
    raw = np.fromfile(os.path.join(OUT, f"{language}-{split}.txt"), dtype=np.uint8).astype(np.int64)
    raw[raw == 0] = EOS_ID  # corpus.py separates documents with a NUL byte; code files contain none
    return raw


class Sampler:
    def __init__(self, weights: dict, split: str, context: int, seed: int):
        self.streams = {lang: load_corpus(lang, split) for lang in weights}
        self.languages = list(weights)
        self.weights = [weights[l] for l in self.languages]
        self.window = context - 1
        self.rng = np.random.default_rng(seed)

    def batch(self, size: int) -> torch.Tensor:
        rows = []
        for lang in self.rng.choice(self.languages, size=size, p=np.array(self.weights) / sum(self.weights)):
            stream = self.streams[lang]
            start = int(self.rng.integers(0, len(stream) - self.window))
            rows.append(np.concatenate(([BOS_ID], stream[start : start + self.window])))
        return torch.from_numpy(np.stack(rows))


def bits_per_byte(model: Llama, tokens: torch.Tensor) -> float:
    with torch.no_grad():
        logits = model(tokens[:, :-1])
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tokens[:, 1:].reshape(-1)).item() / math.log(2)


def learning_rate(step: int, r: dict) -> float:
    if step < r["warmup"]:
        return r["lr"] * (step + 1) / r["warmup"]
    progress = (step - r["warmup"]) / max(1, r["steps"] - r["warmup"])
    return r["min_lr"] + 0.5 * (r["lr"] - r["min_lr"]) * (1 + math.cos(math.pi * progress))


def save(model: Llama, recipe: dict, name: str, step: int, log: list) -> None:
    tmp = os.path.join(OUT, f"{name}.pt.tmp")
    torch.save({"shape": model.shape.to_json(), "state": model.state_dict(), "recipe": recipe, "step": step, "log": log}, tmp)
    os.replace(tmp, os.path.join(OUT, f"{name}.pt"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    with open(os.path.join(HERE, "recipes.json")) as f:
        recipe = json.load(f)[args.name]
    torch.set_num_threads(args.threads)
    torch.manual_seed(recipe["seed"])
    random.seed(recipe["seed"])
    if "from" in recipe:
        parent = torch.load(os.path.join(OUT, f"{recipe['from']}.pt"))
        model = Llama(Shape(**parent["shape"]))
        model.load_state_dict(parent["state"])
    else:
        model = Llama(Shape(**recipe["shape"]))
    ctx = model.shape.context
    train = Sampler(recipe["data"], "train", ctx, recipe["seed"])
    held = Sampler(recipe["data"], "heldout", ctx, 12345).batch(16)
    decay = [p for p in model.parameters() if p.dim() == 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": recipe["weight_decay"]}, {"params": no_decay, "weight_decay": 0}], lr=recipe["lr"], betas=(0.9, 0.95))
    log = []
    started = time.time()
    for step in range(recipe["steps"]):
        for g in opt.param_groups:
            g["lr"] = learning_rate(step, recipe)
        x = train.batch(recipe["batch"])
        logits = model(x[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 25 == 0 or step == recipe["steps"] - 1:
            entry = {"step": step, "train_bpb": round(loss.item() / math.log(2), 4), "seconds": round(time.time() - started)}
            if step % 100 == 0 or step == recipe["steps"] - 1:
                entry["heldout_bpb"] = round(bits_per_byte(model, held), 4)
                save(model, recipe, args.name, step, log)
            log.append(entry)
            print(json.dumps(entry), flush=True)
    save(model, recipe, args.name, recipe["steps"], log)


if __name__ == "__main__":
    main()
