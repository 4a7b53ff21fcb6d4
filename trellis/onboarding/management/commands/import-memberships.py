from argparse import ArgumentParser
from typing import Any

from trellis.onboarding.commandline import ImportCommand


class Command(ImportCommand):
    help = (
        "Create or update memberships from memberships.csv (upsert by e-mail and community). "
        "Nothing is applied when a row is rejected."
    )
    kind = "memberships"
    file_help = "memberships.csv (or .xlsx): email, community, role, joined, left"

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--sync",
            action="store_true",
            help=(
                "Full sync of the communities in the file: end (left = today, never delete) "
                "their active memberships that the file does not list."
            ),
        )
        parser.add_argument(
            "--create-people",
            action="store_true",
            help=(
                "Create the people the directory does not know, named from the optional name "
                "column or the e-mail's local part."
            ),
        )

    def import_options(self, options: dict[str, Any]) -> dict[str, Any]:
        return {"sync": options["sync"], "create_people": options["create_people"]}
