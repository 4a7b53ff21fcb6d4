from trellis.onboarding.commandline import ImportCommand


class Command(ImportCommand):
    help = (
        "Map ESN spaces (Viva Engage groups, Slack channels...) to communities from spaces.csv "
        "(upsert by source and space). Nothing is applied when a row is rejected."
    )
    kind = "spaces"
    file_help = "spaces.csv (or .xlsx): source, space, community"
