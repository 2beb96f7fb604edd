"""Queue calling in the UI: the window panel, the hall display, the ticket kiosk, the rating."""
