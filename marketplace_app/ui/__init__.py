"""The Reflex front door: pages, components and states that call the same services."""
