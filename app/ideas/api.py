"""JSON API for ideas, votes and comments under /api/v1."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["ideas"])
