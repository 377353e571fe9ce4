"""Everything Qt lives here. The UI calls the core and listens; the core never calls the UI."""
