"""The probes an orchestrator asks."""

from __future__ import annotations


async def test_the_process_is_up(http):
    response = await http.get("/healthz")

    assert response.json() == {"status": "ok"}


async def test_the_process_is_ready_when_database_and_broadcast_answer(http):
    response = await http.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"ready": True, "database": True, "broadcast": True}
