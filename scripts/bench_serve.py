#!/usr/bin/env python3
"""How soon `gradbook serve` has a saved change built: the time from writing a chapter file
to the moment `/__gradbook/status` reports the new build version, over several saves.

A page in the browser sees that version at its next poll (every 100 ms), then reloads: its
delay is this time plus up to 100 ms plus the reload. Not run by CI.

    cargo build && python3 scripts/bench_serve.py              # this repository's book, copied
    python3 scripts/bench_serve.py --saves 20 --binary target/release/gradbook
"""

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path


def status(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__gradbook/status", timeout=5) as r:
        return json.load(r)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default="target/debug/gradbook")
    parser.add_argument("--saves", type=int, default=10)
    parser.add_argument("--chapter", default="content/init.md")
    parser.add_argument("--port", type=int, default=3917)
    args = parser.parse_args()
    repository = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as root:
        root = Path(root)
        for part in ["content", "templates"]:
            shutil.copytree(repository / part, root / part)
        if (repository / ".gradbook" / "cache").is_dir():
            shutil.copytree(repository / ".gradbook" / "cache", root / ".gradbook" / "cache")
        server = subprocess.Popen(
            [str(repository / args.binary), "serve", "--quiet", "--root", str(root),
             "--port", str(args.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 300
            while True:
                try:
                    version = status(args.port)["version"]
                    if version >= 1:
                        break
                except OSError:
                    pass
                if time.time() > deadline:
                    raise SystemExit("the server did not build the book in 300 s")
                time.sleep(0.05)
            chapter = root / args.chapter
            delays = []
            for save in range(args.saves):
                time.sleep(0.5)
                text = chapter.read_text()
                started = time.perf_counter()
                chapter.write_text(text + f"\n保存第 {save + 1} 次。\n")
                while status(args.port)["version"] == version:
                    time.sleep(0.002)
                delays.append((time.perf_counter() - started) * 1000)
                version = status(args.port)["version"]
            delays.sort()
            print(f"save → new build served, {args.saves} saves: median "
                  f"{statistics.median(delays):.0f} ms, min {delays[0]:.0f}, max {delays[-1]:.0f}")
            print("a page shows it at its next poll (≤ 100 ms later), then reloads")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
