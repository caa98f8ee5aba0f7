"""download_mnist and load_mnist against a local HTTP server on 127.0.0.1: no internet use at all.

The server serves small IDX files written here under MNIST's file names, answers HTTP Range requests with 206
(or ignores them, on request), and logs every request so a test can tell whether the cache was used.
"""
from __future__ import annotations

import gzip
import hashlib
import http.server
import re
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

from tinytorch.core import data
from tinytorch.core.data import MNIST_FILES, MNIST_SHA256, download_mnist, load_mnist

IDX_CODES = {np.dtype(np.uint8): 0x08}


def idx_bytes(array: np.ndarray, magic: bytes | None = None) -> bytes:
    """An IDX file for a uint8 array; `magic` replaces the first four bytes."""
    head = bytes([0, 0, IDX_CODES[array.dtype], array.ndim]) if magic is None else magic
    return head + np.array(array.shape, dtype=">u4").tobytes() + array.tobytes()


def make_files(train: int = 5, test: int = 3, seed: int = 0) -> tuple[dict, dict]:
    """gzip bytes under MNIST's four file names, and the arrays inside them."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train_images": rng.integers(0, 256, size=(train, 28, 28)).astype(np.uint8),
        "train_labels": rng.integers(0, 10, size=train).astype(np.uint8),
        "test_images": rng.integers(0, 256, size=(test, 28, 28)).astype(np.uint8),
        "test_labels": rng.integers(0, 10, size=test).astype(np.uint8),
    }
    files = {MNIST_FILES[key]: gzip.compress(idx_bytes(a), mtime=0) for key, a in arrays.items()}
    return files, arrays


def sums(files: dict) -> dict:
    return {name: hashlib.sha256(body).hexdigest() for name, body in files.items()}


class Server:
    """A threaded HTTP server for `files`; `log` holds (file name, Range header or None, status) per request."""

    def __init__(self, files: dict, ranges: bool = True):
        self.files, self.ranges, self.log = dict(files), ranges, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                wanted = self.headers.get("Range")
                body = server.files.get(name)
                if body is None:
                    server.log.append((name, wanted, 404))
                    self.send_error(404)
                    return
                m = re.fullmatch(r"bytes=(\d+)-", wanted or "")
                if m and server.ranges:
                    start = int(m.group(1))
                    if start >= len(body):
                        server.log.append((name, wanted, 416))
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(body)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    server.log.append((name, wanted, 206))
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                    body = body[start:]
                else:
                    server.log.append((name, wanted, 200))
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # keep the test output clean
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/mnist/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture(autouse=True)
def data_root(tmp_path, monkeypatch) -> Path:
    """Defaults resolve under tmp_path, never into the repository's datasets/ folder."""
    monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path / "datasets"))
    return tmp_path / "datasets"


def test_published_checksums_cover_the_four_files():
    assert set(MNIST_SHA256) == set(MNIST_FILES.values())
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in MNIST_SHA256.values())
    assert MNIST_SHA256["train-images-idx3-ubyte.gz"].startswith("440fcabf")


def test_full_download_then_load(tmp_path):
    files, arrays = make_files()
    root = tmp_path / "mnist"
    with Server(files) as server:
        paths = download_mnist(root, mirror=server.url, checksums=sums(files))
    assert set(paths) == set(MNIST_FILES)
    for key, path in paths.items():
        assert path == root / MNIST_FILES[key] and path.read_bytes() == files[MNIST_FILES[key]]
    assert sorted(name for name, _, _ in server.log) == sorted(files)
    assert all(rng is None and status == 200 for _, rng, status in server.log)
    assert not list(root.glob("*.part"))
    for train in (True, False):
        images, labels = load_mnist(root, train=train)
        split = "train" if train else "test"
        np.testing.assert_array_equal(images, arrays[f"{split}_images"])
        np.testing.assert_array_equal(labels, arrays[f"{split}_labels"])
        assert images.dtype == np.uint8 and labels.dtype == np.int64


def test_default_root_is_the_cache_folder(data_root):
    files, _ = make_files()
    with Server(files) as server:
        paths = download_mnist(mirror=server.url, checksums=sums(files))
    assert paths["train_images"].parent == data_root / "cache" / "mnist"
    assert load_mnist()[0].shape == (5, 28, 28)


def test_cached_second_call_makes_no_request(tmp_path):
    files, _ = make_files()
    with Server(files) as server:
        first = download_mnist(tmp_path, mirror=server.url, checksums=sums(files))
        server.log.clear()
        second = download_mnist(tmp_path, mirror=server.url, checksums=sums(files))
    assert server.log == []
    assert first == second


