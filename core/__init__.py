"""What every layer shares: values, errors, settings, text rules, file writes. Imports nothing of the project."""
