"""Web framework integrations, each imported only when used: ``.fastapi`` and ``.aiohttp``."""
