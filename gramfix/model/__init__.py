"""Layer 0, the model: rules, options, policy, report and errors (no numpy, no I/O)."""
