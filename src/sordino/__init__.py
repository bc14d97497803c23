"""sordino: a self-hosted application-security platform."""

__version__ = "0.1.0"
