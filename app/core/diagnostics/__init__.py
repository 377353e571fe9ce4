"""What `strongroom doctor` reports about this machine and installation."""
