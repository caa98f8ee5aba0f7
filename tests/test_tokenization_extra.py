"""Module 10's tokenizers beyond its graded tests: property checks with fixed seeds (no PyTorch oracle applies)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from tinytorch.text.tokenize import (BPETokenizer, CharTokenizer, apply_merges, load_shakespeare, merge_pair,
                                     split_words, train_bpe, train_bpe_naive, word_counts)

SPECIALS = ["<|endoftext|>", "<s>", "<s>x", "</s>"]


def random_unicode(rng: np.random.Generator, length: int) -> str:
    """Any code point but the surrogates (which UTF-8 cannot encode), weighted towards ASCII and whitespace."""
    out = []
    for _ in range(length):
        r = rng.random()
        if r < 0.5:
            out.append(chr(int(rng.integers(0x20, 0x7F))))
        elif r < 0.6:
            out.append(" \n\t\r\u00a0\u2003\u3000"[int(rng.integers(0, 7))])
        else:
            c = int(rng.integers(0x80, 0x110000 - 0x800))
            out.append(chr(c + 0x800 if c >= 0xD800 else c))  # skip the surrogate block
    return "".join(out)


@pytest.fixture(scope="module")
def trained() -> BPETokenizer:
    rng = np.random.default_rng(0)
    return BPETokenizer.train(load_shakespeare()[:40_000] + random_unicode(rng, 3000), 150, special_tokens=SPECIALS)


def test_anchor():
    tok = BPETokenizer.train("aaabdaaabac", 3)
    assert tok.merges == [(97, 97), (97, 98), (256, 257)]
    assert tok.encode("aaabdaaabac") == [258, 100, 258, 97, 99]
    assert train_bpe_naive(word_counts("aaabdaaabac"), 3) == tok.merges


@pytest.mark.parametrize("seed", range(6))
def test_words_concatenate_to_the_text(seed):
    text = random_unicode(np.random.default_rng(seed), 2000)
    assert "".join(split_words(text)) == text


@pytest.mark.parametrize("seed", range(6))
def test_round_trip_of_random_unicode(trained, seed):
    rng = np.random.default_rng(100 + seed)
    for length in (0, 1, 2, 7, 50, 400):
        text = random_unicode(rng, length)
        ids = trained.encode(text)
        assert trained.decode(ids) == text
        assert all(0 <= i < trained.vocab_size for i in ids)
        assert CharTokenizer(text).decode(CharTokenizer(text).encode(text)) == text


def test_round_trip_of_edge_strings(trained):
    for text in ["", " ", "\n\n\n", "  \t ", "\U0001F600", "\U0001F9D1\u200d\U0001F4BB", "e\u0301", "\u00e9",
                 "\uffff\U0010ffff\x00", "_", "__init__", "a" * 1000, "\u4e2d" * 300, "12345678901234567890"]:
        assert trained.decode(trained.encode(text)) == text


def test_round_trip_of_the_whole_file(trained):
    text = load_shakespeare()
    ids = trained.encode(text)
    assert trained.decode(ids) == text and len(ids) < len(text) / 1.5


@pytest.mark.parametrize("seed", range(5))
def test_naive_and_incremental_trainers_agree(seed):
    rng = np.random.default_rng(200 + seed)
    alphabet = list("ab c\n") if seed % 2 else None
    text = "".join(rng.choice(alphabet, size=1500)) if alphabet else random_unicode(rng, 1500)
    words = word_counts(text)
    assert train_bpe(words, 80) == train_bpe_naive(words, 80)


def test_naive_and_incremental_trainers_agree_on_shakespeare():
    words = word_counts(load_shakespeare()[200_000:230_000])
    assert train_bpe(words, 60) == train_bpe_naive(words, 60)


@pytest.mark.parametrize("seed", range(4))
def test_encoding_by_rank_equals_replaying_every_merge(trained, seed):
    rng = np.random.default_rng(300 + seed)
    for word in split_words(load_shakespeare()[seed * 5000:seed * 5000 + 3000]) + split_words(random_unicode(rng, 200)):
        replayed = list(word.encode("utf-8"))
        for rank, pair in enumerate(trained.merges):
            replayed = merge_pair(replayed, pair, 256 + rank)
        assert apply_merges(list(word.encode("utf-8")), trained.ranks) == replayed


@pytest.mark.parametrize("seed", range(5))
def test_special_tokens_are_never_split(trained, seed):
    rng = np.random.default_rng(400 + seed)
    parts = [SPECIALS[int(rng.integers(0, len(SPECIALS)))] if rng.random() < 0.4 else random_unicode(rng, 5)
             for _ in range(30)]
    text = "".join(parts)
    ids = trained.encode(text)
    assert trained.decode(ids) == text
    special_ids = set(trained.special_tokens.values())
    # every special token in the text is exactly one id, and only special tokens give those ids
    pieces = trained.split_special(text)
    assert [trained.special_tokens[p] for p, is_special in pieces if is_special] == [i for i in ids if i in special_ids]
    for piece, is_special in pieces:
        if not is_special:
            assert not set(trained.encode(piece)) & special_ids


def test_longest_special_token_wins(trained):
    s, sx = trained.special_tokens["<s>"], trained.special_tokens["<s>x"]
    assert trained.encode("<s>x<s>") == [sx, s]
    assert trained.encode("<s>y")[0] == s


def test_special_tokens_in_the_training_text_are_not_learned():
    tok = BPETokenizer.train("<|endoftext|>" * 50 + "ab", 5, special_tokens=["<|endoftext|>"])
    assert tok.merges == [(97, 98)]


def test_save_load_identity(trained, tmp_path):
    trained.save(tmp_path / "bpe.json")
    back = BPETokenizer.load(tmp_path / "bpe.json")
    assert (back.merges, back.special_tokens, back.vocab) == (trained.merges, trained.special_tokens, trained.vocab)
    text = random_unicode(np.random.default_rng(5), 500) + "<|endoftext|>" + load_shakespeare()[:2000]
    assert back.encode(text) == trained.encode(text)
    back.save(tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == (tmp_path / "bpe.json").read_bytes()


def test_load_rejects_special_ids_that_do_not_follow_the_merges(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"format": "tinytorch-bpe", "version": 1, "merges": [[97, 98]],
                                "special_tokens": {"<s>": 300}}), encoding="utf-8")
    with pytest.raises(ValueError, match="special token ids"):
        BPETokenizer.load(path)


def test_merges_may_use_only_earlier_ids():
    with pytest.raises(ValueError, match="merge 1"):
        BPETokenizer([(97, 98), (257, 97)])
    with pytest.raises(ValueError, match="distinct"):
        BPETokenizer(special_tokens=["<s>", "<s>"])


def test_decode_of_unknown_id_names_it(trained):
    with pytest.raises(ValueError, match=str(trained.vocab_size)):
        trained.decode([trained.vocab_size])
    with pytest.raises(ValueError, match="-1"):
        trained.decode([-1])
