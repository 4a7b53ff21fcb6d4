from trellis.onboarding.commandline import ExportCommand


class Command(ExportCommand):
    help = "Write memberships.csv of the whole programme (the format import reads back)."
    kind = "memberships"
