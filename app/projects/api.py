"""Projects in the JSON API."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["projects"])
