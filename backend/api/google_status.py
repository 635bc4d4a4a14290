"""Routes of this group arrive with their own issue; the router is registered already."""

from fastapi import APIRouter

router = APIRouter()
