"""Know-your-customer checks for operators: submission and staff review."""
