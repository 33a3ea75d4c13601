"""Routes (filled in by the index/report work)."""

from fastapi import APIRouter

router = APIRouter()
