from trellis.activity.sources.m365_usage.reader import M365UsageReader, UsageRow

__all__ = ["M365UsageReader", "UsageRow"]
