"""trellis worker: run background tasks (activity imports…) from the database queue.

A thin shell over django-tasks-db's `db_worker`: each worker claims one task at a time
inside an exclusive transaction, so several workers (on one host or many) never run the
same task twice.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run a background worker: imports uploaded on the web pages run here. Start one or "
        "more (they share the queue safely); stop with Ctrl+C or SIGTERM (the running task "
        "finishes first)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queue-name",
            default="default",
            help="queues to process, separated by commas, or '*' for all (default: default)",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="seconds to wait when the queue is empty (default: 1)",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="process the tasks waiting now, then exit",
        )
        parser.add_argument(
            "--max-tasks",
            type=int,
            default=None,
            help="exit after this many tasks (a supervisor restarts the worker)",
        )
        parser.add_argument(
            "--reload",
            action="store_true",
            help="restart on code changes (development only)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        arguments = [
            "--queue-name",
            options["queue_name"],
            "--interval",
            str(options["interval"]),
            "--reload" if options["reload"] else "--no-reload",
        ]
        if options["batch"]:
            arguments.append("--batch")
        if options["max_tasks"] is not None:
            arguments += ["--max-tasks", str(options["max_tasks"])]
        call_command("db_worker", *arguments, verbosity=options["verbosity"])
