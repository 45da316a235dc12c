"""Liveness (answers at once, even while loading) and readiness (503 until the index is live)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import RuntimeDep
from api.routes import errors
from api.schemas import Health, Ready

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Ready, responses=errors(503))
async def readyz(runtime: RuntimeDep) -> Ready:
    snapshot = runtime.ready_service().snapshot
    return Ready(status="ready", index_version=snapshot.version, documents=len(snapshot.documents),
                 passages=len(snapshot.passages))
