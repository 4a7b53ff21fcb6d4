from trellis.activity.sources.slack.reader import SlackReader

__all__ = ["SlackReader"]
