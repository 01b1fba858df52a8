"""Review analysis: cleaning, sentiment, aspects and summaries."""
