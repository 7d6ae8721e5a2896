"""The checks, one module per concern, each turning an `Analysis` into findings and stats."""
