"""Reads for calibration pages, exports and the API, shaped for a fixed number of queries."""
