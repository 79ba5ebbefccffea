"""VK API access: the Dagster resource assets take; the client and its parts are submodules."""

from resources.vk.resource import VkApiResource

__all__ = ["VkApiResource"]
