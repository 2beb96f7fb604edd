"""Counter device drivers (pyserial) and their simulators. No Qt."""
