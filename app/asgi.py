"""The ASGI application for servers: ``uvicorn app.asgi:app``."""

from app.main import configure_logging, create_app
from app.web.render import environment

configure_logging()
app = create_app()
# The template environment (NHS.UK components and shared macros) and the pages every worker
# serves first are compiled here, once per worker, rather than by the first requests: a cold
# worker under load compiled one copy per waiting request, for seconds each, and held about
# 16 MB more afterwards (bench/memory.py).
for _name in ("ideas/board.html", "ideas/detail.html"):
    environment().get_template(_name)
