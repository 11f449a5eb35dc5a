"""Custom conversation properties: admins define them (name, type, options), routing and
agents set them on threads (DESIGN 3 PropertyDefinition)."""
