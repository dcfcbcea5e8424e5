"""Fetching articles from HTTP sources: the sources file and the polite fetcher."""
