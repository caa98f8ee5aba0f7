"""BPE training (module 10): the naive trainer against the incremental one, and the incremental one on the whole
shipped Shakespeare text (1.1 MB) for 512 merges, at a quarter, half and all of it.

The naive trainer recounts every pair of every distinct word after each merge; the incremental one updates the
counts only in the words a merge touches. Targets: both give the same merges; the incremental one is at least
10x faster on the slice; doubling the text at most about doubles its time (4x the text within 8x the time:
linear, not quadratic). Also prints the time to encode the whole text with the trained tokenizer.
Run: .venv/bin/python benchmarks/bpe_train.py [--slice-merges 256]
"""
from __future__ import annotations

import argparse
import sys

from harness import measure, print_table
from tinytorch.text.tokenize import BPETokenizer, load_shakespeare, train_bpe, train_bpe_naive, word_counts

SLICE = 50_000  # characters (the text is ASCII: also bytes)
MERGES = 512


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slice-merges", type=int, default=256, help="merges for the naive-vs-incremental run")
    args = parser.parse_args()
    text = load_shakespeare()

    words = word_counts(text[:SLICE])
    merges = {}
    naive = measure(lambda: merges.__setitem__("naive", train_bpe_naive(words, args.slice_merges)), warmup=0, repeats=1)
    fast = measure(lambda: merges.__setitem__("fast", train_bpe(words, args.slice_merges)), warmup=1, repeats=3)
    same = merges["naive"] == merges["fast"]
    print(f"first {SLICE:,} characters ({len(words):,} distinct words), {args.slice_merges} merges:")
    print_table(["trainer", "seconds"], [["naive (recount all)", f"{naive.median:.2f}"],
                                         ["incremental", f"{fast.median:.2f}"]])
    print(f"speed-up {naive.median / fast.median:.0f}x; same merges: {same}\n")

    rows, times = [], []
    for fraction in (4, 2, 1):
        part = text[:len(text) // fraction]
        part_words = word_counts(part)
        timing = measure(lambda: train_bpe(part_words, MERGES), warmup=0, repeats=3)
        times.append(timing.median)
        rows.append([f"{len(part):,}", f"{len(part_words):,}", MERGES, f"{timing.median:.2f}",
                     f"{timing.low:.2f}-{timing.high:.2f}"])
    print("incremental trainer (counting the words excluded):")
    print_table(["characters", "distinct words", "merges", "median s", "spread s"], rows)

    tokenizer = BPETokenizer.train(text, MERGES)
    ids = []
    encode = measure(lambda: ids.__setitem__(slice(None), BPETokenizer(tokenizer.merges).encode(text)), warmup=0,
                     repeats=3)
    print(f"\nencoding the whole text with a fresh {MERGES}-merge tokenizer (empty cache): {encode.median:.2f} s, "
          f"{len(ids):,} tokens ({len(text) / len(ids):.2f} characters per token)")

    growth = times[-1] / times[0]
    print(f"4x the text -> {growth:.1f}x the time (linear: about 4; quadratic: 16)")
    return 0 if same and naive.median >= 10 * fast.median and growth <= 8 else 1


if __name__ == "__main__":
    sys.exit(main())
