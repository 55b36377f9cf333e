"""The pytest layer: options, hooks and fixtures that wire pytest to the engine."""
