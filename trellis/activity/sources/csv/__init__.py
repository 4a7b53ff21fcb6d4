from trellis.activity.sources.csv.reader import ActivityCsvReader, DayRow

__all__ = ["ActivityCsvReader", "DayRow"]
