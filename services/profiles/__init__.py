"""Talent profiles: the job seekers' records, their contact data, and the events matching reads."""
