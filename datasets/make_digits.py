"""Regenerate datasets/digits/digits.npz from scikit-learn's copy of the UCI handwritten digits.

Run once by a maintainer (needs scikit-learn, which the course itself does not): `python datasets/make_digits.py`.
The course only reads the .npz, so it works offline. The file is written deterministically (fixed order, no
timestamps inside the arrays) and its SHA-256 is printed for digits/README.md.
"""
import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).parent / "digits" / "digits.npz"


def main() -> None:
    from sklearn.datasets import load_digits

    data = load_digits()
    images = data.images.astype(np.uint8)  # integer pixel counts 0..16
    labels = data.target.astype(np.uint8)
    assert images.shape == (1797, 8, 8) and labels.shape == (1797,) and images.max() == 16
    # np.savez stamps the zip entries with the current time; write them with a fixed date instead.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in (("images", images), ("labels", labels)):
            entry = io.BytesIO()
            np.save(entry, array, allow_pickle=False)
            archive.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=(1998, 7, 1, 0, 0, 0)), entry.getvalue(),
                             compress_type=zipfile.ZIP_DEFLATED)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(buffer.getvalue())
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes), sha256 {hashlib.sha256(OUT.read_bytes()).hexdigest()}")


if __name__ == "__main__":
    main()
