"""The pipeline stages, in order: each takes records and returns records."""
