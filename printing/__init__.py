"""Documents: domain objects to PDFs (reportlab) and ticket bytes (ESC/POS). No Qt."""
