"""The bundled demo: a story of 30 days of customer talk, rendered as four local sites."""
