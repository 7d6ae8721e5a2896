"""Layer 2, input and output: the only code that opens files (readers, discovery, writes)."""
