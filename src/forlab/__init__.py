"""forlab: a reproducible study book on privacy-preserving TSO-DSO coordination."""

__version__ = "0.1.0"
