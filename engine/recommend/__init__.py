"""Recommendations learned from the shop's order history."""
