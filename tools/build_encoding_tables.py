"""Build normalize/data/legacy_encodings.json: byte → Unicode tables for TCVN3 (ABC) and VISCII.

Taken from glibc's iconv converters (TCVN5712-1 decodes TCVN3/ABC text; VISCII is RFC 1456), so the tables are
those of an installed, maintained package, not typed by hand. Run once by a developer; the JSON is committed
and nothing calls iconv at run time. VNI-Windows is not in iconv: its rules are in normalize/encodings.py."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "normalize" / "data" / "legacy_encodings.json"


def table(charset: str) -> dict[str, str]:
    out = {}
    for b in range(256):
        r = subprocess.run(["iconv", "-f", charset, "-t", "UTF-8"], input=bytes([b]), capture_output=True)
        text = r.stdout.decode("utf-8") if r.returncode == 0 else ""
        if text and text != chr(b):
            out[f"{b:02x}"] = text
    return out


def main() -> None:
    data = {"_source": "glibc iconv: TCVN5712-1 (for TCVN3/ABC), VISCII",
            "tcvn3": table("TCVN5712-1"), "viscii": table("VISCII")}
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(data['tcvn3'])} TCVN3 and {len(data['viscii'])} VISCII entries)")


if __name__ == "__main__":
    main()
