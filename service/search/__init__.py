"""The search index: a tantivy index derived from PostgreSQL, kept in sync by one indexer
per instance from the change feed, read by every worker."""
