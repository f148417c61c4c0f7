"""Matching service: embeds profiles and opportunities from Kafka and ranks them against each other."""
