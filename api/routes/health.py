"""Liveness (answers at once, even while loading) and readiness (503 until the index is live)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import RuntimeDep
from api.routes import errors
from api.schemas import Health, Ready
from core.errors import IndexNotReady

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Ready, responses=errors(503))
async def readyz(runtime: RuntimeDep) -> Ready:
    """Ready when the models are loaded and a live index version is on disk (503 while the index folder
    is missing: the server rebuilds it from the corpus folder)."""
    service = runtime.ready_service()
    if runtime.rebuilding or not service.store.exists():
        raise IndexNotReady(f"the index folder {service.store.index_dir} is missing; it is being rebuilt from the "
                            "corpus folder")
    snapshot = service.snapshot
    return Ready(status="ready", index_version=snapshot.version, documents=len(snapshot.documents),
                 passages=snapshot.passage_count)
