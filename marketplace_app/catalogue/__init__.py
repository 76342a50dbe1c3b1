"""The platform's skill catalogue, each skill with a base rate per hour."""
