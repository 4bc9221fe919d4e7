"""Hand-written implementations of the generated server stubs."""
