"""Catalog search shared by typed and spoken queries.

`engine.search.service.search_catalog` is the entry point. This package imports
nothing heavy at module level: the sentence-embedding model loads only when a
caller asks for it.
"""
