"""Open a run's review.html in headless Chromium (Debian's `chromium`), fail on any console error, and save a
screenshot for the README. Usage: .venv/bin/python tools/review_screenshot.py [out/samples/review.html] [docs/review.png]"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    page = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "out" / "samples" / "review.html").resolve()
    shot = Path(sys.argv[2] if len(sys.argv) > 2 else ROOT / "docs" / "review.png").resolve()
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        print("Chromium is not installed; install the Debian package chromium", file=sys.stderr)
        return 3
    shot.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--enable-logging=stderr", "--v=0", "--window-size=1400,1000",
                           f"--screenshot={shot}", page.as_uri()], capture_output=True, text=True, timeout=120)
    errors = [ln for ln in proc.stderr.splitlines() if re.search(r"CONSOLE.*(Error|Uncaught)", ln)]
    if errors or not shot.exists():
        print("\n".join(errors) or proc.stderr[-2000:], file=sys.stderr)
        return 1
    print(f"{page.name} rendered without console errors → {shot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
