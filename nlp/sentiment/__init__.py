"""Sentiment: the offline base encoder, the project's classifier head and inference."""
