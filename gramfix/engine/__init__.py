"""Layer 1, the engine: pure computation on arrays and strings, no file I/O."""
