# %% [markdown]
# # Module 10: Tokenization
#
# A language model reads integers, not text. A *tokenizer* maps text to a list of token ids and back. This
# module builds two: a character tokenizer, the simplest possible, and a byte-level byte-pair encoding (BPE),
# the kind GPT-2 and its successors use.
#
# You will write the character tokenizer, the two primitives of BPE (counting adjacent pairs, merging one
# pair), a BPE trainer twice (a naive one that recounts everything after each merge, to understand; an
# incremental one that updates only what a merge touches, to use), encoding by merge rank, and the tokenizer
# class: vocabulary, encode, decode, special tokens, save and load. Each task is a cell containing
# `# YOUR CODE HERE`; the locked cells after it test it. What several tests share (sample strings, a random
# text generator) is in one given cell, shown collapsed. Run the cells in order.
#
# PyTorch has no tokenizer; the shapes here follow common practice: `encode(str) -> list[int]`,
# `decode(list[int]) -> str`, and `decode(encode(s)) == s` for every string.

# %%
#| default_exp text.tokenize

# %%
#| export
import heapq
import json
import re
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

from tinytorch.core.data import default_data_root

# %% [markdown]
# ## 1. The shipped text
#
# `datasets/tinyshakespeare/input.txt` ships with the course: 1,115,394 characters of Shakespeare's plays
# (public domain). `load_shakespeare()` (given) finds it through `default_data_root()` from module 07:
# `$TINYTORCH_DATA` if set, else the `datasets/` folder next to the package.

# %%
#| export
def load_shakespeare(root: str | Path | None = None) -> str:
    """The shipped tinyshakespeare text (1,115,394 characters), read as UTF-8."""
    path = Path(root if root is not None else default_data_root()) / "tinyshakespeare" / "input.txt"
    if not path.is_file():
        raise FileNotFoundError(f"tinyshakespeare not found at {path}. It ships with the course in "
                                "datasets/tinyshakespeare/; or set TINYTORCH_DATA to the folder holding "
                                "tinyshakespeare/input.txt")
    return path.read_text(encoding="utf-8")

# %% [markdown]
# ## 2. Characters as tokens
#
# The simplest tokenizer gives each distinct character of a training text one id: sort the characters by
# code point, and the i-th one gets id i. Shakespeare has 65 distinct characters, so 65 ids; one token per
# character.
#
# **Task: `CharTokenizer`.**
# - `__init__(text)`: `self.chars`, the sorted list of the distinct characters of `text`, and a dict from
#   character to id for encoding.
# - `vocab_size`: the number of ids.
# - `encode(text)`: the list of ids. A character the training text did not contain has no id: raise
#   `ValueError` naming every such character (with `repr`), e.g. `characters not in the vocabulary: ['Z']`.
# - `decode(ids)`: the string. Raise `ValueError` naming the id and the vocabulary size for an id outside
#   `0 .. vocab_size - 1` (a negative id must not silently index from the end).
#
# Pitfall: the unknown-character problem is real. Train on English, and one emoji or one accented letter
# later cannot be encoded. Byte-level BPE (section 3 on) never has it: every string is a sequence of bytes.

# %% nbgrader={"grade": false, "grade_id": "char-tokenizer", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class CharTokenizer:
    """Token i is the i-th distinct character of the training text, in code-point order."""

    chars: list

    def __init__(self, text: str) -> None:
        """The sorted distinct characters of `text` are the vocabulary."""
        ### BEGIN SOLUTION
        self.chars = sorted(set(text))
        self._ids = {c: i for i, c in enumerate(self.chars)}
        ### END SOLUTION

    @property
    def vocab_size(self) -> int:
        """Number of token ids."""
        ### BEGIN SOLUTION
        return len(self.chars)
        ### END SOLUTION

    def encode(self, text: str) -> list:
        """One id per character; ValueError naming the characters the vocabulary lacks."""
        ### BEGIN SOLUTION
        unknown = sorted(set(text) - self._ids.keys())
        if unknown:
            raise ValueError(f"characters not in the vocabulary: {unknown}")
        return [self._ids[c] for c in text]
        ### END SOLUTION

    def decode(self, ids: Iterable[int]) -> str:
        """The characters of the ids, joined; ValueError for an id outside 0 .. vocab_size - 1."""
        ### BEGIN SOLUTION
        out = []
        for i in ids:
            if not 0 <= i < len(self.chars):
                raise ValueError(f"token id {i} is outside the vocabulary of {len(self.chars)} ids")
            out.append(self.chars[i])
        return "".join(out)
        ### END SOLUTION

    def __repr__(self) -> str:
        return f"CharTokenizer(vocab_size={len(self.chars)})"

# %% jupyter={"source_hidden": true}
# Given: what the tests below share. SAMPLES are strings every tokenizer must round-trip; random_text draws
# UTF-8 text from several scripts (letters, digits, punctuation, whitespace, accents, CJK, emoji);
# random_tables makes word tables for the trainers (word_counts is given in section 4).
import numpy as np

SAMPLES = ["", "a", "hello world", "  two  spaces\n\nand lines\t", "naive cafe\u0301 na\u00efve caf\u00e9",
           "\u4e2d\u6587 \u65e5\u672c\u8a9e \u0440\u0443\u0441\u0441\u043a\u0438\u0439", "emoji \U0001F600\U0001F44D\U0001F3FD!",
           "x_1 = 42; y__2 += 3.14", "\u00a0non-breaking\u2003em space", "\U0001F9D1\u200d\U0001F4BB joined by a zero-width joiner"]
BLOCKS = [(0x20, 0x7F), (0xA0, 0x180), (0x370, 0x500), (0x4E00, 0x4E80), (0x1F300, 0x1F650)]


def random_text(rng: np.random.Generator, length: int) -> str:
    """`length` random characters: mostly ASCII (with spaces and newlines), some from the other BLOCKS."""
    out = []
    for _ in range(length):
        r = rng.random()
        if r < 0.15:
            out.append(" \n\t"[int(rng.integers(0, 3))] if r < 0.05 else " ")
        else:
            low, high = BLOCKS[0] if r < 0.7 else BLOCKS[int(rng.integers(1, len(BLOCKS)))]
            out.append(chr(int(rng.integers(low, high))))
    return "".join(out)


