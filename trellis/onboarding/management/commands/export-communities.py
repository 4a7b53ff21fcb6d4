from trellis.onboarding.commandline import ExportCommand


class Command(ExportCommand):
    help = "Write communities.csv of the whole programme (the format import reads back)."
    kind = "communities"
