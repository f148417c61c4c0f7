"""Enterprises: postings, training classes, training needs and shortlists."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
