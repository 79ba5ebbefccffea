"""A local stand-in for the VK API: a seeded world of communities and an HTTP server serving it.

Nothing in tests, CI or the demo may reach the real VK API; this package is the other side of
that boundary. See `World` for the data and ground truth, `StandInServer` for the wire.
"""

from vk_standin.faults import ALL_FAULTS, EXECUTE_ITEM, REQUEST_FAULTS
from vk_standin.limits import VK_DAILY_QUOTAS
from vk_standin.server import DEFAULT_TOKEN, Counters, StandInServer
from vk_standin.world import World

__all__ = [
    "ALL_FAULTS", "Counters", "DEFAULT_TOKEN", "EXECUTE_ITEM", "REQUEST_FAULTS",
    "StandInServer", "VK_DAILY_QUOTAS", "World",
]
