"""Photo tagging: loading product photos, embeddings, tags and training."""
