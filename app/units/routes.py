"""Unit pages: printable posters for wards and clinics."""

from fastapi import APIRouter

router = APIRouter()
