"""Write the vega bundle (Vega, Vega-Lite, Vega-Embed) that vl-convert produces."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

DEFAULT = Path(settings.BASE_DIR) / "static" / "vendor" / "vega-bundle.js"


def build_bundle() -> str:
    import vl_convert

    # None selects the default snippet (globals vegaEmbed, vega, vegaLite); the stub says str.
    return str(vl_convert.javascript_bundle(None))  # type: ignore[arg-type]


class Command(BaseCommand):
    help = (
        "Write the browser bundle of Vega, Vega-Lite and Vega-Embed produced by the installed "
        "vl-convert, so charts draw with nothing fetched from the internet."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", default=str(DEFAULT), help="Where to write the bundle.")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only compare: exit 1 when the file differs from what vl-convert produces.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["output"])
        bundle = build_bundle()
        if options["check"]:
            current = target.read_text(encoding="utf-8") if target.exists() else ""
            if current != bundle:
                self.stderr.write(f"{target} is out of date: run `trellis vega-bundle`.")
                raise SystemExit(1)
            self.stdout.write(f"{target} is up to date.")
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(bundle, encoding="utf-8")
        self.stdout.write(f"Wrote {target} ({len(bundle):,} bytes).")