def random_tables(rng: np.random.Generator, texts: int, length: tuple, letters: int) -> list:
    """(label, {word: count}) for `texts` random texts of `length` (low, high) characters, then one table of
    15 random words of 7 letters from the first `letters` of a, b, c, ..., each with a count 1-8."""
    out = [(f"random text {i}", word_counts(random_text(rng, int(rng.integers(*length))))) for i in range(texts)]
    words = {"".join(chr(97 + int(c)) for c in rng.integers(0, letters, size=7)): int(rng.integers(1, 9)) for _ in range(15)}
    return out + [(f"15 random words of {letters} letters with counts", words)]


def merges_and_calls(train, words: dict, num_merges: int) -> tuple:
    """(train(words, num_merges), how many times it called merge_pair), counted through a temporary wrapper."""
    plain, calls = globals()["merge_pair"], [0]

    def counting(*args):
        calls[0] += 1
        return plain(*args)

    globals()["merge_pair"] = counting
    try:
        return train(words, num_merges), calls[0]
    finally:
        globals()["merge_pair"] = plain

# %% nbgrader={"grade": true, "grade_id": "test-char-tokenizer", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_char_tokenizer():
    """The ids are the ranks of the characters in code-point order; decode(encode(s)) == s."""
    tok = CharTokenizer("hello world")
    assert tok.chars == [" ", "d", "e", "h", "l", "o", "r", "w"], f"sorted distinct characters expected, got {tok.chars}"
    assert tok.vocab_size == 8, f"8 distinct characters, vocab_size {tok.vocab_size}"
    assert tok.encode("hello") == [3, 2, 4, 4, 5], f"'hello' encodes to [3, 2, 4, 4, 5], got {tok.encode('hello')}"
    assert tok.decode([7, 5, 6, 4, 1]) == "world", f"[7, 5, 6, 4, 1] decodes to 'world', got {tok.decode([7, 5, 6, 4, 1])!r}"
    assert tok.encode("") == [] and tok.decode([]) == "", "the empty string is the empty list"
    for s in SAMPLES:
        back = CharTokenizer(s).decode(CharTokenizer(s).encode(s))
        assert back == s, f"round trip of {s!r} gave {back!r}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1010)
    for i in range(5):
        text = random_text(rng, int(rng.integers(1, 60)))
        tok = CharTokenizer(text)
        ids = tok.encode(text)
        observe(f"random text {i}: vocab_size", tok.vocab_size)
        observe(f"random text {i}: ids", np.array(ids, dtype=np.int64))
        observe(f"random text {i}: round trip", tok.decode(ids) == text)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_char_tokenizer()

# %% nbgrader={"grade": true, "grade_id": "test-char-tokenizer-errors", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_char_tokenizer_errors():
    """Characters outside the vocabulary, and ids outside 0 .. vocab_size - 1, raise ValueError naming them."""
    tok = CharTokenizer("abc")
    msg = error_message(ValueError, tok.encode, "abZcY")
    assert msg is not None and "'Z'" in msg and "'Y'" in msg, f"encode('abZcY'): ValueError naming 'Y' and 'Z', got {msg}"
    for bad in (3, -1):
        msg = error_message(ValueError, tok.decode, [0, bad])
        assert msg is not None and str(bad) in msg and "3" in msg, f"decode([0, {bad}]): ValueError naming {bad} and the size 3, got {msg}"

    ### BEGIN HIDDEN TESTS
    tok = CharTokenizer("the quick brown fox")
    observe("ids of 'brown the'", np.array(tok.encode("brown the"), dtype=np.int64))
    msg = error_message(ValueError, tok.encode, "quick!?")
    observe("encode('quick!?'): ValueError naming '!' and '?'", msg is not None and "'!'" in msg and "'?'" in msg)
    for bad in (tok.vocab_size, -2):
        msg = error_message(ValueError, tok.decode, [1, bad])
        observe(f"decode([1, {bad}]): ValueError naming the id", msg is not None and str(bad) in msg)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_char_tokenizer_errors()

# %% [markdown]
# ## 3. Bytes, pairs and merges
#
# UTF-8 writes every string as bytes: ASCII characters take one byte, `é` two, `中` three, an emoji four.
# Byte-level BPE starts from those bytes, so ids 0-255 are the bytes themselves and nothing is ever unknown:
# `list("hé".encode("utf-8")) == [104, 195, 169]`. A byte sequence is long, so BPE shortens it: it finds the
# most frequent pair of adjacent tokens, gives it a new id, and replaces every occurrence; repeated, that
# builds tokens for frequent pieces like `th`, ` the`, `ing`. Merge number i (counting from 0) creates id 256 + i.
#
# **Task: `count_pairs(ids, counts=None, weight=1)`.** Add `weight` to `counts[(a, b)]` for every adjacent pair
# `(ids[k], ids[k + 1])`, overlapping ones included (`[1, 1, 1]` holds the pair `(1, 1)` twice), and return
# `counts` (a new dict when `None` is given). Adding to a dict passed in lets a trainer count many words into
# one table, each weighted by how often it occurs; a negative weight takes a word's pairs out again.

# %% nbgrader={"grade": false, "grade_id": "count-pairs", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def count_pairs(ids: Sequence[int], counts: dict | None = None, weight: int = 1) -> dict:
    """counts[(ids[k], ids[k+1])] += weight for every k; returns counts (a new dict if None)."""
    ### BEGIN SOLUTION
    counts = {} if counts is None else counts
    for pair in zip(ids, ids[1:]):
        counts[pair] = counts.get(pair, 0) + weight
    return counts
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-count-pairs", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_count_pairs():
    """Every adjacent pair counts, overlapping ones too, weighted; counts passed in are added to."""
    assert count_pairs([1, 2, 3, 1, 2]) == {(1, 2): 2, (2, 3): 1, (3, 1): 1}, f"got {count_pairs([1, 2, 3, 1, 2])}"
    assert count_pairs([7, 7, 7]) == {(7, 7): 2}, f"[7, 7, 7] holds (7, 7) twice (overlapping), got {count_pairs([7, 7, 7])}"
    assert count_pairs([5]) == {} and count_pairs([]) == {}, "fewer than two ids have no pairs"
    counts = {(1, 2): 10}
    out = count_pairs([1, 2, 4], counts, weight=3)
    assert out is counts and counts == {(1, 2): 13, (2, 4): 3}, f"weight 3 added into the dict passed in, got {out}"
    count_pairs([1, 2, 4], counts, weight=-3)
    assert counts == {(1, 2): 10, (2, 4): 0}, f"weight -3 takes the pairs out again, got {counts}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1011)
    for i in range(5):
        ids = [int(v) for v in rng.integers(0, 4, size=int(rng.integers(0, 30)))]
        counts = count_pairs(ids, {(0, 0): 1}, weight=int(rng.integers(1, 5)))
        observe(f"random ids {i}: sorted (pair, count) items", sorted((a, b, c) for (a, b), c in counts.items()))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_count_pairs()

