#!/usr/bin/env python3
"""How soon `gradbook serve` has a saved change built: the time from writing a chapter file
to the moment `/__gradbook/status` reports the new build version, over several saves.

A page in the browser sees that version at its next poll (every 50 ms), then reloads: its
delay is this time plus up to 50 ms plus the reload. Not run by CI.

    cargo build && python3 scripts/bench_serve.py              # this repository's book, copied
    python3 scripts/bench_serve.py --saves 20 --binary target/release/gradbook
    python3 scripts/bench_serve.py --browser    # also: until headless Chromium shows the change

With --browser it opens the chapter in headless Chromium (chromedriver on PATH) and also times
save → the open page showing the saved text (the reload included).
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

CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


class Browser:
    """Just enough of the WebDriver protocol: open a page, run a script."""

    def __init__(self, port=9517):
        self.base = f"http://127.0.0.1:{port}"
        self.driver = subprocess.Popen(["chromedriver", f"--port={port}"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                self.call("GET", "/status")
                break
            except OSError:
                time.sleep(0.05)
        args = CHROME_ARGS + [f"--user-data-dir={tempfile.mkdtemp()}"]
        caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {"args": args}}}}
        self.session = self.call("POST", "/session", caps)["value"]["sessionId"]

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as r:
            return json.load(r)

    def open(self, url):
        self.call("POST", f"/session/{self.session}/url", {"url": url})

    def run(self, script):
        return self.call("POST", f"/session/{self.session}/execute/sync",
                         {"script": script, "args": []})["value"]

    def close(self):
        try:
            self.call("DELETE", f"/session/{self.session}")
        finally:
            self.driver.terminate()


def status(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__gradbook/status", timeout=5) as r:
        return json.load(r)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default="target/debug/gradbook")
    parser.add_argument("--saves", type=int, default=10)
    parser.add_argument("--chapter", default="content/init.md")
    parser.add_argument("--port", type=int, default=3917)
    parser.add_argument("--browser", action="store_true")
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
            browser = Browser() if args.browser else None
            page = Path(args.chapter).relative_to("content").with_suffix(".html")
            if browser:
                browser.open(f"http://127.0.0.1:{args.port}/{page}")
            delays, shown = [], []
            for save in range(args.saves):
                time.sleep(0.5)
                text = chapter.read_text()
                marker = f"保存第 {save + 1} 次。"
                started = time.perf_counter()
                chapter.write_text(text + f"\n{marker}\n")
                while status(args.port)["version"] == version:
                    time.sleep(0.002)
                delays.append((time.perf_counter() - started) * 1000)
                version = status(args.port)["version"]
                if browser:
                    check = f"return document.body !== null && document.body.innerText.includes({json.dumps(marker)})"
                    while not browser.run(check):
                        time.sleep(0.002)
                    shown.append((time.perf_counter() - started) * 1000)
            if browser:
                browser.close()

            def summary(values):
                values = sorted(values)
                return (f"median {statistics.median(values):.0f} ms, min {values[0]:.0f}, "
                        f"max {values[-1]:.0f}")
            print(f"save → new build served, {args.saves} saves: {summary(delays)}")
            if shown:
                print(f"save → the open page shows it (Chromium): {summary(shown)}")
            else:
                print("a page shows it at its next poll (≤ 50 ms later), then reloads")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
