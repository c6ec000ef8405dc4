"""µs per Fernet call: cryptography's MultiFernet against mingus.fernet_ring.FernetRing, in one run.

    .venv/bin/python bench/fernet_bench.py [--size 380] [--repeats 9] [--number 20000]

A ring of three keys, tokens of about 600 characters (380 bytes of plaintext).
Cases: decrypt of a token under the first key, under the third (both rings try
keys in order, so three HMACs), and encrypt. Every repeat runs every case once,
interleaved, so a busy machine slows both sides alike; the figures are the
median over the repeats (and the fastest, in brackets). Before timing, the
script checks that each side opens the other's tokens.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.fernet import Fernet, MultiFernet

from mingus.fernet_ring import FernetRing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=380, help="plaintext bytes (380: tokens of 588 characters)")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--number", type=int, default=20000, help="calls per case and repeat")
    args = parser.parse_args()

    keys = [Fernet.generate_key() for _ in range(3)]
    multi = MultiFernet([Fernet(key) for key in keys])
    ring = FernetRing(keys)
    plaintext = os.urandom(args.size)
    first = Fernet(keys[0]).encrypt(plaintext)
    third = Fernet(keys[2]).encrypt(plaintext)
    for token in (first, third, ring.encrypt(plaintext)):
        assert multi.decrypt(token) == ring.decrypt(token) == plaintext

    cases = {
        "decrypt, key 1 of 3": ("decrypt", first),
        "decrypt, key 3 of 3": ("decrypt", third),
        "encrypt": ("encrypt", plaintext),
    }
    sides = {"MultiFernet": multi, "FernetRing": ring}
    timings: dict[tuple[str, str], list[float]] = {(c, s): [] for c in cases for s in sides}
    for _ in range(args.repeats):
        for case, (method, argument) in cases.items():
            for side, keyring in sides.items():
                call = getattr(keyring, method)
                seconds = timeit.timeit(lambda call=call, argument=argument: call(argument), number=args.number)
                timings[case, side].append(seconds / args.number * 1e6)

    print(
        f"tokens of {len(first)} characters ({args.size} bytes of plaintext), three keys, "
        f"median of {args.repeats} repeats of {args.number} calls (fastest in brackets), µs per call"
    )
    print(f"{'':22}{'MultiFernet':>18}{'FernetRing':>18}{'speed-up':>10}")
    for case in cases:
        cells, medians = [], []
        for side in sides:
            values = timings[case, side]
            medians.append(statistics.median(values))
            cells.append(f"{medians[-1]:8.2f} ({min(values):6.2f})")
        print(f"{case:22}{cells[0]:>18}{cells[1]:>18}{medians[0] / medians[1]:>9.1f}x")


if __name__ == "__main__":
    main()