# %% [markdown]
# **Task: `merge_pair(ids, pair, new_id)`.** Return a new list in which every occurrence of `pair` is replaced
# by `new_id`, scanning left to right: where occurrences overlap, the left one wins (`[7, 7, 7]` with the pair
# `(7, 7)` becomes `[new_id, 7]`). `ids` itself stays unchanged.
#
# Pitfall: `str.replace`-style thinking on a list of ints. Compare two ids at a time and step two after a
# match, one otherwise; at the last id there is no pair left.

# %% nbgrader={"grade": false, "grade_id": "merge-pair", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def merge_pair(ids: Sequence[int], pair: tuple, new_id: int) -> list:
    """ids with each occurrence of `pair`, left to right and not overlapping, replaced by new_id."""
    ### BEGIN SOLUTION
    a, b = pair
    out, k, n = [], 0, len(ids)
    while k < n:
        if k + 1 < n and ids[k] == a and ids[k + 1] == b:
            out.append(new_id)
            k += 2
        else:
            out.append(ids[k])
            k += 1
    return out
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-merge-pair", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_merge_pair():
    """Every occurrence is replaced, left to right without overlap; the input list is left as it was."""
    ids = [1, 2, 3, 1, 2, 1]
    assert merge_pair(ids, (1, 2), 99) == [99, 3, 99, 1], f"got {merge_pair(ids, (1, 2), 99)}"
    assert ids == [1, 2, 3, 1, 2, 1], "merge_pair must not change its input"
    cases = [([7, 7, 7], [256, 7]), ([7, 7, 7, 7], [256, 256]), ([7], [7]), ([], []), ([8, 7, 8], [8, 7, 8])]
    for before, after in cases:
        got = merge_pair(before, (7, 7), 256)
        assert got == after, f"merging (7, 7) in {before}: expected {after}, got {got}"
    assert merge_pair([1, 2], (2, 1), 5) == [1, 2], "order matters: (2, 1) is not in [1, 2]"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1012)
    for i in range(6):
        ids = [int(v) for v in rng.integers(0, 3, size=int(rng.integers(0, 25)))]
        pair = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
        observe(f"random ids {i}, pair {pair}", np.array(merge_pair(ids, pair, 300 + i), dtype=np.int64))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_merge_pair()

# %% [markdown]
# ## 4. Training BPE, naively
#
# BPE does not merge across word boundaries: ` the` may become one token, `e t` never does. So training first
# splits the text into *words* with `split_words` (given): a run of letters, of digits or of other symbols,
# each with at most one space in front, or a run of whitespace. The pieces concatenate back to the text
# exactly. Training then works on the table of distinct words and their counts (`word_counts`, given):
# Shakespeare's 1.1 MB hold about 300,000 words but only about 15,000 distinct ones.
#
# Training, for `num_merges` rounds: count the pairs of every word, weighted by the word's count; pick the
# most frequent pair; give it the next id, 256 + (number of merges so far); merge it in every word. Stop early
# when no word has two tokens left. The result is the list of merged pairs, in order.
#
# Ties are broken deterministically: among the pairs with the highest count, the smallest pair, comparing
# `(a, b)` as tuples (`best_pair`, given). Example: `aaabdaaabac` is one word. Round 1: `(97, 97)` (aa)
# occurs 4 times, so 256 = aa. Round 2: `(256, 97)` and `(97, 98)` both occur twice; the smaller, `(97, 98)`
# (ab), becomes 257. Round 3: `(256, 257)` (aaab) occurs twice and becomes 258. The word is then
# `[258, 100, 258, 97, 99]`.
#
# **Task: `train_bpe_naive(words, num_merges)`.** `words` maps each word (a str) to its count. Turn each word
# into its list of UTF-8 bytes, then run the rounds above with `count_pairs`, `best_pair` and `merge_pair`,
# recounting all pairs of all words in every round. Return the list of merged pairs as tuples.

# %%
#| export
# A run of letters, of digits, or of other symbols (underscore included), each with at most one leading
# space; a run of whitespace before a word keeps its last space for that word. Every character falls in one
# class, so the pieces always concatenate back to the text.
WORD_PATTERN = re.compile(r" ?[^\W\d_]+| ?\d+| ?(?:[^\w\s]|_)+|\s+(?!\S)|\s+")


def split_words(text: str) -> list:
    """The words of `text`, in order; "".join(split_words(text)) == text."""
    return WORD_PATTERN.findall(text)


def word_counts(text: str) -> dict:
    """How often each word occurs in `text`."""
    return dict(Counter(split_words(text)))


def best_pair(counts: dict) -> tuple:
    """The pair with the highest count; among equal counts, the smallest pair (tuple order)."""
    return min(counts, key=lambda pair: (-counts[pair], pair))

# %% nbgrader={"grade": false, "grade_id": "train-naive", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def train_bpe_naive(words: dict, num_merges: int) -> list:
    """BPE merges of a {word: count} table, recounting every pair after each merge: simple and slow."""
    ### BEGIN SOLUTION
    table = [(list(word.encode("utf-8")), n) for word, n in words.items()]
    merges = []
    for _ in range(num_merges):
        counts = {}
        for ids, n in table:
            count_pairs(ids, counts, n)
        if not counts:  # every word is a single token
            break
        pair = best_pair(counts)
        new_id = 256 + len(merges)
        table = [(merge_pair(ids, pair, new_id), n) for ids, n in table]
        merges.append(pair)
    return merges
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-train-naive", "locked": true, "points": 12, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_train_naive():
    """Each round merges the most frequent pair (ties: the smallest pair); words are counted with their weights."""
    merges = train_bpe_naive(word_counts("aaabdaaabac"), 3)
    assert merges == [(97, 97), (97, 98), (256, 257)], f"'aaabdaaabac', 3 merges: aa, ab, aaab expected, got {merges}"
    assert all(type(m) is tuple for m in merges), "each merge is a tuple (a, b)"
    assert train_bpe_naive({"ab": 1, "ba": 1}, 1) == [(97, 98)], "a tie is broken by the smaller pair: (97, 98)"
    assert train_bpe_naive({"ab": 1, "ba": 2}, 1) == [(98, 97)], "a word's count weights its pairs: (98, 97) occurs twice"
    assert train_bpe_naive({"abc": 1}, 10) == [(97, 98), (256, 99)], "no pair left after two merges: stop early"
    assert train_bpe_naive({" a": 5, "a ": 5, "b": 9}, 5) == [(32, 97), (97, 32)], "pairs never cross word boundaries"
    assert train_bpe_naive({"\u00e9": 2}, 1) == [(195, 169)], "words are UTF-8 bytes: e-acute is (195, 169)"

    ### BEGIN HIDDEN TESTS
    for label, words in random_tables(np.random.default_rng(1013), texts=4, length=(50, 300), letters=3):
        observe(f"{label}, 20 merges", np.array(train_bpe_naive(words, 20), dtype=np.int64))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_train_naive()

