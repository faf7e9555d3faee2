"""Version counters for what the public cache and the in-process reference data hold
(app/core/versions.py). Database triggers bump them in the writing transaction itself."""

from sqlmodel import Field, SQLModel


class ContentVersion(SQLModel, table=True):
    """One counter per kind of content: ``public`` (anything an anonymous page or the public
    API shows) and ``categories``. Never written by the app: triggers on the tables whose
    rows those pages show bump it, so no write path can forget to."""

    __tablename__ = "content_version"

    key: str = Field(primary_key=True, max_length=30)
    version: int = Field(default=0)
