"""Spreadsheet exports of the goals app, one module per area."""
