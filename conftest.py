"""Root conftest: the project's own test suite runs pytest inside pytest (pytester)."""

pytest_plugins = ["pytester"]
