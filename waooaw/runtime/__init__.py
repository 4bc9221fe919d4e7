"""Runtime support that generated code imports (kept small and stable)."""
