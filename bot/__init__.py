"""The Balancing the Scales companion."""
