from trellis.onboarding.commandline import ImportCommand


class Command(ImportCommand):
    help = (
        "Create or update communities from communities.csv (upsert by slug). "
        "Nothing is applied when a row is rejected."
    )
    kind = "communities"
    file_help = "communities.csv (or .xlsx): slug, name, stage, launched, closed, purpose, ..."
