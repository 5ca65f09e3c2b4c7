"""How long the paste importer takes on each text of the corpus (issue 19: under 100 ms a text).

    .venv/bin/python bench/importer_corpus.py            # 20 runs a text, median and worst
    BENCH_RUNS=50 .venv/bin/python bench/importer_corpus.py

What a text costs: `split_documents` on the whole paste, then `parse_plan` of every plan it found
("all plans"); the review page asks for less, the split and the one plan picked ("one plan": the
slowest of the page's plans). The texts are tests/fixtures/importer (the corpus) and tests/fixtures/plans (the
three seed pages, the longest at 16,000 characters). The first call of a process also loads
OpenCC's dictionaries: it is timed apart. No database, no Django settings. Markdown on stdout, for
docs/performance.md.
"""

import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from plans.importer import parse_plan, split_documents  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "20"))
TARGET_MS = 100
CORPUS = sorted((ROOT / "tests" / "fixtures" / "importer").glob("*.txt"))
SEEDS = sorted((ROOT / "tests" / "fixtures" / "plans").glob("*.txt"))
TEXTS = CORPUS + SEEDS


def read_all(text: str) -> int:
    plans = split_documents(text)
    for pasted in plans:
        parse_plan(pasted.text, year=2026)
    return len(plans)


def read_one(text: str, index: int) -> None:
    parse_plan(split_documents(text)[index].text, year=2026)


def timed(call, *args, clock=time.process_time) -> list[float]:
    """Milliseconds of each run: CPU time by default, which a busy shared machine inflates less than
    the wall clock (both are printed)."""
    times = []
    for _ in range(RUNS):
        started = clock()
        call(*args)
        times.append((clock() - started) * 1000)
    return times


def main() -> None:
    started = time.perf_counter()
    read_all(TEXTS[0].read_text(encoding="utf-8"))
    cold_ms = (time.perf_counter() - started) * 1000
    rows = []
    for path in TEXTS:
        text = path.read_text(encoding="utf-8")
        plans = read_all(text)
        times = timed(read_all, text)
        wall = timed(read_all, text, clock=time.perf_counter)
        one = max(statistics.median(timed(read_one, text, index)) for index in range(plans)) if plans > 1 else None
        rows.append((path.name, len(text), plans, statistics.median(times), statistics.median(wall), one))
    load = os.getloadavg()[0]
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, load average {load:.1f};")
    print(f"{RUNS} runs a text; first call of the process (OpenCC's dictionaries loaded) {cold_ms:.1f} ms wall.\n")
    print("| text | characters | plans | all plans: CPU ms (median) | wall ms (median) | one plan: CPU ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, size, plans, cpu, wall, one in rows:
        one_text = f"{one:.1f}" if one is not None else "="
        print(f"| {name} | {size:,} | {plans} | {cpu:.1f} | {wall:.1f} | {one_text} |")
    corpus = rows[: len(CORPUS)]
    over = [row[0] for row in rows if (row[5] if row[5] is not None else row[3]) >= TARGET_MS]
    print(
        f"\n{len(rows)} texts; slowest CPU median {max(row[3] for row in corpus):.1f} ms in the corpus, "
        f"{max(row[3] for row in rows):.1f} ms over all; a page read as the review reads it (one plan) "
        f"over {TARGET_MS} ms: {', '.join(over) or 'none'}."
    )


if __name__ == "__main__":
    main()
