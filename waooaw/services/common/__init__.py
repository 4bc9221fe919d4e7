"""What every service shares: HTTP plumbing, database access, settings helpers."""
