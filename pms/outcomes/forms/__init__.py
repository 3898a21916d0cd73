"""Forms of the results pages, one module per area. They parse input; the rules are in the
services, whose ``ValidationError`` the views show with ``add_service_errors``."""
