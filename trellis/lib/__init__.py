"""Pure helpers shared by the apps: no models, no requests (CSV safety, tabular reading, ...)."""