# %% [markdown]
# ## 5. Training BPE, incrementally
#
# The naive trainer recounts every pair of every word in every round: for M merges over W distinct words of
# length L it costs M * W * L, and most of that work recounts words the merge did not touch. A merge of
# `(a, b)` changes only the words that contain `(a, b)`, and in those only the pairs around each occurrence.
#
# The incremental trainer keeps three things between rounds:
# - `counts`: pair -> weighted count over all words, kept exact;
# - `where`: pair -> the set of word indices that contain it (it may also hold words that no longer do;
#   merging such a word changes nothing, so skip it);
# - a heap of `(-count, pair)` entries, so the best pair is the smallest entry: the highest count, then the
#   smallest pair, the same rule as `best_pair`. A count that changes gets a new entry; old entries go stale.
#   Pop until the entry agrees with `counts` and its count is positive (lazy deletion).
#
# Each round: pop the best pair; for each word in `where[pair]`, take its pairs out of `counts`
# (`count_pairs(ids, counts, -n)`), merge it with `merge_pair`, put the new word's pairs back in, and record
# the word under each of its new pairs in `where`; push a fresh heap entry for every pair whose count changed.
# The work per round is proportional to the words the merge touches, not to the whole text. (A test counts
# the calls of `merge_pair`: on 50,000 characters of Shakespeare and 40 merges, about 4,000 against the
# naive trainer's 97,000.)
#
# **Task: `train_bpe(words, num_merges)`.** The same merges as `train_bpe_naive`, computed incrementally.
# The tests compare the two on many texts.
#
# Pitfall: a pair whose count drops to 0 must never be chosen; a stale heap entry carries its old count.

# %% nbgrader={"grade": false, "grade_id": "train-fast", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def train_bpe(words: dict, num_merges: int) -> list:
    """BPE merges of a {word: count} table; pair counts updated only in the words each merge touches."""
    ### BEGIN SOLUTION
    table = [list(word.encode("utf-8")) for word in words]
    weights = list(words.values())
    counts, where = {}, {}
    for k, ids in enumerate(table):
        count_pairs(ids, counts, weights[k])
        for pair in zip(ids, ids[1:]):
            where.setdefault(pair, set()).add(k)
    heap = [(-c, pair) for pair, c in counts.items()]
    heapq.heapify(heap)
    merges = []
    while len(merges) < num_merges:
        while heap and (counts.get(heap[0][1], 0) != -heap[0][0] or heap[0][0] >= 0):
            heapq.heappop(heap)  # stale: the pair's count changed since this entry was pushed
        if not heap:
            break
        pair = heapq.heappop(heap)[1]
        new_id = 256 + len(merges)
        merges.append(pair)
        changed = set()
        for k in where.pop(pair, ()):
            old = table[k]
            new = merge_pair(old, pair, new_id)
            if len(new) == len(old):  # an index entry left from before an earlier merge
                continue
            count_pairs(old, counts, -weights[k])
            count_pairs(new, counts, weights[k])
            changed.update(zip(old, old[1:]))
            for p in zip(new, new[1:]):
                where.setdefault(p, set()).add(k)
                changed.add(p)
            table[k] = new
        for p in changed:
            if counts.get(p, 0) > 0:
                heapq.heappush(heap, (-counts[p], p))
            else:
                counts.pop(p, None)
    return merges
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-train-fast", "locked": true, "points": 12, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_train_fast():
    """The incremental trainer gives exactly the naive trainer's merges: same counts, same tie rule."""
    assert train_bpe(word_counts("aaabdaaabac"), 3) == [(97, 97), (97, 98), (256, 257)], \
        f"'aaabdaaabac', 3 merges: aa, ab, aaab expected, got {train_bpe(word_counts('aaabdaaabac'), 3)}"
    assert train_bpe({"abc": 1}, 10) == [(97, 98), (256, 99)], "no pair left after two merges: stop early"
    assert train_bpe({"aaaa": 1}, 5) == [(97, 97), (256, 256)], "(97, 97) is gone after its merge: never chosen again"
    rng = np.random.default_rng(10)
    for i in range(8):
        text = random_text(rng, 400) if i % 2 else "".join(rng.choice(list("ab ab\nba"), size=400))
        words, n = word_counts(text), int(rng.integers(5, 60))
        naive, fast = train_bpe_naive(words, n), train_bpe(words, n)
        assert fast == naive, f"text {i}, {n} merges: incremental {fast[:8]}... differs from naive {naive[:8]}..."

    ### BEGIN HIDDEN TESTS
    for label, words in random_tables(np.random.default_rng(1014), texts=4, length=(200, 800), letters=2):
        observe(f"{label}, 40 merges", np.array(train_bpe(words, 40), dtype=np.int64))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_train_fast()

