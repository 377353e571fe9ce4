"""Whole-document work: extract the same fields from every document into a table, summarize a
document, and the intake folder that extracts each new document once."""
