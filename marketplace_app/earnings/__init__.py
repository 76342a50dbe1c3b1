"""What operators earn: settlement holds, available balance, payouts."""
