"""The one error a start-up check raises (its own module, so checks anywhere can raise it
without importing the app factory)."""


class ConfigurationError(RuntimeError):
    """The app refuses to start with an unsafe configuration."""
