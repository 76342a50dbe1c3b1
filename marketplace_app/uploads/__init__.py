"""Files people upload (KYC documents, proof of work), kept in local storage by default."""
