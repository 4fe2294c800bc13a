"""The project's own exception types."""


class OrgsimError(Exception):
    """A mistake a user can make; the CLI shows it as one line and exits with status 2."""


class ScenarioError(OrgsimError):
    """An invalid scenario file or value."""
