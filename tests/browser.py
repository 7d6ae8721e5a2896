"""Headless Chromium for the HTML report's tests: the rendered DOM, a screenshot, and every
network request the page attempted.

Requests are read from Chromium's own NetLog (``--log-net-log``): each URL request
records its ``initiator``, the origin of the document that asked for it ("null" for a
file:// page) or "not an origin" for the browser's own background traffic, which no
set of flags silences entirely. Host names are mapped to nothing
(``--host-resolver-rules``), so an attempt is logged but never leaves the machine.
``tests/test_html.py`` shows the detector catching a page that does request something.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: Flags that work as root in a container: no sandbox, no GPU, no first-run or
#: background services, no QUIC; every host resolves to nothing.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--virtual-time-budget=5000",  # let every load the page starts settle before the dump
]
#: A hang guard for one browser run (one takes about a second; a page whose injected
#: alert() ran would wait for its dialog for ever); not a limit on how fast anything must be.
HANG = 120
BACKGROUND = "not an origin"


@dataclass(frozen=True)
class Browsed:
    dom: str  # --dump-dom: the DOM after loading, serialised
    requests: list[str]  # URLs the page asked for (the browser's own traffic left out)


def browse(page: Path, *, screenshot: Path | None = None, size: str = "1000,1400") -> Browsed:
    """Open ``page`` (a file) in a fresh headless Chromium: its DOM (or a screenshot into
    ``screenshot``) and the requests it attempted."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        netlog = Path(profile) / "netlog.json"
        action = [f"--screenshot={screenshot}", f"--window-size={size}"] if screenshot else []
        run = subprocess.run(
            [
                CHROMIUM,
                *FLAGS,
                f"--user-data-dir={profile}/profile",
                f"--log-net-log={netlog}",
                *(action or ["--dump-dom"]),
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=HANG,
            check=False,
        )
        assert run.returncode == 0, run.stderr[-2000:]
        return Browsed(run.stdout, page_requests(netlog))


def page_requests(netlog: Path) -> list[str]:
    """The URLs of the requests a document initiated, from a NetLog file."""
    text = netlog.read_text(encoding="utf-8").rstrip().rstrip(",")
    if not text.endswith("}"):  # a log cut at exit lacks its closing brackets
        text += "]}"
    log = json.loads(text)
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    found = []
    for event in log["events"]:
        params = event.get("params", {})
        initiator = params.get("initiator", BACKGROUND)
        if event["type"] == start and "url" in params and initiator != BACKGROUND:
            found.append(params["url"])
    return found


def screenshot_colours(page: Path, shot: Path) -> npt.NDArray[np.int64]:
    """The RGB pixels of ``page`` shot in the browser (1000 x 1400), asserted taken
    without a request and not blank (many colours, not one)."""
    assert browse(page, screenshot=shot).requests == []
    pixels = decode_png(shot.read_bytes())
    assert pixels.shape[:2] == (1400, 1000)
    rgb = pixels[..., :3].astype(np.int64)
    assert rgb.std() > 20  # not a blank page
    assert len(np.unique(rgb.reshape(-1, 3)[::5], axis=0)) > 50
    return rgb


def decode_png(data: bytes, *, rows: int | None = None) -> npt.NDArray[np.uint8]:
    """The pixels of an 8-bit RGB or RGBA PNG (the first ``rows`` rows), height x width x
    channels: the chunks, zlib, and the five row filters of the PNG specification."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, idat, header = 8, [], b""
    while position < len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat.append(body)
        position += 12 + length
    width, height = int.from_bytes(header[0:4], "big"), int.from_bytes(header[4:8], "big")
    depth, colour, interlace = header[8], header[9], header[12]
    assert (depth, interlace) == (8, 0), "an 8-bit PNG, not interlaced"
    assert colour in (2, 6), "an RGB or RGBA PNG"
    channels = 3 if colour == 2 else 4
    stride = width * channels
    raw = zlib.decompress(b"".join(idat))
    height = min(height, rows) if rows else height
    image = np.zeros((height, stride), np.uint8)
    previous = np.zeros(stride, np.int32)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        if kind == 0:
            out = line
        elif kind == 1:  # Sub: a running sum per channel
            out = np.cumsum(line.reshape(width, channels), axis=0).reshape(-1) % 256
        elif kind == 2:  # Up
            out = (line + previous) % 256
        else:  # Average, Paeth: each byte depends on the one decoded before it
            out = _sequential(kind, line.tolist(), previous.tolist(), channels)
        image[y] = out
        previous = np.asarray(out, np.int32)
    return image.reshape(height, width, channels)


def _sequential(kind: int, line: list[int], up: list[int], bpp: int) -> npt.NDArray[np.int32]:
    out = [0] * len(line)
    for i, value in enumerate(line):
        a = out[i - bpp] if i >= bpp else 0
        b = up[i]
        if kind == 3:
            out[i] = (value + (a + b) // 2) & 255
            continue
        c = up[i - bpp] if i >= bpp else 0
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        predictor = a if pa <= pb and pa <= pc else b if pb <= pc else c
        out[i] = (value + predictor) & 255
    return np.asarray(out, np.int32)
