"""Pure text and model functions: normalization, matching, sentiment. No database code."""