# %% nbgrader={"grade": true, "grade_id": "test-train-fast-shakespeare", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_train_fast_shakespeare():
    """On real text: the naive trainer's merges (' t', 'he', ' the' first), with merge_pair run 5x less often."""
    words = word_counts(load_shakespeare()[:30_000])
    (merges, calls), (naive, naive_calls) = merges_and_calls(train_bpe, words, 30), merges_and_calls(train_bpe_naive, words, 30)
    assert merges == naive, "the incremental merges differ from the naive ones on Shakespeare"
    assert calls * 5 < naive_calls, f"merge_pair ran {calls} times, naive {naive_calls}: merge only the words in where[pair]"
    assert merges[:2] == [(32, 116), (104, 101)] and (256, 257) in merges[:5], f"' t', 'he' first, ' the' among the first 5 merges, got {merges[:5]}"

    ### BEGIN HIDDEN TESTS
    text = load_shakespeare()
    merges = train_bpe(word_counts(text[300_000:500_000]), 150)
    observe("200,000 characters from offset 300,000, 150 merges", np.array(merges, dtype=np.int64))
    words = word_counts(text[700_000:720_000])
    calls, naive_calls = merges_and_calls(train_bpe, words, 30)[1], merges_and_calls(train_bpe_naive, words, 30)[1]
    observe("20,000 characters from offset 700,000, 30 merges: 5x fewer merge_pair calls than naive", calls * 5 < naive_calls)
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_train_fast_shakespeare()

# %% [markdown]
# The two trainers side by side on 20,000 characters of Shakespeare, 30 merges: the calls of `merge_pair` and
# the time (times vary).

# %%
if __name__ == "__main__":  # a demo: runs in the notebook, not when pytest imports this file
    import time

    _words = word_counts(load_shakespeare()[:20_000])
    print(f"{len(_words):,} distinct words, {sum(_words.values()):,} in all")
    for _name, _train in (("naive", train_bpe_naive), ("incremental", train_bpe)):
        _start = time.perf_counter()
        _calls = merges_and_calls(_train, _words, 30)[1]
        print(f"{_name:>11}: {_calls:6,} merge_pair calls, {1000 * (time.perf_counter() - _start):6.1f} ms")

# %% [markdown]
# ## 6. Encoding by merge rank
#
# To encode a new word, replay the training merges on its bytes. Replaying all M merges in order costs M
# passes. Faster and equivalent: a merge's *rank* is its position in the list, and the word only needs the
# merges whose pair it contains. Repeat: among the word's adjacent pairs, find the one with the lowest rank;
# if no pair has a rank, stop; else merge it (id 256 + rank). This gives the same tokens as replaying in order,
# because a merge never makes two older tokens adjacent: it only puts its new token next to the old neighbours,
# and a pair containing the new token has a higher rank.
#
# **Task: `apply_merges(ids, ranks)`.** `ranks` maps each merged pair to its rank. Return the token list after
# applying the merges to `ids` by rank, as above, using `merge_pair`.

# %% nbgrader={"grade": false, "grade_id": "apply-merges", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def apply_merges(ids: Sequence[int], ranks: dict) -> list:
    """Merge the word's lowest-ranked pair (id 256 + rank) until none of its pairs has a rank."""
    ### BEGIN SOLUTION
    ids = list(ids)
    while len(ids) >= 2:
        pair = min(zip(ids, ids[1:]), key=lambda p: ranks.get(p, float("inf")))
        if pair not in ranks:
            break
        ids = merge_pair(ids, pair, 256 + ranks[pair])
    return ids
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-apply-merges", "locked": true, "points": 8, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_apply_merges():
    """Merging by rank gives the tokens that replaying every merge in training order gives."""
    ranks = {(97, 97): 0, (97, 98): 1, (256, 257): 2}
    got = apply_merges(list(b"aaabdaaabac"), ranks)
    assert got == [258, 100, 258, 97, 99], f"'aaabdaaabac' with its 3 merges: [258, 100, 258, 97, 99], got {got}"
    assert apply_merges([], ranks) == [] and apply_merges([97], ranks) == [97], "fewer than two ids: nothing to merge"
    assert apply_merges(list(b"xyz"), ranks) == list(b"xyz"), "no pair with a rank: the bytes stay"
    words = word_counts("the theme of these thin threads, then the theatre " * 3)
    merges = train_bpe_naive(words, 12)
    ranks = {pair: r for r, pair in enumerate(merges)}
    for word in ["the", " these", " thither", "ethe", " theatres"]:
        replayed = list(word.encode("utf-8"))
        for r, pair in enumerate(merges):
            replayed = merge_pair(replayed, pair, 256 + r)
        assert apply_merges(list(word.encode("utf-8")), ranks) == replayed, f"{word!r}: by rank differs from replaying in order"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1015)
    text = random_text(rng, 600)
    ranks = {pair: r for r, pair in enumerate(train_bpe_naive(word_counts(text), 30))}
    for i, word in enumerate(split_words(text)[:40:4] + split_words(random_text(rng, 100))[:5]):
        observe(f"random word {i} ({len(word)} characters)", np.array(apply_merges(list(word.encode("utf-8")), ranks), dtype=np.int64))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_apply_merges()

# %% [markdown]
# ## 7. The tokenizer
#
# `BPETokenizer(merges, special_tokens)` holds a trained tokenizer; `BPETokenizer.train(text, num_merges,
# special_tokens)` (given) trains one with `train_bpe`. Its ids:
#
# | ids | what |
# |---|---|
# | 0-255 | the bytes |
# | 256 .. 256 + M - 1 | merge i is id 256 + i |
# | 256 + M .. | the special tokens, in the order given |
#
# *Special tokens* such as `<|endoftext|>` mark document boundaries or roles. They are not text: each is one
# id, matched in the input before anything else, never split into bytes or merged with what surrounds it.
# `split_special(text)` (given) cuts the text into plain pieces and special tokens (longest first, so
# `<|a|><|ab|>` is never misread).
#
# **Task: the `BPETokenizer` methods.**
# - `__init__`: `self.vocab`, a dict id -> bytes: `bytes([i])` for the 256 bytes, `vocab[a] + vocab[b]` for
#   merge `(a, b)` (its id 256 + i), and each special token's UTF-8 bytes. The rest is given.
# - `encode(text)`: for each piece of `split_special(text)`: a special token is its id; plain text is split
#   with `split_words`, and each word's bytes go through `apply_merges`. Words repeat (` the` thousands of
#   times), so cache each word's tokens in `self._cache`; that makes encoding a whole book take seconds.
# - `decode(ids)`: join the ids' bytes, then decode them as UTF-8 with `errors="replace"`. An id not in the
#   vocabulary raises `ValueError` naming it and the vocabulary size.
# - `save(path)`: write JSON: `{"format": "tinytorch-bpe", "version": 1, "merges": [[a, b], ...],
#   "special_tokens": {token: id, ...}}`. `load(path)` (a classmethod) reads it back into an equal tokenizer;
#   raise `ValueError` when `format` is not `tinytorch-bpe`.
#
# Pitfall: decode the joined bytes, not token by token. An emoji is 4 bytes and may span 2 tokens; either
# token alone is not valid UTF-8.

