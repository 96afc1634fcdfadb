"""Builds the training and held-out corpora for Chorus's trained demo models.

Sources are files already on a machine set up for this repository, pinned by version so a rerun sees the same bytes:
- TypeScript: the `.ts` sources (not `.d.ts`) of the npm packages in node_modules (pinned by package-lock.json);
- JavaScript: unminified `.js`/`.mjs` files of the same packages;
- Python: the standard library of Debian 12's python3.11 (/usr/lib/python3.11).
Each file's language, path and SHA-256 go into manifest.json. A file is held out when the SHA-1 of its relative path
falls in the held-out bucket, so the split does not depend on the order files are found in; held-out files are
never trained on. Output: out/<language>-{train,heldout}.bin (documents joined by the EOS byte marker, see below).
"""
import hashlib
import json
import os
import sys

HELDOUT_BUCKETS = 40
# Held-out files copied into the repository for the quality benchmark and tests (a fresh clone has no corpus).
FIXTURE_LANGUAGES = ("typescript", "python")
FIXTURE_BYTES = 48_000
FIXTURE_FILE_MAX = 24_000  # 1 in 40 files is held out
MAX_FILE = 200_000
MIN_FILE = 1_000
LIMITS = {"typescript": 12_000_000, "javascript": 6_000_000, "python": 12_000_000}

SKIP_DIR_PARTS = {"locales", "locale", "i18n", "dist-types", "__pycache__", "idlelib", "pydoc_data", "encodings", "lib2to3"}


def is_held_out(rel_path: str) -> bool:
    return int(hashlib.sha1(rel_path.encode()).hexdigest(), 16) % HELDOUT_BUCKETS == 0


def looks_minified(data: bytes) -> bool:
    lines = data.count(b"\n") + 1
    return len(data) / lines > 120


def source_files(root: str, rel_base: str, exts: tuple, skip_suffixes: tuple = ()):
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIR_PARTS and not d.startswith("."))
        for name in sorted(filenames):
            if not name.endswith(exts) or name.endswith(skip_suffixes):
                continue
            path = os.path.join(dirpath, name)
            size = os.path.getsize(path)
            if MIN_FILE <= size <= MAX_FILE:
                found.append((os.path.join(rel_base, os.path.relpath(path, root)), path))
    return found


def gather(repo: str):
    nm = os.path.join(repo, "node_modules")
    return {
        "typescript": source_files(nm, "node_modules", (".ts",), (".d.ts", ".d.mts", ".d.cts")),
        "javascript": source_files(nm, "node_modules", (".js", ".mjs"), (".min.js",)),
        "python": source_files("/usr/lib/python3.11", "/usr/lib/python3.11", (".py",)),
    }


def main() -> None:
    repo = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")
    os.makedirs(out, exist_ok=True)
    manifest = {"heldout_buckets": HELDOUT_BUCKETS, "languages": {}}
    seen = set()
    for language, files in gather(repo).items():
        parts = {"train": [], "heldout": []}
        sizes = {"train": 0, "heldout": 0}
        for rel, path in files:
            with open(path, "rb") as f:
                data = f.read()
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen or looks_minified(data) or b"\0" in data:
                continue  # duplicates (the same file in two packages) would leak between train and held-out
            seen.add(digest)
            split = "heldout" if is_held_out(rel) else "train"
            if split == "train" and sizes["train"] >= LIMITS[language]:
                continue
            parts[split].append({"path": rel, "sha256": digest, "bytes": len(data)})
            sizes[split] += len(data)
            with open(os.path.join(out, f"{language}-{split}.txt"), "ab" if len(parts[split]) > 1 else "wb") as f:
                f.write(data)
                f.write(b"\0")  # document separator: the trainer turns it into EOS
        manifest["languages"][language] = {"sizes": sizes, "files": parts}
        print(f"{language}: train {sizes['train']:,} bytes in {len(parts['train'])} files, held out {sizes['heldout']:,} bytes in {len(parts['heldout'])} files")
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    write_heldout_fixtures(repo, manifest)


def write_heldout_fixtures(repo: str, manifest: dict) -> None:
    """Copies whole held-out files (the smaller ones, in manifest order) up to FIXTURE_BYTES per language."""
    for language in FIXTURE_LANGUAGES:
        folder = os.path.join(repo, "test", "fixtures", "heldout-code", language)
        os.makedirs(folder, exist_ok=True)
        for old in os.listdir(folder):
            os.remove(os.path.join(folder, old))
        total = 0
        sources = []
        for entry in manifest["languages"][language]["files"]["heldout"]:
            if entry["bytes"] > FIXTURE_FILE_MAX or total + entry["bytes"] > FIXTURE_BYTES:
                continue
            src = entry["path"] if os.path.isabs(entry["path"]) else os.path.join(repo, entry["path"])
            name = f"{len(sources):02d}-{os.path.basename(src)}.txt"
            with open(src, "rb") as f_in, open(os.path.join(folder, name), "wb") as f_out:
                f_out.write(f_in.read())
            sources.append({"file": name, "source": entry["path"], "sha256": entry["sha256"]})
            total += entry["bytes"]
        with open(os.path.join(folder, "..", f"{language}-sources.json"), "w") as f:
            json.dump(sources, f, indent=1)
        print(f"held-out fixtures: {language}: {len(sources)} files, {total:,} bytes")


if __name__ == "__main__":
    main()
