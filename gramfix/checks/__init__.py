"""Layer 3, the checks: one module per concern, each turning a `Dataset` into findings."""
