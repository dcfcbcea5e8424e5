"""briefing: multilingual news translation and summarisation, as plain Python stages the CLI and the DAGs share."""
