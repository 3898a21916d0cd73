"""API schemas of the goals app, one module per area."""
