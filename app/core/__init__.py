"""The pure core: no Qt is imported anywhere below this package (checked by tests and import-linter)."""
