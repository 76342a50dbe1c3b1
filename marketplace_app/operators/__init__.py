"""Human operators: profiles, KYC, skills and availability."""