# %% nbgrader={"grade": false, "grade_id": "bpe-tokenizer", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class BPETokenizer:
    """Byte-level BPE: ids 0-255 are bytes, merge i is id 256 + i, then the special tokens."""

    merges: list
    special_tokens: dict
    vocab: dict

    def __init__(self, merges: Iterable = (), special_tokens: Iterable[str] = ()) -> None:
        """Merges (a, b) in rank order; special tokens get the ids after the merges."""
        self.merges = [tuple(int(v) for v in pair) for pair in merges]
        for i, pair in enumerate(self.merges):
            if len(pair) != 2 or not all(0 <= v < 256 + i for v in pair):
                raise ValueError(f"merge {i} is {pair}: a pair of ids each below {256 + i} (bytes or earlier merges)")
        self.ranks = {pair: i for i, pair in enumerate(self.merges)}
        specials = list(special_tokens)
        if len(set(specials)) != len(specials) or not all(isinstance(s, str) and s for s in specials):
            raise ValueError(f"special tokens must be distinct non-empty strings, got {specials}")
        first = 256 + len(self.merges)
        self.special_tokens = {token: first + k for k, token in enumerate(specials)}
        self._special_pattern = re.compile("|".join(re.escape(s) for s in sorted(specials, key=len, reverse=True))) \
            if specials else None
        self._cache = {}
        ### BEGIN SOLUTION
        self.vocab = {i: bytes([i]) for i in range(256)}
        for i, (a, b) in enumerate(self.merges):
            self.vocab[256 + i] = self.vocab[a] + self.vocab[b]
        for token, i in self.special_tokens.items():
            self.vocab[i] = token.encode("utf-8")
        ### END SOLUTION

    @classmethod
    def train(cls, text: str, num_merges: int, special_tokens: Iterable[str] = ()) -> "BPETokenizer":
        """Train on `text` (special tokens in it are cut out first, not learned from)."""
        specials = list(special_tokens)
        words = Counter()
        for piece, is_special in cls(special_tokens=specials).split_special(text):
            if not is_special:
                words.update(split_words(piece))
        return cls(train_bpe(dict(words), num_merges), specials)

    @property
    def vocab_size(self) -> int:
        return 256 + len(self.merges) + len(self.special_tokens)

    def split_special(self, text: str) -> list:
        """[(piece, is_special), ...]: plain text and special tokens in order; the pieces concatenate to text."""
        if self._special_pattern is None:
            return [(text, False)] if text else []
        out, at = [], 0
        for m in self._special_pattern.finditer(text):
            if m.start() > at:
                out.append((text[at:m.start()], False))
            out.append((m.group(), True))
            at = m.end()
        if at < len(text):
            out.append((text[at:], False))
        return out

    def encode(self, text: str) -> list:
        """Token ids of `text`: special tokens whole, every word's bytes merged by rank."""
        ### BEGIN SOLUTION
        ids = []
        for piece, is_special in self.split_special(text):
            if is_special:
                ids.append(self.special_tokens[piece])
                continue
            for word in split_words(piece):
                tokens = self._cache.get(word)
                if tokens is None:
                    tokens = self._cache[word] = apply_merges(list(word.encode("utf-8")), self.ranks)
                ids.extend(tokens)
        return ids
        ### END SOLUTION

    def decode(self, ids: Iterable[int]) -> str:
        """The text of the ids: their bytes joined, then decoded as UTF-8 (invalid bytes become U+FFFD)."""
        ### BEGIN SOLUTION
        parts = []
        for i in ids:
            piece = self.vocab.get(i)
            if piece is None:
                raise ValueError(f"token id {i} is not in the vocabulary of {self.vocab_size} ids")
            parts.append(piece)
        return b"".join(parts).decode("utf-8", errors="replace")
        ### END SOLUTION

    def save(self, path: str | Path) -> None:
        """Write the merges and special tokens as JSON."""
        ### BEGIN SOLUTION
        data = {"format": "tinytorch-bpe", "version": 1, "merges": [list(pair) for pair in self.merges],
                "special_tokens": self.special_tokens}
        Path(path).write_text(json.dumps(data), encoding="utf-8")
        ### END SOLUTION

    @classmethod
    def load(cls, path: str | Path) -> "BPETokenizer":
        """Read a tokenizer written by save."""
        ### BEGIN SOLUTION
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != "tinytorch-bpe":
            raise ValueError(f"{path} is not a tinytorch-bpe tokenizer file")
        specials = sorted(data.get("special_tokens", {}).items(), key=lambda item: item[1])
        tokenizer = cls(data["merges"], [token for token, _ in specials])
        if tokenizer.special_tokens != dict(specials):
            raise ValueError(f"{path}: special token ids {dict(specials)} do not follow the merges")
        return tokenizer
        ### END SOLUTION

    def __repr__(self) -> str:
        return (f"BPETokenizer(merges={len(self.merges)}, special_tokens={list(self.special_tokens)}, "
                f"vocab_size={self.vocab_size})")

# %% nbgrader={"grade": true, "grade_id": "test-bpe-tokenizer-encode", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_bpe_tokenizer_encode():
    """encode merges each word's bytes by rank; vocab[i] is the byte string token i stands for."""
    tok = BPETokenizer.train("aaabdaaabac", 3)
    assert tok.merges == [(97, 97), (97, 98), (256, 257)] and tok.vocab_size == 259, f"got {tok}"
    assert tok.encode("aaabdaaabac") == [258, 100, 258, 97, 99], f"got {tok.encode('aaabdaaabac')}"
    assert tok.vocab[97] == b"a" and tok.vocab[256] == b"aa" and tok.vocab[258] == b"aaab", "vocab[256 + i] = vocab[a] + vocab[b]"
    assert tok.encode("") == [] and tok.encode("\u00e9") == [195, 169], "no merges apply: the UTF-8 bytes"
    assert tok.encode("aaab aaab") == [258, 32, 258], "' aaab' is a word of its own: merged inside, its space stays a byte"
    text = "the theme of these thin threads " * 4
    tok = BPETokenizer.train(text, 20)
    words = split_words(text)
    assert tok.encode(text) == [t for w in words for t in apply_merges(list(w.encode("utf-8")), tok.ranks)], \
        "encode(text) is apply_merges on each word of split_words(text), concatenated"
    assert len(tok.encode(text)) < len(text.encode("utf-8")) / 3, "20 merges should compress this text more than 3x"

    ### BEGIN HIDDEN TESTS
    text = load_shakespeare()[:50_000]
    tok = BPETokenizer.train(text, 100)
    observe("50,000 characters, 100 merges: vocab of the last 5 merges", [list(tok.vocab[i]) for i in range(351, 356)])
    sample = load_shakespeare()[600_000:602_000]
    observe("2,000 characters from offset 600,000: ids", np.array(tok.encode(sample), dtype=np.int64))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_bpe_tokenizer_encode()

