"""Everything DuckDB: schema and migrations, bulk loads, analyst views, read helpers."""
