"""The MCP server: Handoff's agent API as Model Context Protocol tools (stdio and HTTP)."""
