"""Jobs service: the opportunities enterprises, incubators and industrial parks publish."""
