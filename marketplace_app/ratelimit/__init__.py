"""Per-key hourly request limits, counted in the database so every worker shares them."""
