"""Text layer: cleaning, language and script, brand, aspect and intent matching."""
