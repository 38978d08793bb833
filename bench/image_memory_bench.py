"""Benchmark: memory of ``POST /api/v1/match/image`` per worst-case image, and a burst of 32.

Issue 11, item 1: a 9000x9000 16-bit greyscale PNG of ~200 KiB cost a worker +1.24 GB. This
script starts gunicorn (production settings, one worker process with 16 threads, a throwaway
SQLite database), warms the worker up, and for each synthetic worst-case image reads the
worker's peak RSS (``VmHWM``, reset before each request through ``/proc/<pid>/clear_refs``)
above its baseline. Then 32 clients send worst-case images at once while a probe keeps
asking ``/healthz``: the server must keep answering, and refused requests must get 503 with
``Retry-After`` rather than memory.

Target (issue 11): every accepted image at most 100 MB above the worker's baseline.

Only synthetic images (gradients, shapes, noise) are used. Run:

    .venv/bin/python bench/image_memory_bench.py [--write]
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from bench_common import cpu_model, memory_gib

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
LIMIT_MB = 100


# -- synthetic worst cases -----------------------------------------------------------------------


def _encode(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def _gradient(w: int, h: int, dtype=np.uint8, top: int = 255) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    return ((x / w * 0.6 + y / h * 0.4) * top).astype(dtype)


def png16_flat(side: int) -> bytes:
    """The issue's attack: a flat 16-bit greyscale PNG (tiny file, huge decode)."""
    return _encode(Image.new("I;16", (side, side), 1234), "PNG")


def png16_gradient(side: int) -> bytes:
    return _encode(Image.fromarray(_gradient(side, side, np.uint16, 65535)), "PNG")


