"""Benchmark the C JSON functions against the Python paths they are meant to shortcut.

Over ``--count`` generated JSON texts shaped like the legacy rows' (small
objects and lists written by json.dumps, as in users' preferences, event
properties and skills), it prints microseconds per text for:

* checking a text: ``transforms.check_json`` (orjson through Python) against
  ``mingus_rowcodec.json_check_fast``;
* comparing a source text with what jsonb gives back (keys reordered,
  respaced): ``validate._json_texts_surely_equal`` (orjson parses both and
  writes them back with sorted keys) against ``jsonb_canonical(source) ==
  target``.

The targets are what PostgreSQL prints for ``source::jsonb::text``, computed by
``jsonb_canonical`` itself (``tests/ops/test_json_native.py`` holds it equal to
the server's); each comparison is then timed on its own. Figures are the best
of ``--repeat`` runs and include the Python call of each function: from C (the
row encoder, the comparer) they cost less.

    .venv/bin/python bench/json_native_bench.py [--count 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mingus.settings")

import django

django.setup()

from ops.legacy import row_codec, transforms, validate  # noqa: E402

_PLATFORMS = ["web", "ios", "android"]
_REFERRERS = ["", "google", "newsletter", "friend", "app_store", "linkedin.com/feed"]
_SKILLS = ["Data Analysis", "Java", "Python", "SQL", "Project Management", "Excel", "Diseño gráfico", "Communication"]
_CURRENCIES = ["USD", "EUR", "GBP", "CAD"]


def _text(rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.3:
        value = {
            "platform": rng.choice(_PLATFORMS),
            "app_version": f"{rng.randrange(1, 4)}.{rng.randrange(10)}.{rng.randrange(10)}",
            "referrer": rng.choice(_REFERRERS),
        }
    elif shape < 0.55:
        value = {
            "currency": rng.choice(_CURRENCIES),
            "notifications": {"email": rng.random() < 0.5, "sms": rng.random() < 0.5},
            "weekly_digest": rng.random() < 0.5,
        }
    elif shape < 0.8:
        value = rng.sample(_SKILLS, rng.randrange(0, 5))
    elif shape < 0.95:
        value = {
            "goal": rng.choice(["emergency fund", "pay off debt", "save for a house", "retirement"]),
            "target": round(rng.uniform(500, 50_000), 2),
            "months": rng.randrange(1, 60),
            "priority": rng.choice(["high", "medium", "low", None]),
        }
    else:
        value = {"note": rng.choice(["café", "naïve", "日本語", "ok"]), "tags": ["a", "b"], "score": rng.random()}
    return json.dumps(value)


def _best(repeat: int, run) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    native = row_codec._native
    if native is None or not hasattr(native, "jsonb_canonical"):
        print("mingus_rowcodec is not built (pip install ./ops/legacy/native)", file=sys.stderr)
        return 1
    rng = random.Random(args.seed)  # noqa: S311 (test data, not secrets)
    sources = [_text(rng) for _ in range(args.count)]
    targets = [native.jsonb_canonical(text) for text in sources]
    taken = sum(map(native.json_check_fast, sources))
    if None in targets:
        print(
            f"{targets.count(None)} texts declined by jsonb_canonical: the comparison needs them all", file=sys.stderr
        )
        return 1
    pairs = list(zip(sources, targets, strict=True))
    same_bytes = sum(source == target for source, target in pairs)
    check_json, check_fast = transforms.check_json, native.json_check_fast
    surely_equal, canonical = validate._json_texts_surely_equal, native.jsonb_canonical

    def python_check():
        for text in sources:
            check_json(text)

    def c_check():
        for text in sources:
            check_fast(text)

    def python_compare():
        for source, target in pairs:
            surely_equal(source, target)

    def c_compare():
        for source, target in pairs:
            canonical(source) == target  # noqa: B015 (the comparison is what is timed)

    def loop_only():
        for _source, _target in pairs:
            pass

    per_text = 1e6 / args.count
    overhead = _best(args.repeat, loop_only) * per_text
    print(f"{args.count} texts, {sum(map(len, sources)) / args.count:.0f} bytes on average; json_check_fast takes")
    print(f"{taken / args.count:.2%} of them; {same_bytes / args.count:.2%} are already byte-equal to their target")
    print(f"(best of {args.repeat}, microseconds per text, the bare loop's {overhead:.3f} included)")
    rows = [
        ("check: transforms.check_json (orjson)", python_check),
        ("check: json_check_fast (C)", c_check),
        ("compare: validate._json_texts_surely_equal (orjson)", python_compare),
        ("compare: jsonb_canonical(source) == target (C)", c_compare),
    ]
    for name, run in rows:
        print(f"  {name:<55} {_best(args.repeat, run) * per_text:8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
