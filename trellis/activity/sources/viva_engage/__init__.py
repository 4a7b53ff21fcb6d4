from trellis.activity.sources.viva_engage.reader import VivaEngageReader

__all__ = ["VivaEngageReader"]