# %% nbgrader={"grade": true, "grade_id": "test-bpe-tokenizer-decode", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_bpe_tokenizer_decode():
    """decode(encode(s)) == s for any text: empty, emoji, mixed scripts; unknown ids raise ValueError."""
    tok = BPETokenizer.train(" ".join(SAMPLES) * 3, 60)
    for s in SAMPLES + ["\U0001F600" * 5, "text the tokenizer never saw: \u05e9\u05dc\u05d5\u05dd \u0928\u092e\u0938\u094d\u0924\u0947"]:
        assert tok.decode(tok.encode(s)) == s, f"round trip of {s!r} gave {tok.decode(tok.encode(s))!r}"
    assert tok.decode([104, 195, 169]) == "h\u00e9", "bytes 195, 169 together are e-acute"
    assert tok.decode([104, 195]) == "h\ufffd", "an incomplete UTF-8 sequence decodes to U+FFFD, no error"
    msg = error_message(ValueError, tok.decode, [104, tok.vocab_size])
    assert msg is not None and str(tok.vocab_size) in msg, f"an id past the vocabulary: ValueError naming it, got {msg}"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1016)
    tok = BPETokenizer.train(random_text(rng, 3000), 80)
    for i in range(6):
        text = random_text(rng, int(rng.integers(0, 200)))
        ids = tok.encode(text)
        observe(f"random text {i}: round trip, token count", (tok.decode(ids) == text, len(ids)))
    whole = load_shakespeare()
    shakespeare = BPETokenizer.train(whole[:30_000], 50)
    ids = shakespeare.encode(whole)
    observe("the whole of Shakespeare, 50 merges: round trip, token count", (shakespeare.decode(ids) == whole, len(ids)))
    observe("decode of ids 0..255 and the first 10 merges", list(tok.decode(list(range(256, 266)) + list(range(256))).encode("utf-8")))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_bpe_tokenizer_decode()

# %% nbgrader={"grade": true, "grade_id": "test-bpe-tokenizer-special", "locked": true, "points": 9, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from tito.check import observe


def test_bpe_tokenizer_special():
    """A special token is one id after the merges, never split or merged with its neighbours, and decodes back."""
    eot = "<|endoftext|>"
    tok = BPETokenizer.train(f"aaabdaaabac{eot}aaab", 3, special_tokens=[eot, "<|pad|>"])
    assert tok.special_tokens == {eot: 259, "<|pad|>": 260} and tok.vocab_size == 261, f"got {tok.special_tokens}"
    assert tok.merges == [(97, 97), (97, 98), (256, 257)], "special tokens in the training text are not learned from"
    assert tok.encode(f"aaab{eot}aaab") == [258, 259, 258], f"got {tok.encode(f'aaab{eot}aaab')}"
    assert tok.encode(f"{eot}{eot}<|pad|>") == [259, 259, 260], "adjacent special tokens: one id each"
    assert tok.encode("<|endof") == list(b"<|endof"), "an incomplete special token is plain text"
    text = f"x{eot} <|pad|>\n{eot}"
    assert tok.decode(tok.encode(text)) == text and tok.vocab[259] == eot.encode(), "special tokens decode to their text"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1017)
    specials = ["<s>", "</s>", "<|im_start|>", "<s>x"]
    tok = BPETokenizer.train(random_text(rng, 1000), 30, special_tokens=specials)
    observe("special token ids after 30 merges", [tok.special_tokens[s] for s in specials])
    for i in range(4):
        parts = [random_text(rng, int(rng.integers(0, 10))) if rng.random() < 0.5 else specials[int(rng.integers(0, 4))] for _ in range(8)]
        ids = tok.encode("".join(parts))
        observe(f"random text with special tokens {i}: ids", np.array(ids, dtype=np.int64))
        observe(f"random text with special tokens {i}: round trip", tok.decode(ids) == "".join(parts))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_bpe_tokenizer_special()

# %% nbgrader={"grade": true, "grade_id": "test-bpe-tokenizer-save", "locked": true, "points": 9, "schema_version": 3, "solution": false, "task": false}
import json
import tempfile
from pathlib import Path

import numpy as np
from tito.check import observe
from tito.testkit import error_message


def test_bpe_tokenizer_save():
    """load(save(t)) has t's merges, special tokens and vocabulary, and encodes every text as t does."""
    tok = BPETokenizer.train("the theme of these thin threads " * 4, 20, special_tokens=["<|endoftext|>"])
    with tempfile.TemporaryDirectory() as tmp:
        tok.save(Path(tmp) / "bpe.json")
        data = json.loads((Path(tmp) / "bpe.json").read_text(encoding="utf-8"))
        back = BPETokenizer.load(Path(tmp) / "bpe.json")
        (Path(tmp) / "other.json").write_text('{"format": "something else"}', encoding="utf-8")
        msg = error_message(ValueError, BPETokenizer.load, Path(tmp) / "other.json")
    assert data["format"] == "tinytorch-bpe" and data["merges"] == [list(p) for p in tok.merges], f"saved file: {data}"
    assert back.merges == tok.merges and back.special_tokens == tok.special_tokens and back.vocab == tok.vocab, f"loaded {back}"
    text = "these threads<|endoftext|>thin themes"
    assert back.encode(text) == tok.encode(text), "the loaded tokenizer encodes differently"
    assert msg is not None, "a file of another format: ValueError"

    ### BEGIN HIDDEN TESTS
    rng = np.random.default_rng(1018)
    tok = BPETokenizer.train(random_text(rng, 2000), 50, special_tokens=["<|a|>", "<|b|>"])
    with tempfile.TemporaryDirectory() as tmp:
        tok.save(Path(tmp) / "t.json")
        back = BPETokenizer.load(Path(tmp) / "t.json")
    observe("random tokenizer reloaded: merges", np.array(back.merges, dtype=np.int64))
    observe("random tokenizer reloaded: special tokens", sorted(back.special_tokens.items()))
    text = random_text(rng, 300) + "<|b|>"
    observe("random tokenizer reloaded: ids of a random text", np.array(back.encode(text), dtype=np.int64))
    ### END HIDDEN TESTS


