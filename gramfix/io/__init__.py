"""Readers of input files (the package every reader moves to in the coming restructuring)."""
