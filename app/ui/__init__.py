"""Everything Qt lives here. The UI calls the core and listens; the core never calls the UI."""
from .qt_workarounds import keep_bools_alive

keep_bools_alive()  # before the first signal is emitted: see qt_workarounds
