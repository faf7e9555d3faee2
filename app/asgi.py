"""The ASGI application for servers: ``uvicorn app.asgi:app``."""

from app.main import configure_logging, create_app

configure_logging()
app = create_app()
