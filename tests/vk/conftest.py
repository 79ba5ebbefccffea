"""Fixtures for the VK client and stand-in tests: small seeded worlds served over real HTTP."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import pytest

from resources.vk.client import VkClient
from resources.vk.settings import VkSettings
from vk_standin import StandInServer, World

# The genuine recorded VK responses live beside the repository (CI clones it next to shared/).
FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "vk"
START = datetime(2026, 3, 1, tzinfo=timezone.utc)


@pytest.fixture
def vk_fixture() -> Callable[[str], dict]:
    """Loads a genuine recorded VK response by file name, as it is."""

    def load(name: str) -> dict:
        return json.loads((FIXTURES / name).read_text(encoding="utf-8"))

    return load


@pytest.fixture
def world() -> World:
    """Six groups (one closed, one private, one deleted), a week of posts, one hot post or so."""
    return World(seed=7, n_groups=6, start=START, days=7, posts_per_day=4.0, hot_post_share=0.02,
                 max_comments=1500)


@pytest.fixture
def serve() -> Iterator[Callable[..., StandInServer]]:
    """`serve(world, **server_options)` starts a stand-in that is stopped after the test."""
    servers: list[StandInServer] = []

    def start(world: World, **options) -> StandInServer:
        server = StandInServer(world, **options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def server(serve, world) -> StandInServer:
    return serve(world)


@pytest.fixture
def make_client() -> Callable[..., VkClient]:
    """`make_client(server, token=None, **options)`: a client with test-sized pauses (same code
    paths, millisecond backoffs)."""

    def make(server: StandInServer, token: str | None = None, **options) -> VkClient:
        settings = dict(
            base_url=server.base_url,
            requests_per_second=500.0,
            timeout_seconds=2.0,
            max_retries=6,
            backoff_base_seconds=0.005,
            backoff_max_seconds=0.05,
            rate_limited_pause_seconds=0.05,
        )
        settings.update(options)
        return VkClient(VkSettings(token if token is not None else server.token, **settings))

    return make


@pytest.fixture
def client(server, make_client) -> VkClient:
    return make_client(server)
