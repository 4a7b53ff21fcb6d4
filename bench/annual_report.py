"""Annual report benchmark: time and peak memory of the PDF, next to WeasyPrint alone on a
static HTML of the same size, measured side by side in one run (guide/quality.md).

    uv run python bench/annual_report.py [--db FILE] [--scale large] [--messages 500000]
                                         [--lang en] [--year YEAR] [--parts 250,100]

1. Seeds the demo programme (`trellis seed-demo`, `large` by default: 500 communities)
   into a temporary SQLite file, or reuses --db, and adds synthetic ESN activity and
   events (bench/dashboard.py's `add_activity`).
2. "html": a fresh process reads the year (`annual_data`), draws the charts and renders
   the whole report as one HTML file (timed; peak RSS).
3. "baseline": a fresh process runs WeasyPrint alone on that static HTML, as one document:
   the limit of what any report of that size costs.
4. "report": a fresh process runs `render_report` end to end (reads, charts, HTML, PDF in
   parts of --parts communities joined by pdfunite, XLSX), once per part size.
5. Prints seconds, peak RSS (MB), pages and the ratio of each to the baseline.

Not a test: it never fails on a slow machine. Temporary files are removed (never --db).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboard import add_activity, django_setup  # noqa: E402
from pages import ROOT, communities, environment, trellis  # noqa: E402

CHILD = r"""
import json, os, resource, sys, time
os.environ["DJANGO_SETTINGS_MODULE"] = "trellis.settings"
import django
django.setup()
from trellis.reports import annual
mode, year, lang, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
part = int(sys.argv[5])
started = time.perf_counter()
out = {"mode": mode}
if mode == "html":
    html, data = annual.render_html(year, lang)
    open(path, "w").write(html)
    out.update(communities=len(data.current.communities), html_bytes=len(html.encode()))
elif mode == "baseline":
    import weasyprint
    doc = weasyprint.HTML(filename=path).render()
    pdf = doc.write_pdf()
    out.update(pages=len(doc.pages), pdf_bytes=len(pdf))
else:
    annual.ANNEX_PART = part
    rendered = annual.render_report(year, lang)
    out.update(pages=rendered.pages, pdf_bytes=len(rendered.pdf), communities=rendered.communities,
               xlsx_bytes=len(rendered.xlsx))
out["seconds"] = time.perf_counter() - started
out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def child(env: dict[str, str], *args: str) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"child {args[0]} failed")
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="SQLite file to seed or reuse (kept)")
    parser.add_argument("--scale", default="large", choices=["small", "large", "enterprise"])
    parser.add_argument("--messages", type=int, default=500_000)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--year", type=int, default=0, help="default: last year")
    parser.add_argument("--parts", default="100,250", help="annex part sizes to measure")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="trellis-bench-report-") as tmp_name:
        tmp = Path(tmp_name)
        db = args.db or tmp / "bench.sqlite3"
        env = environment(db, tmp)
        env.pop("TASKS_BACKEND", None)
        trellis(env, "migrate", "-v", "0")
        if communities(db) == 0:
            trellis(env, "seed-demo", "--scale", args.scale, "-v", "0")
        django_setup(env)
        counts = add_activity(args.messages, seed=1)
        from django.utils import timezone

        year = args.year or timezone.localdate().year - 1
        print(f"data: {communities(db)} communities, activity {counts}, year {year}")
        html = tmp / "report.html"
        results = [child(env, "html", str(year), args.lang, str(html), "0")]
        results.append(child(env, "baseline", str(year), args.lang, str(html), "0"))
        for part in [int(p) for p in args.parts.split(",") if p]:
            result = child(env, "report", str(year), args.lang, str(html), str(part))
            result["part"] = part
            results.append(result)
        base = next(r for r in results if r["mode"] == "baseline")
        print(f"load average: {os.getloadavg()[0]:.1f} (2 cores shared)")
        print(f"{'run':<22}{'seconds':>9}{'x base':>8}{'peak MB':>9}{'x base':>8}{'pages':>7}")
        for r in results:
            name = str(r["mode"]) + (f" (parts of {r['part']})" if "part" in r else "")
            secs, rss = float(r["seconds"]), float(r["rss_mb"])  # type: ignore[arg-type]
            print(
                f"{name:<22}{secs:>9.1f}{secs / float(base['seconds']):>8.2f}"  # type: ignore[arg-type]
                f"{rss:>9.0f}{rss / float(base['rss_mb']):>8.2f}{r.get('pages', ''):>7}"  # type: ignore[arg-type]
            )
        print(json.dumps(results))


if __name__ == "__main__":
    main()
