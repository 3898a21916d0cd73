"""Every write calibration makes (services write, selectors read, views translate)."""
