"""What the analytics assets are made of: frames from the database (`frames`), tables and
charts for the UI (`rendering`)."""
