"""Local stand-ins for outside services, so tests never touch the internet."""
