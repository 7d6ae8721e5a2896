"""Layer 5, the commands: parse options, call the library, render, return the exit code."""
