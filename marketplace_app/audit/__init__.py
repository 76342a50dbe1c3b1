"""The staff audit log: who did what to which object, append-only (service: `record`; reading: `queries`)."""
