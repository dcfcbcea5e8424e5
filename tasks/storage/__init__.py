"""Where records live: the run store, shards, translation memory, seen-store and delivery ledger."""