def big_jpeg(w: int, h: int) -> bytes:
    """A large photo-like JPEG (gradient, shapes, mild noise), as big as JPEG is accepted."""
    rng = np.random.default_rng(7)
    g = _gradient(w, h)
    arr = np.stack([g, g[::-1], g[:, ::-1]], axis=-1)
    arr = (arr + rng.integers(0, 24, (h, 1, 3), dtype=np.uint8)).astype(np.uint8)
    im = Image.fromarray(arr, "RGB")
    del arr
    d = ImageDraw.Draw(im)
    d.ellipse((w // 5, h // 5, w // 2, h // 2), fill=(250, 30, 30))
    d.rectangle((w // 2, h // 2, w - 50, h - 50), fill=(20, 40, 200))
    return _encode(im, "JPEG", quality=90)


def huge_palette_png(w: int, h: int) -> bytes:
    """A palette PNG with extreme dimensions and a transparent colour (alpha composite)."""
    arr = (_gradient(w, h) // 16).astype(np.uint8)
    im = Image.fromarray(arr, "L").convert("P")
    im.info["transparency"] = 0
    return _encode(im, "PNG", transparency=0)


def rgba_noise_png(side: int) -> bytes:
    """An RGBA PNG whose decode is 4 bytes a pixel and whose file is near the 20 MB limit."""
    rng = np.random.default_rng(3)
    arr = rng.integers(0, 2, (side, side, 4), dtype=np.uint8) * 60 + 15
    arr[..., 3] = 255 - rng.integers(0, 2, (side, side), dtype=np.uint8) * 80
    return _encode(Image.fromarray(arr, "RGBA"), "PNG")


def float_tiff(side: int) -> bytes:
    """A 32-bit float TIFF (mode F, 4 bytes a pixel), min..max normalised."""
    steps = np.floor(_gradient(side, side, np.float32, 1) * 64) / 64  # compressible
    arr = (steps * 1000.0 - 200.0).astype(np.float32)
    return _encode(Image.fromarray(arr, "F"), "TIFF", compression="tiff_adobe_deflate")


def cases() -> list[tuple[str, bytes]]:
    return [
        ("16-bit grey PNG 9000x9000, flat (the issue's attack)", png16_flat(9000)),
        ("16-bit grey PNG 4096x4096, flat", png16_flat(4096)),
        ("16-bit grey PNG 4096x4096, gradient", png16_gradient(4096)),
        ("JPEG 8192x8192 (67 MP, the JPEG maximum)", big_jpeg(8192, 8192)),
        ("JPEG 4000x3000 (12 MP photo size)", big_jpeg(4000, 3000)),
        ("palette PNG 16384x1024 with transparency", huge_palette_png(16384, 1024)),
        ("palette PNG 1024x16384 with transparency", huge_palette_png(1024, 16384)),
        ("RGBA PNG 4096x4096, noisy (decode 64 MB: refused)", rgba_noise_png(4096)),
        ("RGBA PNG 3500x3500, noisy (largest RGBA accepted)", rgba_noise_png(3500)),
        ("float TIFF 4096x4096 (mode F: refused)", float_tiff(4096)),
        ("float TIFF 2400x2400 (mode F, largest accepted)", float_tiff(2400)),
        (
            "RGB PNG 1920x1080 (full-resolution path)",
            _encode(Image.fromarray(np.stack([_gradient(1920, 1080)] * 3, axis=-1), "RGB"), "PNG"),
        ),
    ]


# -- server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(db_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="ostoja.config.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=f"sqlite:///{db_path}",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT / "src"),
    )
    return env


def setup(env: dict) -> str:
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    code = (
        "from ostoja.organisations.services import create_organisation, issue_api_token\n"
        "p = create_organisation(actor=None, name='Bench platform', kind='online_platform', "
        "slug='bench-platform', verified=True)\n"
        "t, s = issue_api_token(actor=None, organisation=p, name='bench', scopes=['match'])\n"
        "print(s)\n"
    )
    out = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


def multipart(data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="x"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def post_image(port: int, token: str, data: bytes) -> tuple[int, dict, dict]:
    body, ctype = multipart(data)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        conn.request(
            "POST",
            "/api/v1/match/image",
            body=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": ctype},
        )
        resp = conn.getresponse()
        raw = resp.read()
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = {"raw": raw[:200].decode("latin-1")}
        return resp.status, payload, dict(resp.getheaders())
    finally:
        conn.close()


def status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def reset_peak(pid: int) -> None:
    with open(f"/proc/{pid}/clear_refs", "w") as fh:
        fh.write("5")  # resets VmHWM to the current RSS


def worker_pid(arbiter: int) -> int:
    for _ in range(100):
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(arbiter)], capture_output=True, text=True
        ).stdout.split()
        if out:
            return int(out[0])
        time.sleep(0.1)
    sys.exit("no gunicorn worker")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=16, help="threads of the one worker")
    parser.add_argument("--burst", type=int, default=32, help="concurrent requests in the burst")
    parser.add_argument("--write", action="store_true", help="write bench/results/image_memory.md")
    args = parser.parse_args()
    if not Path(GUNICORN).exists():
        sys.exit(f"{GUNICORN} is missing (pip install gunicorn).")

    print("making the synthetic images…", flush=True)
    images = cases()
    tmp = Path(tempfile.mkdtemp(prefix="ostoja-image-bench-"))
    env = server_env(tmp / "bench.sqlite3")
    token = setup(env)
    port = free_port()
    server = subprocess.Popen(
        [
            GUNICORN,
            "ostoja.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--worker-class",
            "gthread",
            "--threads",
            str(args.threads),
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    lines: list[str] = []
    try:
        for _ in range(300):
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                probe.request("GET", "/healthz")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("gunicorn did not start")
        pid = worker_pid(server.pid)
        # Warm-up: imports, compiled kernels, the first index build.
        small = _encode(Image.fromarray(_gradient(640, 480), "L"), "PNG")
        for _ in range(3):
            status, payload, _h = post_image(port, token, small)
            assert status == 200, (status, payload)
        baseline = status_kb(pid, "VmRSS") / 1024
        print(f"worker {pid} baseline RSS {baseline:.0f} MB", flush=True)
        rows = []
        worst = 0.0
        for name, data in images:
            reset_peak(pid)
            before = status_kb(pid, "VmRSS") / 1024
            t0 = time.perf_counter()
            status, payload, _h = post_image(port, token, data)
            elapsed = time.perf_counter() - t0
            peak = status_kb(pid, "VmHWM") / 1024
            after = status_kb(pid, "VmRSS") / 1024
            over = peak - baseline
            over_before = peak - before
            note = "accepted" if status == 200 else f"{status} {payload.get('errors') or payload}"
            if status == 200:
                worst = max(worst, over)
            rows.append(
                (name, len(data), status, over, over_before, after - baseline, elapsed, note)
            )
            print(
                f"{name}: {len(data) / 2**20:.1f} MB file, HTTP {status}, peak +{over:.0f} MB "
                f"(before +{before - baseline:.0f}, after +{after - baseline:.0f}), "
                f"{elapsed:.2f} s",
                flush=True,
            )

        # -- burst ---------------------------------------------------------------------------
        burst_image = next(d for n, d in images if n.startswith("RGBA PNG 3500"))
        jpeg_image = next(d for n, d in images if n.startswith("JPEG 8192"))
        attack_image = images[0][1]
        reset_peak(pid)
        results: list[tuple[int, str]] = []
        probes: list[float] = []
        probe_failures = 0
        stop = threading.Event()

        def prober() -> None:
            nonlocal probe_failures
            while not stop.is_set():
                t = time.perf_counter()
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    c.request("GET", "/healthz")
                    ok = c.getresponse().status == 200
                    c.close()
                except OSError:
                    ok = False
                if ok:
                    probes.append(time.perf_counter() - t)
                else:
                    probe_failures += 1
                time.sleep(0.1)

        def client(i: int) -> None:
            data = burst_image if i % 2 == 0 else attack_image if i % 4 == 1 else jpeg_image
            status, _p, headers = post_image(port, token, data)
            results.append((status, headers.get("Retry-After", "")))

        probe_thread = threading.Thread(target=prober)
        probe_thread.start()
        t0 = time.perf_counter()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.burst)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        burst_seconds = time.perf_counter() - t0
        stop.set()
        probe_thread.join()
        burst_peak = status_kb(pid, "VmHWM") / 1024 - baseline
        status, _p, _h = post_image(port, token, small)
        after_ok = status == 200
        counts: dict[str, int] = {}
        for s, retry in results:
            key = f"{s}" + (f" (Retry-After {retry})" if retry else "")
            counts[key] = counts.get(key, 0) + 1
        print(
            f"burst of {args.burst}: {counts}, {burst_seconds:.1f} s, worker peak "
            f"+{burst_peak:.0f} MB, /healthz answered {len(probes)} times (max "
            f"{max(probes) if probes else float('nan'):.2f} s), {probe_failures} probe failures, "
            f"request after the burst: {'200' if after_ok else status}",
            flush=True,
        )
        verdict = "PASS" if worst <= LIMIT_MB and after_ok and not probe_failures else "FAIL"
        print(f"worst accepted image: +{worst:.0f} MB (limit {LIMIT_MB} MB): {verdict}")

        lines = [
            "# Image memory (`bench/image_memory_bench.py`)",
            "",
            f"- Machine: {cpu_model()}, {os.cpu_count()} cores, {memory_gib():.0f} GiB RAM; "
            f"date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; other work was "
            "running on the machine.",
            f"- gunicorn 1 worker x {args.threads} threads (gthread), production settings, "
            f"SQLite; worker baseline RSS after warm-up {baseline:.0f} MB.",
            "",
            "| image | file | HTTP | peak RSS above baseline | peak above RSS before "
            "the request | RSS after, above baseline | time |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, size, status, over, over_before, after, elapsed, _note in rows:
            lines.append(
                f"| {name} | {size / 2**20:.2f} MB | {status} | {over:.0f} MB | "
                f"{over_before:.0f} MB | {after:.0f} MB | {elapsed:.2f} s |"
            )
        lines += [
            "",
            f"Burst: {args.burst} concurrent requests (half the 3500x3500 RGBA PNG, a quarter "
            f"the 9000x9000 PNG, a quarter the 67 MP JPEG): {counts}; {burst_seconds:.1f} s; "
            f"worker peak +{burst_peak:.0f} MB; /healthz answered {len(probes)} probes during "
            f"the burst (slowest {max(probes) if probes else float('nan'):.2f} s), "
            f"{probe_failures} failed; a request after the burst: "
            f"{'200' if after_ok else status}.",
            "",
            f"Worst accepted image: +{worst:.0f} MB (target at most {LIMIT_MB} MB): {verdict}.",
        ]
    finally:
        server.terminate()
        server.wait(timeout=30)
    if args.write and lines:
        out = ROOT / "bench" / "results" / "image_memory.md"
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
