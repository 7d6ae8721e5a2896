"""Output formats: each renders the one `Report` model."""