if __name__ == "__main__":
    test_bpe_tokenizer_save()

# %% [markdown]
# ## 8. BPE on Shakespeare
#
# Train 256 merges on a fifth of the text and compare the two tokenizers on the rest. The character
# tokenizer spends one token per character; after 256 merges BPE's tokens average almost 2 characters, so a
# model with a fixed context length sees almost twice as much text. The cost is a larger vocabulary (513 ids
# against 65), hence a larger embedding table and output layer; more merges give longer tokens.

# %%
if __name__ == "__main__":  # a demo: runs in the notebook, not when pytest imports this file
    import time

    _text = load_shakespeare()
    _start = time.perf_counter()
    _bpe = BPETokenizer.train(_text[:220_000], 256, special_tokens=["<|endoftext|>"])
    _seconds = time.perf_counter() - _start
    _rest = _text[220_000:]
    _ids = _bpe.encode(_rest)
    print(f"256 merges on 220,000 characters: {_seconds:.1f} s; vocabulary {_bpe.vocab_size} ids")
    print(f"the other {len(_rest):,} characters: {len(_ids):,} BPE tokens, {len(_rest) / len(_ids):.2f} characters "
          f"per token; the character tokenizer needs {len(CharTokenizer(_text).encode(_rest)):,}")
    print("the last 8 merges:", [_bpe.vocab[256 + i].decode("utf-8", errors="replace") for i in range(248, 256)])

# %% [markdown]
# ## Questions
#
# Answer in the cell under each question, in a few sentences, with the figures your notebook printed. A person
# grades these (points shown); they are not part of the autograded 100.

# %% [markdown]
# **Question 1 (3 points).** On the 895,394 characters your BPE tokenizer did not train on, how many tokens did
# it produce, and how many characters per token is that? What does it gain a model with a context of 256
# tokens, and what does it cost in the model's embedding table of width 64, against the character tokenizer?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-bpe-length", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the printed figures: about 479,000 BPE tokens against 895,394 characters, about 1.87 characters
#   per token
# - 1 point: the gain: 256 tokens now cover about 480 characters of text instead of 256, so the model sees
#   almost twice the context for the same sequence length (and attention cost)
# - 1 point: the cost: 513 ids against 65, so the embedding table has 513 x 64 = 32,832 weights instead of
#   65 x 64 = 4,160 (about 8 times), and the output layer that scores every id grows the same way
# Model answer: BPE turned the 895,394 held-out characters into 478,948 tokens, 1.87 characters per token,
# where the character tokenizer needs one token per character. A model that reads 256 tokens at a time
# therefore sees about 480 characters, nearly twice as much text per step. The price is the vocabulary: 513
# ids instead of 65, so an embedding table of width 64 grows from 4,160 to 32,832 weights, and the final layer
# that produces one logit per id grows by the same factor of about 8, with fewer training examples per id.
# ### END SOLUTION

# %% [markdown]
# **Question 2 (3 points).** Look at the last 8 merges your tokenizer printed. Why did the name of a character
# become one token within only 256 merges, and what does it tell you about choosing the text a tokenizer is
# trained on?

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-bpe-merges", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the printed merges, among them pieces that build an upper-case name (`GLOU`, `CEST`, `CESTER`,
#   `GLOUCESTER`) next to common pieces such as `ven` or ` ca`
# - 1 point: why: each speech starts with the speaker's name on its own line, always the same word (no space
#   in front, split off by split_words), so in the 220,000 training characters the name is as frequent as a
#   common syllable; late merges have low counts (the first merge occurs about 4,700 times, merges 248 to 255
#   about 100 times each), and once one piece of the name is merged the next pair of the name has the same
#   count, so its merges follow each other
# - 1 point: the lesson: the merges reflect the training text, here the few plays in its first fifth; a name
#   frequent there takes vocabulary entries that help little elsewhere, so train on a sample representative of
#   the text to encode
# Model answer: The last merges were ven, ' ca', CEST, GLOU, CESTER, GLOUCESTER, ath and qu. In the training
# fifth Gloucester speaks about a hundred times, and every speech begins with `GLOUCESTER:` on a line of its
# own, so the word GLOUCESTER occurs a hundred times in exactly the same form. By merge 250 the best pairs are
# about that rare, so the name's pairs qualify, and each merge leaves the next pair of the name with the same count,
# so four consecutive merges build the whole name. BPE has no idea what a word is: it spends its vocabulary on
# whatever the training text repeats. A tokenizer trained on one play favours its speakers; it should be
# trained on text like the text it will encode.
# ### END SOLUTION

# %% [markdown]
# **Question 3 (2 points).** On 20,000 characters and 30 merges, how many times did each trainer call
# `merge_pair`, and how long did each take? Explain the naive count exactly from the figures printed, and why
# the ratio of the times is smaller than the ratio of the calls.

# %% [markdown] nbgrader={"grade": true, "grade_id": "written-bpe-incremental", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# Rubric:
# - 1 point: the counts (38,670 against about 1,800) and the naive count as 1,289 distinct words x 30 rounds:
#   the naive trainer merges every distinct word in every round
# - 1 point: the times (the incremental one several times faster, figures vary) and why the time ratio is
#   smaller: the incremental trainer still pays for keeping counts, the where sets and the heap (pushes and
#   stale pops), and many merge_pair calls of the naive trainer are on short words that cost little
# Model answer: The naive trainer called merge_pair 38,670 times, exactly 1,289 distinct words times 30
# rounds, because it merges and recounts every word in every round. The incremental trainer called it 1,824
# times, 21 times fewer, only for the words that contain the chosen pair. The times were 925 ms against
# 189 ms, only about 5 times apart: the incremental trainer also takes each touched word's pairs out of the
# counts and puts the new ones back, updates the where sets and pushes and pops heap entries, and most of the
# naive trainer's calls are on short words that return almost at once.
# ### END SOLUTION
