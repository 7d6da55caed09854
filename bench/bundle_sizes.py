"""What each console route downloads: the shell (loaded once) and, per route, its own
chunk with the chunks it imports that the shell does not already hold. Read from Vite's
build manifest; sizes raw and gzipped (what travels).

Run: `make bench` (after `make web`), or `python bench/bundle_sizes.py`.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from drs_orchestrator.api.console import STATIC


def closure(manifest: dict[str, dict[str, object]], key: str) -> set[str]:
    seen: set[str] = set()
    todo = [key]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo += list(manifest[current].get("imports", []))  # type: ignore[call-overload]
    return seen


def size(files: set[str]) -> tuple[int, int]:
    raw = zipped = 0
    for name in files:
        data = (STATIC / name).read_bytes()
        raw += len(data)
        zipped += len(gzip.compress(data, 9))
    return raw, zipped


def main() -> None:
    path = STATIC / ".vite" / "manifest.json"
    if not path.is_file():
        raise SystemExit("The console is not built: run `make web` first")
    manifest: dict[str, dict[str, object]] = json.loads(path.read_text())
    entry = next(k for k, v in manifest.items() if v.get("isEntry"))
    shell = closure(manifest, entry)
    shell_files = {str(manifest[k]["file"]) for k in shell}
    shell_files |= {str(c) for k in shell for c in manifest[k].get("css", [])}  # type: ignore[attr-defined]
    raw, zipped = size(shell_files)
    print(f"{'route chunk':<34}{'raw kB':>10}{'gzip kB':>10}")
    print(f"{'shell (every page, once)':<34}{raw / 1000:>10.1f}{zipped / 1000:>10.1f}")
    for key in sorted(manifest):
        if not key.startswith("src/pages/"):
            continue
        own = {str(manifest[k]["file"]) for k in closure(manifest, key) - shell}
        raw, zipped = size(own)
        print(f"{Path(key).stem:<34}{raw / 1000:>10.1f}{zipped / 1000:>10.1f}")


if __name__ == "__main__":
    main()
