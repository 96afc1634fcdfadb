"""A llama-architecture transformer laid out exactly as llama.cpp computes a GGUF with general.architecture = llama.

Byte-level vocabulary (ids 0-255 are bytes, 256 BOS, 257 EOS: src/sidecar/testmodels/byte-vocab.ts), RMSNorm,
rotary embeddings on adjacent pairs (llama.cpp's LLAMA_ROPE_TYPE_NORM, so Q and K need no permutation on export),
multi-head attention scaled by 1/sqrt(head size), SwiGLU feed-forward, untied output matrix.
"""
import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

BOS_ID = 256
EOS_ID = 257
VOCAB = 258


@dataclass
class Shape:
    dim: int
    layers: int
    heads: int
    ffn: int
    context: int
    rms_eps: float = 1e-5
    rope_base: float = 10000.0

    def to_json(self):
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(shape: Shape, length: int):
    half = shape.dim // shape.heads // 2
    freqs = shape.rope_base ** (-torch.arange(half, dtype=torch.float32) * 2 / (2 * half))
    angles = torch.arange(length, dtype=torch.float32)[:, None] * freqs[None, :]
    return angles.cos(), angles.sin()


def apply_rope(x, cos, sin):
    # x: [batch, heads, time, head size]; pairs (2i, 2i+1) rotate by angle position * base^(-2i/head size)
    even, odd = x[..., 0::2], x[..., 1::2]
    rotated = torch.stack((even * cos - odd * sin, even * sin + odd * cos), dim=-1)
    return rotated.flatten(-2)


class Block(nn.Module):
    def __init__(self, s: Shape):
        super().__init__()
        self.heads = s.heads
        self.attn_norm = RMSNorm(s.dim, s.rms_eps)
        self.attn_q = nn.Linear(s.dim, s.dim, bias=False)
        self.attn_k = nn.Linear(s.dim, s.dim, bias=False)
        self.attn_v = nn.Linear(s.dim, s.dim, bias=False)
        self.attn_output = nn.Linear(s.dim, s.dim, bias=False)
        self.ffn_norm = RMSNorm(s.dim, s.rms_eps)
        self.ffn_gate = nn.Linear(s.dim, s.ffn, bias=False)
        self.ffn_up = nn.Linear(s.dim, s.ffn, bias=False)
        self.ffn_down = nn.Linear(s.ffn, s.dim, bias=False)

    def forward(self, x, cos, sin):
        b, t, d = x.shape
        h = self.attn_norm(x)
        split = lambda y: y.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        q = apply_rope(split(self.attn_q(h)), cos, sin)
        k = apply_rope(split(self.attn_k(h)), cos, sin)
        v = split(self.attn_v(h))
        att = F.scaled_dot_product_attention(q, k, v, is_causal=True) if hasattr(F, "scaled_dot_product_attention") else causal_attention(q, k, v)
        x = x + self.attn_output(att.transpose(1, 2).reshape(b, t, d))
        h = self.ffn_norm(x)
        return x + self.ffn_down(F.silu(self.ffn_gate(h)) * self.ffn_up(h))


def causal_attention(q, k, v):
    t = q.shape[-2]
    scores = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
    mask = torch.ones(t, t, dtype=torch.bool).triu(1)
    return scores.masked_fill(mask, float("-inf")).softmax(-1) @ v


class Llama(nn.Module):
    def __init__(self, s: Shape):
        super().__init__()
        self.shape = s
        self.token_embd = nn.Embedding(VOCAB, s.dim)
        self.blocks = nn.ModuleList(Block(s) for _ in range(s.layers))
        self.output_norm = RMSNorm(s.dim, s.rms_eps)
        self.output = nn.Linear(s.dim, VOCAB, bias=False)
        cos, sin = rope_tables(s, s.context)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        for name, p in self.named_parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)
            if name.endswith("attn_output.weight") or name.endswith("ffn_down.weight"):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * s.layers))

    def forward(self, tokens):
        t = tokens.shape[1]
        x = self.token_embd(tokens)
        for block in self.blocks:
            x = block(x, self.cos[:t], self.sin[:t])
        return self.output(self.output_norm(x))

    def gguf_tensors(self):
        """(GGUF name, float32 tensor in PyTorch's [out, in] layout, which is ggml's row order) for every weight."""
        yield "token_embd.weight", self.token_embd.weight
        for i, blk in enumerate(self.blocks):
            for name in ("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"):
                yield f"blk.{i}.{name}.weight", getattr(blk, name).weight
        yield "output_norm.weight", self.output_norm.weight
        yield "output.weight", self.output.weight
