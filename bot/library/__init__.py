"""The content library: schema, loader and check. The data itself lives in content/."""
