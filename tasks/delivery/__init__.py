"""Email delivery: messages, transports and exactly-once sending."""
