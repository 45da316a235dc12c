"""Operator actions (API key required)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from api.deps import ApiKey, ServiceDep
from api.routes import errors
from api.schemas import ReloadOut

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.post("/reload", response_model=ReloadOut, dependencies=[ApiKey], responses=errors(401, 403, 503))
async def reload_index(service: ServiceDep) -> ReloadOut:
    """Load the live index version from disk now (the server also polls every few seconds)."""
    changed = await run_in_threadpool(service.reload)
    return ReloadOut(changed=changed, index_version=service.snapshot.version)
