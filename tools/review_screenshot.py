"""Open a run's review.html in headless Chromium (Debian's `chromium`) as a clerk would, at 1366×768 and on a
phone (390×844, mobile: the viewport meta counts), fail on any console error or a layout that does not fit
(the page wider than the window, the column headers under the sticky bar), and save a screenshot of each for
the README.

Usage: .venv/bin/python tools/review_screenshot.py [out/samples/review.html] [docs/review.png]
(the phone's screenshot, and the desktop's scrolled into the longest records table, go beside it:
docs/review_phone.png, docs/review_scrolled.png)

Chromium is driven through the DevTools protocol over a pipe (--remote-debugging-pipe): no port, no extra
package, and a phone is emulated as Chromium's own device mode does it; --window-size alone cannot go below
500 px and ignores the viewport meta."""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCREENS = {"desktop": (1366, 768, False), "phone": (390, 844, True)}

# Measured in the page, scrolled to the middle of its longest records table.
LAYOUT = """(() => {
const out={innerWidth:innerWidth,scrollWidth:document.documentElement.scrollWidth,lang:document.documentElement.lang};
const tables=[...document.querySelectorAll('table.records')];
if(!tables.length)return out;
const t=tables.reduce((a,b)=>b.tBodies[0].rows.length>a.tBodies[0].rows.length?b:a);
const box=t.closest('.wide');
const scroller=box&&getComputedStyle(box).overflowY==='auto'?box:null;
const r=t.getBoundingClientRect();scrollTo(0,scrollY+r.top-60);
if(scroller)scroller.scrollTop=scroller.scrollHeight/2;else scrollTo(0,scrollY+r.height/2);
const bar=document.querySelector('.bar').getBoundingClientRect(),th=t.tHead.rows[0].cells[1].getBoundingClientRect();
out.barBottom=bar.bottom;out.thTop=th.top;out.thBottom=th.bottom;
const hit=document.elementFromPoint(th.left+th.width/2,th.top+th.height/2);out.headerOnTop=!!(hit&&hit.closest('thead'));
return out})()"""


class Chromium:
    """Headless Chromium, one page, spoken to through the DevTools protocol on a pipe (JSON messages ended by
    a NUL: Chromium reads them on its fd 3 and answers on its fd 4)."""

    def __init__(self, exe: str):
        to_child, self._send = os.pipe()
        self._recv, from_child = os.pipe()

        # a profile of its own: a Chromium already running with the default one would take the page and exit
        self.profile = tempfile.mkdtemp(prefix="chitieu-chromium-")
        # bash gives Chromium the pipe ends as fds 3 and 4, where --remote-debugging-pipe expects them (dash's
        # redirections take one digit only, and the pipe ends may be fd 12)
        command = ('exec "$0" --headless --no-sandbox --disable-gpu --hide-scrollbars --remote-debugging-pipe '
                   f'--user-data-dir="$1" about:blank 3<&{to_child} 4>&{from_child}')
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(["bash", "-c", command, exe, self.profile], pass_fds=(to_child, from_child),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log)
        os.close(to_child)
        os.close(from_child)
        self._id = 0
        self._buffer = b""
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime"):
            self.call(f"{domain}.enable", session=True)

    def call(self, method: str, session: bool = False, **params) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._send, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def _read(self) -> dict:
        while b"\0" not in self._buffer:
            chunk = os.read(self._recv, 1 << 20)
            if not chunk:
                self.log.seek(0)
                said = [ln for ln in self.log.read().decode(errors="replace").splitlines() if "dbus" not in ln]
                raise RuntimeError("Chromium stopped: " + " | ".join(said[-5:]))
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def open(self, url: str, width: int, height: int, mobile: bool) -> None:
        """The page at this size (a phone: mobile, 3 device pixels a CSS pixel), loaded."""
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                  deviceScaleFactor=3 if mobile else 1, mobile=mobile)
        self.events.clear()
        self.call("Page.navigate", session=True, url=url)
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._read())

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(str(result["exceptionDetails"])[:500])
        return result["result"].get("value")

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def console_errors(self) -> list[str]:
        errors = []
        for e in self.events:
            if e.get("method") == "Runtime.exceptionThrown":
                errors.append(str(e["params"]["exceptionDetails"].get("text")))
            elif e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] == "error":
                errors.append(" ".join(str(a.get("value")) for a in e["params"]["args"]))
        return errors

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (OSError, RuntimeError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._send)
        os.close(self._recv)
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


def find_chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


def layout_problems(seen: dict) -> list[str]:
    """What does not fit in measurements taken by LAYOUT."""
    problems = []
    if seen["scrollWidth"] > seen["innerWidth"]:
        problems.append(f"the page is {seen['scrollWidth']} px wide in a {seen['innerWidth']} px window")
    if "thTop" in seen and not (seen["thTop"] >= seen["barBottom"] - 0.5 and seen["headerOnTop"]):
        problems.append("the column headers are covered when the records are scrolled")
    return problems


def main() -> int:
    page = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "out" / "samples" / "review.html").resolve()
    shot = Path(sys.argv[2] if len(sys.argv) > 2 else ROOT / "docs" / "review.png").resolve()
    exe = find_chromium()
    if exe is None:
        print("Chromium is not installed; install the Debian package chromium", file=sys.stderr)
        return 3
    shot.parent.mkdir(parents=True, exist_ok=True)
    browser = Chromium(exe)
    failed = False
    try:
        for screen, (width, height, mobile) in SCREENS.items():
            browser.open(page.as_uri(), width, height, mobile)
            target = shot if screen == "desktop" else shot.with_name(f"{shot.stem}_{screen}{shot.suffix}")
            browser.screenshot(target)
            problems = browser.console_errors() + layout_problems(browser.evaluate(LAYOUT))
            if screen == "desktop":  # and scrolled into the records: the headers under the bar
                browser.screenshot(target.with_name(f"{shot.stem}_scrolled{shot.suffix}"))
            for p in problems:
                print(f"{screen} {width}×{height}: {p}", file=sys.stderr)
            failed |= bool(problems)
            print(f"{page.name} at {width}×{height} ({screen}) → {target}")
    finally:
        browser.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
