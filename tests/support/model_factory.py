"""Randomly initialised real-architecture models (MarianMT, BART) built offline, for tests and benchmarks."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from pathlib import Path

MARIAN_SPECIALS = ("</s>", "<unk>")


def _train_sentencepiece(corpus: Iterable[str], prefix: Path, vocab_size: int) -> None:
    import sentencepiece as spm

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        for line in corpus:
            if line.strip():
                fh.write(line.strip() + "\n")
        corpus_path = fh.name
    spm.SentencePieceTrainer.train(
        input=corpus_path,
        model_prefix=str(prefix),
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        model_type="unigram",
        character_coverage=1.0,
        bos_id=-1,
        eos_id=-1,
        unk_id=0,
        minloglevel=2,
    )
    Path(corpus_path).unlink()


def build_marian(
    directory: str | Path,
    corpus: Iterable[str],
    spm_vocab: int = 400,
    vocab_size: int | None = None,
    d_model: int = 32,
    layers: int = 2,
    heads: int = 2,
    ffn: int = 64,
    max_positions: int = 512,
    seed: int = 0,
) -> Path:
    """A MarianMT model with a SentencePiece vocabulary trained on `corpus`, saved like an opus-mt directory.

    `vocab_size` pads the vocabulary with unused pieces so the output layer has the real model's size.
    """
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    prefix = directory / "spm"
    _train_sentencepiece(corpus, prefix, spm_vocab)
    for name in ("source.spm", "target.spm"):
        (directory / name).write_bytes(prefix.with_suffix(".model").read_bytes())
    processor = spm.SentencePieceProcessor(model_file=str(prefix.with_suffix(".model")))
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    vocab: dict[str, int] = {}
    for piece in (*MARIAN_SPECIALS, *pieces):
        vocab.setdefault(piece, len(vocab))
    for i in range(len(vocab), (vocab_size or 0) - 1):
        vocab[f"<unused_{i}>"] = i
    vocab["<pad>"] = len(vocab)
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False))
    for suffix in (".model", ".vocab"):
        prefix.with_suffix(suffix).unlink()
    tokenizer = MarianTokenizer(
        source_spm=str(directory / "source.spm"),
        target_spm=str(directory / "target.spm"),
        vocab=str(directory / "vocab.json"),
        model_max_length=max_positions,
    )
    config = MarianConfig(
        vocab_size=len(vocab),
        d_model=d_model,
        encoder_layers=layers,
        decoder_layers=layers,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=ffn,
        decoder_ffn_dim=ffn,
        max_position_embeddings=max_positions,
        pad_token_id=vocab["<pad>"],
        eos_token_id=vocab["</s>"],
        decoder_start_token_id=vocab["<pad>"],
        forced_eos_token_id=vocab["</s>"],
        share_encoder_decoder_embeddings=True,
    )
    torch.manual_seed(seed)
    model = MarianMTModel(config)
    model.generation_config.bad_words_ids = [[vocab["<pad>"]]]
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def build_bart(
    directory: str | Path,
    corpus: Iterable[str],
    bpe_vocab: int = 600,
    vocab_size: int | None = None,
    d_model: int = 32,
    encoder_layers: int = 2,
    decoder_layers: int = 2,
    heads: int = 2,
    ffn: int = 64,
    max_positions: int = 1024,
    seed: int = 0,
) -> Path:
    """A BART model with a byte-level BPE vocabulary trained on `corpus`, saved like a hub directory."""
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartConfig, BartForConditionalGeneration, RobertaTokenizer

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(list(corpus), vocab_size=bpe_vocab, min_frequency=1, special_tokens=specials)
    with tempfile.TemporaryDirectory() as tmp:
        bpe.save_model(tmp)
        vocab = json.loads((Path(tmp) / "vocab.json").read_text(encoding="utf-8"))
        merges = [
            tuple(line.split())
            for line in (Path(tmp) / "merges.txt").read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")
        ]
    for i in range(len(vocab), vocab_size or 0):
        vocab[f"<unused_{i}>"] = i
    tokenizer = RobertaTokenizer(vocab=vocab, merges=merges, model_max_length=max_positions)
    config = BartConfig(
        vocab_size=len(vocab),
        d_model=d_model,
        encoder_layers=encoder_layers,
        decoder_layers=decoder_layers,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=ffn,
        decoder_ffn_dim=ffn,
        max_position_embeddings=max_positions,
        pad_token_id=vocab["<pad>"],
        bos_token_id=vocab["<s>"],
        eos_token_id=vocab["</s>"],
        decoder_start_token_id=vocab["</s>"],
        forced_bos_token_id=vocab["<s>"],
        forced_eos_token_id=vocab["</s>"],
        normalize_before=False,  # as in the hub's BART configs; CTranslate2's converter reads it
    )
    torch.manual_seed(seed)
    model = BartForConditionalGeneration(config)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
