"""Settings, read from the environment (prefix ``SORDINO_``) with embedded defaults."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("sordino", appauthor=False))


class Settings(BaseSettings):
    """Every knob sordino has; each default works for a single laptop."""

    model_config = SettingsConfigDict(env_prefix="SORDINO_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    queue_url: str | None = None
    secret_key: str | None = None
    issuer: str = "sordino"
    public_url: str | None = None
    trust_proxy_headers: bool = False
    max_body_bytes: int = 256 * 1024 * 1024
    max_json_bytes: int = 8 * 1024 * 1024
    log_format: str = "auto"
    log_level: str = "INFO"
    immediate_jobs: bool = False
    in_process_worker: bool = True

    @property
    def resolved_database_url(self) -> str:
        """The database to use: the configured URL or a SQLite file in data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'sordino.db'}"

    def signing_key(self) -> str:
        """The JWT signing key: configured, or generated once and kept in data_dir."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret.key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
