"""Idea pages: the board, the form, receipts, the idea page, votes, follows and reports."""

from fastapi import APIRouter

router = APIRouter()
