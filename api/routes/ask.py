"""POST /v1/ask: retrieve, read, cite. Blocking inference runs in worker threads, a few at a time
(``ServiceRuntime.run_ask``); beyond a short queue, questions get a fast 503 with ``Retry-After``."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import JsonBody, RuntimeDep
from api.routes import errors
from api.schemas import AskRequest, AskResponse

router = APIRouter(prefix="/v1", tags=["questions"])


@router.post("/ask", response_model=AskResponse, dependencies=[JsonBody], responses=errors(400, 413, 415, 422, 503))
async def ask(body: AskRequest, runtime: RuntimeDep) -> AskResponse:
    """Answer a question from the articles. Offsets in citations index the ORIGINAL files.

    ``no_answer`` is set (and ``answers`` empty) when no candidate reached the confidence threshold.
    """
    service = runtime.ready_service()
    async with runtime.ask_slot():
        result = await runtime.run_ask(lambda: service.ask(body.question, top_k=body.top_k,
                                                           max_answers=body.max_answers,
                                                           filters=body.document_filter(), as_of=body.as_of))
    return AskResponse.from_result(result)
