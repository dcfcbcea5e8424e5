"""Model loading by hub id or local path, caching and CTranslate2 conversion."""