def test_invalid_cached_file_is_fetched_again(tmp_path):
    files, _ = make_files()
    name = MNIST_FILES["test_labels"]
    (tmp_path / name).write_bytes(b"not the right bytes")
    with Server(files) as server:
        download_mnist(tmp_path, mirror=server.url, checksums=sums(files))
    assert (tmp_path / name).read_bytes() == files[name]
    assert [entry[0] for entry in server.log].count(name) == 1


@pytest.mark.parametrize("ranges", [True, False], ids=["server-resumes", "server-ignores-range"])
def test_resume_from_partial_file(tmp_path, ranges):
    files, arrays = make_files(train=40)
    name = MNIST_FILES["train_images"]
    half = len(files[name]) // 2
    (tmp_path / (name + ".part")).write_bytes(files[name][:half])
    with Server(files, ranges=ranges) as server:
        download_mnist(tmp_path, mirror=server.url, checksums=sums(files))
    entry = [e for e in server.log if e[0] == name]
    assert entry == [(name, f"bytes={half}-", 206 if ranges else 200)]
    assert (tmp_path / name).read_bytes() == files[name]
    assert not (tmp_path / (name + ".part")).exists()
    np.testing.assert_array_equal(load_mnist(tmp_path)[0], arrays["train_images"])


def test_complete_partial_file_is_renamed(tmp_path):
    files, _ = make_files()
    name = MNIST_FILES["train_labels"]
    (tmp_path / (name + ".part")).write_bytes(files[name])
    with Server(files) as server:
        download_mnist(tmp_path, mirror=server.url, checksums=sums(files))
    assert (name, f"bytes={len(files[name])}-", 416) in server.log
    assert (tmp_path / name).read_bytes() == files[name]


def test_checksum_mismatch_deletes_the_file_and_names_both_hashes(tmp_path):
    files, _ = make_files()
    name = MNIST_FILES["train_labels"]
    expected = sums(files)
    expected[name] = "0" * 64
    with Server(files) as server:
        with pytest.raises(ValueError) as err:
            download_mnist(tmp_path, mirror=server.url, checksums=expected)
    message = str(err.value)
    assert name in message and "0" * 64 in message and sums(files)[name] in message
    assert not (tmp_path / name).exists() and not (tmp_path / (name + ".part")).exists()


def test_offline_raises_connection_error_naming_url_and_cache(tmp_path):
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there now
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mirror = f"http://127.0.0.1:{port}/mnist/"
    with pytest.raises(ConnectionError) as err:
        download_mnist(tmp_path / "cache", mirror=mirror, timeout=5, checksums=sums(make_files()[0]))
    message = str(err.value)
    assert mirror + MNIST_FILES["train_images"] in message
    assert str(tmp_path / "cache") in message and "place" in message


def test_http_error_raises_connection_error(tmp_path):
    files, _ = make_files()
    del files[MNIST_FILES["test_images"]]
    checks = sums(files) | {MNIST_FILES["test_images"]: "0" * 64}
    with Server(files) as server:
        with pytest.raises(ConnectionError, match="HTTP 404"):
            download_mnist(tmp_path, mirror=server.url, checksums=checks)


@pytest.mark.parametrize("magic", [b"\x00\x00\x08\x01", b"\x01\x00\x08\x03", b"\x00\x00\x07\x03"])
def test_bad_magic_number(tmp_path, magic):
    images = np.zeros((2, 28, 28), dtype=np.uint8)
    labels = np.zeros(2, dtype=np.uint8)
    (tmp_path / MNIST_FILES["train_images"]).write_bytes(gzip.compress(idx_bytes(images, magic=magic)))
    (tmp_path / MNIST_FILES["train_labels"]).write_bytes(gzip.compress(idx_bytes(labels)))
    with pytest.raises(ValueError) as err:
        load_mnist(tmp_path, train=True)
    message = str(err.value)
    assert MNIST_FILES["train_images"] in message and "magic number" in message and magic.hex() in message


def test_missing_files_say_how_to_get_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="download_mnist"):
        load_mnist(tmp_path, train=False)


def test_no_request_leaves_the_machine(monkeypatch, tmp_path):
    """Every URL opened in these tests is on 127.0.0.1."""
    opened = []
    real = data.urllib.request.urlopen

    def spy(request, *args, **kwargs):
        opened.append(request.full_url)
        return real(request, *args, **kwargs)

    monkeypatch.setattr(data.urllib.request, "urlopen", spy)
    files, _ = make_files()
    with Server(files) as server:
        download_mnist(tmp_path, mirror=server.url, checksums=sums(files))
    assert opened and all(url.startswith("http://127.0.0.1:") for url in opened)
