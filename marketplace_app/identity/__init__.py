"""People: users, roles, password login, session tokens and browser tickets."""
